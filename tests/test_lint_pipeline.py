"""tlsconf's own pipeline agrees with itself: what `render` writes, `lint` reads in full and
judges clean — all files of a render in one run and each file alone, as the pre-commit hook
passes them — and the pieces that make that true: nginx kind detection by content and path,
the conf.d sibling context of listener-level rules, HAProxy HSTS sent from backends."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.lint.files import write
from tlsconf.cli import app
from tlsconf.errors import TlsconfError
from tlsconf.ingest import detect

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


MAP = "map $http_upgrade $connection_upgrade {\n    default upgrade;\n    '' close;\n}\n"


# -- nginx kind detection ----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "text"), [
    ("conf.d/00-tlsconf.conf", MAP),  # an http-context block alone
    ("x/geo.conf", "geo $remote_addr $office {\n    default 0;\n}\n"),
    ("x/types.conf", "types {\n    text/html html;\n}\n"),
    ("deploy/nginx/conf.d/empty.conf", "# nothing yet\n"),  # the hook's `/nginx/.*\.conf`
    ("etc/nginx-edge/limits.conf", "limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s;\n"),
    ("my-nginx.conf", "client_max_body_size 1m;\n"),  # the hook's `nginx.*\.conf`
])
def test_nginx_files_are_told_by_content_or_path(path: str, text: str) -> None:
    assert detect(path, text) == "nginx"


@pytest.mark.parametrize("path", ["x/notes.conf", "conf.d/tuning.txt", "nginx/notes.txt"])
def test_other_files_stay_unknown(path: str) -> None:
    with pytest.raises(TlsconfError, match="cannot tell the input kind"):
        detect(path, "client_max_body_size 1m;\n")


def test_a_file_with_nothing_tls_in_it_is_read_in_full_and_clean() -> None:
    """Nothing to judge is no finding (exit 0) — but only after the whole file was read."""
    assert run("lint", "--format", "json", write("conf.d/00-tlsconf.conf", MAP))[0] == 0
    assert run("lint", write("nginx/conf.d/empty.conf", "# nothing yet\n")) == (0, "", "")
    cut = MAP.replace("    '' close;\n}\n", "    '' close\n")
    assert run("lint", write("conf.d/01-cut.conf", cut)) == (
        2, "", 'conf.d/01-cut.conf:3:5: unexpected end of file, expecting "}"\n'
               "1 error(s): the input(s) above were not linted\n")
    assert run("lint", write("nginx/conf.d/junk.conf", "hello world\n")) == (
        2, "", 'nginx/conf.d/junk.conf:1:1: unexpected end of file, expecting ";" or "}"\n'
               "1 error(s): the input(s) above were not linted\n")
    assert run("lint", write("x/notes.conf", "hello world\n")) == (
        2, "", "x/notes.conf: cannot tell the input kind (spec, nginx, haproxy, traefik, k8s): "
               "pass --kind\n1 error(s): the input(s) above were not linted\n")
