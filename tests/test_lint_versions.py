"""`nginx_version` / `haproxy_version` in .tlsconf.yaml: with the server's release known, what
it does when a config is silent is a fact, and judged — protocol defaults (nginx before 1.23.4,
HAProxy before 2.2 enable TLS 1.0/1.1) and nginx's own ticket keys (never rotated before
1.23.2). Without the settings, those stay "left to the server" (TLS105) as before."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.lint.baselines import HAPROXY, NGINX
from tests.lint.files import write
from tlsconf.cli import app

pytestmark = pytest.mark.usefixtures("tmp_cwd")

NO_PROTOCOLS = NGINX.replace("    ssl_protocols TLSv1.2 TLSv1.3;\n", "")
TICKETS_DEFAULT = NGINX.replace("    ssl_session_tickets off;\n", "")
TICKETS_ON = NGINX.replace("ssl_session_tickets off;", "ssl_session_tickets on;")
HAPROXY_NO_MIN = HAPROXY.replace(" ssl-min-ver TLSv1.2", "")
LEGACY = ("TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; Mozilla "
          "intermediate allows TLSv1.2 TLSv1.3) ({server}'s default: no version is set)")


def lint(name: str, text: str, settings: str | None) -> tuple[int, list[str]]:
    if settings is not None:
        write(".tlsconf.yaml", settings)
    result = CliRunner().invoke(app, ["lint", "--no-cert-checks", write(name, text)])
    return result.exit_code, result.stdout.splitlines() or result.stderr.splitlines()


def test_the_inputs_differ_from_the_clean_baselines() -> None:
    assert len({NGINX, NO_PROTOCOLS, TICKETS_DEFAULT, TICKETS_ON}) == 4
    assert HAPROXY_NO_MIN != HAPROXY
    assert lint("nginx.conf", NGINX, 'nginx_version: "1.22"\n') == (0, [])
    assert lint("haproxy.cfg", HAPROXY, 'haproxy_version: "2.0"\n') == (0, [])


@pytest.mark.parametrize(("settings", "expected"), [
    (None, ["TLS105 [warning] protocol versions are not set: no ssl_protocols: nginx before "
            "1.23.4 enables TLSv1 and TLSv1.1"]),
    ('nginx_version: "1.22"\nfail_on: error\n', [
        LEGACY.format(server="nginx 1.22"),
        "TLS105 [warning] protocol versions are not set: nginx 1.22 enables TLSv1 TLSv1.1 "
        "TLSv1.2 TLSv1.3 when none is set"]),
    ('nginx_version: "1.23.4"\n', [
        "TLS105 [warning] protocol versions are not set: nginx 1.23.4 enables TLSv1.2 TLSv1.3 "
        "when none is set"]),
])
def test_nginx_protocol_default_by_release(settings: str | None, expected: list[str]) -> None:
    # Both TLS servers inherit the http block's (absent) ssl_protocols: the catch-all at 9:5
    # that rejects handshakes and the site at 13:5.
    assert lint("nginx.conf", NO_PROTOCOLS, settings) == (
        1, [f"nginx.conf:{at}: {line}" for at in ("9:5", "13:5") for line in expected])


@pytest.mark.parametrize(("settings", "expected"), [
    (None, ["haproxy.cfg:9:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver: "
            "HAProxy's default depends on its version (TLS 1.0 before 2.2)"]),
    ('haproxy_version: "2.1"\n', [
        f"haproxy.cfg:9:5: {LEGACY.format(server='haproxy 2.1')}",
        "haproxy.cfg:9:5: TLS105 [warning] protocol versions are not set: haproxy 2.1 enables "
        "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 when none is set"]),
    ('haproxy_version: "2.2"\n', [
        "haproxy.cfg:9:5: TLS105 [warning] protocol versions are not set: haproxy 2.2 enables "
        "TLSv1.2 TLSv1.3 when none is set"]),
    ('nginx_version: "1.22"\n', [  # another server's release says nothing about HAProxy
        "haproxy.cfg:9:5: TLS105 [warning] protocol versions are not set: no ssl-min-ver: "
        "HAProxy's default depends on its version (TLS 1.0 before 2.2)"]),
])
def test_haproxy_protocol_default_by_release(settings: str | None, expected: list[str]) -> None:
    assert lint("haproxy.cfg", HAPROXY_NO_MIN, settings) == (1, expected)


TICKETS = ("TLS405 [warning] session tickets are {how} and nginx {release} never rotates their "
           "keys (it does from 1.23.2)")


@pytest.mark.parametrize(("text", "settings", "expected"), [
    (TICKETS_DEFAULT, None, []),
    (TICKETS_DEFAULT, 'nginx_version: "1.23.2"\n', []),
    (TICKETS_DEFAULT, 'nginx_version: "1.22.1"\n', [
        f"nginx.conf:{at}: " + TICKETS.format(how="on by default (no ssl_session_tickets)",
                                              release="1.22.1") for at in ("9:5", "13:5")]),
    (TICKETS_ON, 'nginx_version: "1.18"\n', [
        "nginx.conf:7:5: " + TICKETS.format(how="on", release="1.18")]),
    (NGINX, 'nginx_version: "1.18"\n', []),  # ssl_session_tickets off
])
def test_nginx_ticket_keys_by_release(text: str, settings: str | None,
                                      expected: list[str]) -> None:
    assert lint("nginx.conf", text, settings) == (1 if expected else 0, expected)


@pytest.mark.parametrize(("value", "message"), [
    ("1.20", 'tlsconf.nginx_version: must be a quoted version such as "1.22"'),
    ('"1.x"', 'tlsconf.nginx_version: must be a version such as "1.22"'),
])
def test_a_version_setting_that_is_not_a_version_is_refused(value: str, message: str) -> None:
    assert lint("nginx.conf", NGINX, f"nginx_version: {value}\n") == (
        2, [f".tlsconf.yaml:1:1: {message}"])
