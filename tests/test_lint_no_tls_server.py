"""Issue 13: a lint that finds no TLS server says so (a note, exit 0), and the `http {}`-level
TLS directives of a config with no TLS server (Debian's stock nginx.conf, whose sites live in
files not given) are judged as what every TLS server added there would inherit."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.lint.files import write
from tlsconf.cli import app

pytestmark = pytest.mark.usefixtures("tmp_cwd")

# Debian 12's /etc/nginx/nginx.conf, its TLS lines (the sites are in sites-enabled/).
DEBIAN = """\
user www-data;
events {
    worker_connections 768;
}
http {
    sendfile on;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE
    ssl_prefer_server_ciphers on;
    server {
        listen 80;
        server_name plain.example;
    }
}
"""
NOTE = ("note: no TLS server found in {} (no `listen ... ssl`, `bind ... ssl`, Traefik "
        "router with `tls`, ...)\n")


def lint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["lint", "--no-cert-checks", *args])
    return result.exit_code, result.stdout, result.stderr


def test_http_level_defaults_with_no_tls_server_are_judged() -> None:
    assert lint(write("nginx.conf", DEBIAN)) == (1, (
        "nginx.conf:7:5: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"), "")


def test_strong_http_level_defaults_are_clean_and_nothing_else_is_claimed() -> None:
    strong = DEBIAN.replace("TLSv1 TLSv1.1 TLSv1.2 TLSv1.3", "TLSv1.2 TLSv1.3")
    assert strong != DEBIAN
    assert lint(write("nginx.conf", strong)) == (0, "", "")


@pytest.mark.parametrize(("name", "text"), [
    ("nginx.conf", DEBIAN.replace("    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping "
                                  "SSLv3, ref: POODLE\n    ssl_prefer_server_ciphers on;\n", "")),
    ("haproxy.cfg", "frontend fe\n    mode http\n    bind :80\n    default_backend be\n"
                    "backend be\n    server s1 127.0.0.1:8080\n"),
])
def test_no_tls_server_is_said_not_passed_silently(name: str, text: str) -> None:
    assert lint(write(name, text)) == (0, "", NOTE.format(name))


def test_the_note_counts_inputs_and_is_in_the_json() -> None:
    plain = "http {\n    server {\n        listen 80;\n    }\n}\n"
    paths = [write("a/nginx.conf", plain), write("b/nginx.conf", plain)]
    assert lint(*paths) == (0, "", NOTE.format("the 2 inputs"))
    code, out, _ = lint("--format", "json", paths[0])
    assert (code, json.loads(out)["notes"]) == (0, [NOTE.format(paths[0])[6:-1]])


def test_no_note_when_a_tls_server_was_judged() -> None:
    tls = DEBIAN.replace("listen 80;", "listen 443 ssl;\n        ssl_certificate /x.pem;\n"
                         "        ssl_certificate_key /x.key;")
    code, _, err = lint("--fail-on", "error", write("nginx.conf", tls))
    assert "no TLS server" not in err and code == 1
