"""What the real-world corpus (issue 13) showed the ingesters got wrong, one focused case per
class of bug, on the clean baselines: each fix is asserted both ways."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.lint.baselines import HAPROXY, NGINX
from tests.lint.files import write
from tlsconf.cli import app

pytestmark = pytest.mark.usefixtures("tmp_cwd")
NOT_LINTED = "1 error(s): the input(s) above were not linted\n"
HSTS = 'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;'


def lint(name: str, text: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["lint", "--no-cert-checks", "--fail-on", "info",
                                      write(name, text)])
    return result.exit_code, result.stdout.splitlines(), result.stderr


# nginx: a server listening on 80 and 443 whose every request is redirected to https redirects
# its plain HTTP too (certbot's chive test data); before, only an `if` counted there.
BOTH_PORTS = NGINX.replace("        listen 443 ssl;\n", "        listen 443 ssl;\n"
                           "        listen 8080;\n")


@pytest.mark.parametrize(("redirect", "expected"), [
    ("return 301 https://example.com$request_uri;", []),
    ("location / {\n            return 308 https://$host$request_uri;\n        }", []),
    ("return 301 http://example.com$request_uri;",
     ["nginx.conf:14:5: TLS507 [warning] plain HTTP is served without a redirect to https"]),
])
def test_a_server_on_both_ports_that_redirects_everything(redirect: str,
                                                          expected: list[str]) -> None:
    text = BOTH_PORTS.replace("        location / {\n            proxy_pass http://127.0.0.1:8080;"
                              "\n            proxy_set_header Host $host;\n        }",
                              "        " + redirect)
    assert lint("nginx.conf", text) == (1 if expected else 0, expected, "")


# nginx: an HSTS value held in a variable (nginx-proxy: `set $sts_header` inside `if ($https)`)
# is the value a `set` gives it; before, it read as max-age=0 (TLS502).
@pytest.mark.parametrize(("sets", "value", "expected"), [
    ('        set $sts "";\n        if ($https) {\n            set $sts "max-age=31536000";\n'
     "        }\n", "$sts",
     ["nginx.conf:24:9: TLS503 [warning] HSTS max-age=31536000 is below 63072000"]),
    ('        set $sts "max-age=63072000";\n', '"${sts}; includeSubDomains"', []),
    # no `set` here (a `map`, an include's): present, so no TLS501, and its age is not judged
    ("", "$hsts_from_a_map", []),
])
def test_hsts_through_a_variable(sets: str, value: str, expected: list[str]) -> None:
    text = NGINX.replace(f"        {HSTS}\n", f"{sets}        add_header "
                         f"Strict-Transport-Security {value} always;\n")
    assert lint("nginx.conf", text) == (1 if expected else 0, expected, "")


# nginx: a plain include that cannot be read is refused with the field and what is allowed
# (was crossplane's bare `[Errno 2] No such file or directory: '…'`).
def test_a_missing_plain_include_says_what_nginx_allows() -> None:
    text = NGINX.replace("    server_tokens off;\n", "    include /config/nginx/ssl.conf;\n")
    assert lint("nginx.conf", text) == (2, [], (
        "nginx.conf:9:5: include: '/config/nginx/ssl.conf': no such file or directory: nginx "
        "refuses a plain include it cannot read (only a glob may match nothing); lint the "
        f"config where its includes are\n{NOT_LINTED}"))


# HAProxy: `no-sslv3` alone (no ssl-min-ver) leaves TLS 1.0/1.1 to the version's default, as
# setting nothing does; before, it was judged as TLS 1.2+ and passed silently.
@pytest.mark.parametrize(("options", "expected"), [
    ("no-sslv3 no-tls-tickets", [
        "haproxy.cfg:5:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver, and "
        "ssl-default-bind-options has only no-sslv3: HAProxy's default depends on its version "
        "(TLS 1.0 before 2.2)"]),
    ("no-sslv3 no-tlsv10 no-tls-tickets", [
        "haproxy.cfg:5:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver, and "
        "ssl-default-bind-options has only no-sslv3 no-tlsv10: HAProxy's default depends on its "
        "version (TLS 1.0 before 2.2)"]),
    ("no-sslv3 no-tlsv10 no-tlsv11 no-tls-tickets", []),  # the lower bound is set: TLS 1.2
    # an upper bound below 1.3 keeps the config's origin: TLS 1.3 is off whatever the version
    ("no-sslv3 ssl-max-ver TLSv1.2", ["haproxy.cfg:5:5: TLS103 [warning] TLSv1.3 is not enabled"]),
])
def test_haproxy_no_flags_without_a_minimum(options: str, expected: list[str]) -> None:
    text = HAPROXY.replace("prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets", options)
    assert lint("haproxy.cfg", text) == (1 if expected else 0, expected, "")


# HAProxy: `bind *443` has no port; HAProxy refuses the file, so tlsconf does too (before, the
# listener was judged as if it existed).
@pytest.mark.parametrize(("address", "refused"), [
    ("*443", True), ("example.com", True), (":443,*8443", True),
    ("*:443", False), ("[::]:443", False), (":443,[::]:443", False), ("quic4@:443", False),
    ("ipv6@:::443", False), ("unix@/run/haproxy.sock", False), ("/run/haproxy.sock", False),
    ("fd@3", False), ('"${LISTEN_ADDR}"', False),
])
def test_haproxy_bind_without_a_port(address: str, refused: bool) -> None:
    text = HAPROXY.replace("bind :443 ssl", f"bind {address} ssl")
    if refused:
        bad = next(p for p in address.split(",") if ":" not in p)
        assert lint("haproxy.cfg", text) == (2, [], (
            f"haproxy.cfg:9:5: bind: address {bad!r} has no port; allowed: [address]:port "
            f"(`:443`, `*:443`, `[::]:443`), unix@/path, /path, fd@N\n{NOT_LINTED}"))
    else:
        assert lint("haproxy.cfg", text) == (0, [], "")
