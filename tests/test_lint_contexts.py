"""nginx snippets (TLS directives outside any server), `stream {}` / `mail {}` servers, and
HAProxy fragments, `mode` inheritance and upstream verification without a TLS bind (issue 13)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.lint.baselines import INTERMEDIATE_CIPHERS
from tests.lint.files import write
from tlsconf.cli import app

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()


def lint(path: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["lint", "--no-cert-checks", "--fail-on", "info", *args, path])
    return result.exit_code, result.stdout, result.stderr


# -- nginx: a TLS policy snippet linted on its own ---------------------------------------------

WEAK = ("ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n"
        'ssl_ciphers "ECDHE-RSA-AES128-GCM-SHA256:RC4-SHA:AES128-SHA";\n')
STRONG = ("ssl_session_timeout 1d;\nssl_session_cache shared:MozSSL:10m;\n"
          "ssl_session_tickets off;\nssl_protocols TLSv1.2 TLSv1.3;\n"
          f"ssl_ciphers {INTERMEDIATE_CIPHERS};\nssl_prefer_server_ciphers off;\n")


def weak_findings(path: str) -> str:
    return (f"{path}:1:1: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; "
            "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"
            f"{path}:1:1: TLS103 [warning] TLSv1.3 is not enabled\n"
            f"{path}:2:1: TLS204 [error] RC4 suites enabled (prohibited by RFC 7465): RC4-SHA\n"
            f"{path}:2:1: TLS208 [warning] suites without forward secrecy (static RSA/DH key "
            "exchange) enabled: AES128-SHA\n")


@pytest.mark.parametrize("name", ["snippets/ssl-params.conf", "ssl.inc", "conf.d/tls.conf"])
@pytest.mark.parametrize("kind", [(), ("--kind", "nginx")])
def test_a_weak_snippet_is_judged_as_if_included_in_a_server(name: str,
                                                             kind: tuple[str, ...]) -> None:
    """No listener-level finding (catch-all, redirect, missing HSTS): the snippet has none."""
    assert lint(write(name, WEAK), *kind) == (1, weak_findings(name), "")


@pytest.mark.parametrize("kind", [(), ("--kind", "nginx")])
def test_a_strong_snippet_is_clean(kind: tuple[str, ...]) -> None:
    assert lint(write("snippets/ssl-params.conf", STRONG), *kind) == (0, "", "")


def test_what_a_snippet_leaves_unset_is_its_includers() -> None:
    """Only the ciphers set: the protocols (and HSTS) are not judged here; the ciphers are."""
    path = write("ciphers.conf", 'ssl_ciphers "ECDHE-RSA-AES128-GCM-SHA256:RC4-SHA";\n')
    assert lint(path) == (1, "ciphers.conf:1:1: TLS204 [error] RC4 suites enabled (prohibited "
                             "by RFC 7465): RC4-SHA\n", "")
    path = write("protocols.conf", "ssl_protocols TLSv1.3;\n")
    assert lint(path) == (0, "", "")


def test_a_snippets_hsts_header_is_judged() -> None:
    path = write("hsts.conf", 'add_header Strict-Transport-Security "max-age=300";\n')
    assert lint(path) == (1, "hsts.conf:1:1: TLS503 [warning] HSTS max-age=300 is below "
                             "63072000\nhsts.conf:1:1: TLS505 [warning] add_header "
                             "Strict-Transport-Security lacks `always` (missing on errors)\n",
                       "")


def test_a_snippet_included_by_a_server_is_judged_through_it() -> None:
    write("snippets/ssl.conf", WEAK)
    site = write("site/nginx.conf", "events {}\nhttp {\n    server {\n"
                 "        listen 443 ssl default_server;\n        ssl_reject_handshake on;\n"
                 "        include ../snippets/ssl.conf;\n    }\n}\n")
    code, out, _ = lint(site)
    assert code == 1 and "snippets/ssl.conf:2:1: TLS204 [error] RC4" in out


def test_a_file_with_directives_but_nothing_tls_stays_clean() -> None:
    # Clean (exit 0, no finding), and it says nothing was judged (issue 13).
    assert lint(write("nginx/conf.d/limits.conf", "client_max_body_size 1m;\n")) == (
        0, "", "note: no TLS server found in nginx/conf.d/limits.conf (no `listen ... ssl`, "
               "`bind ... ssl`, Traefik router with `tls`, ...)\n")


def test_a_conf_d_file_whose_settings_no_server_of_its_own_uses_is_judged() -> None:
    """Beside a site file, a conf.d file of http-level TLS settings linted alone is judged
    (before, only the sibling's servers used it, and those were not the file's subjects)."""
    write("conf.d/a.conf", "server {\n    listen 443 ssl;\n    server_name a.example;\n}\n")
    assert lint(write("conf.d/00-tls.conf", WEAK)) == (1, weak_findings("conf.d/00-tls.conf"), "")


def test_a_templated_snippet_is_refused() -> None:
    path = write("ssl.conf", "ssl_protocols {{ protocols }};\n")
    code, out, err = lint(path)
    assert (code, out) == (2, "") and err.startswith("ssl.conf:1:15: templated file ('{{')")


# -- nginx: stream {} and mail {} --------------------------------------------------------------

TCP = """events {}
stream {
    ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;
    server {
        listen 5432 ssl;
        ssl_certificate /etc/ssl/db.pem;
        ssl_certificate_key /etc/ssl/db.key;
        proxy_pass 127.0.0.1:5433;
    }
    server {
        listen 53;
        proxy_pass 127.0.0.1:5353;
    }
}
mail {
    ssl_certificate /etc/ssl/mail.pem;
    server {
        listen 993 ssl;
        protocol imap;
        ssl_ciphers "ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA";
        ssl_protocols TLSv1.2 TLSv1.3;
    }
    server {
        listen 143;
        protocol imap;
        starttls on;
    }
}
"""


def test_stream_and_mail_servers_get_tls_rules_and_no_http_ones() -> None:
    """The stream server inherits stream's protocols; the mail servers mail's certificate
    (the STARTTLS one too: nginx's default protocols, ciphers left to default)."""
    assert lint(write("nginx.conf", TCP)) == (1, (
        "nginx.conf:3:5: TLS102 [error] TLSv1.1 enabled (deprecated by RFC 8996; Mozilla "
        "intermediate allows TLSv1.2 TLSv1.3)\n"
        "nginx.conf:21:9: TLS207 [error] 64-bit block ciphers (3DES/IDEA, SWEET32) enabled: "
        "DES-CBC3-SHA\n"
        "nginx.conf:24:5: TLS105 [warning] protocol versions are not set: no ssl_protocols: "
        "nginx before 1.23.4 enables TLSv1 and TLSv1.1\n"
        "nginx.conf:24:5: TLS215 [warning] cipher suites are not set: no ssl_ciphers: nginx's "
        "default HIGH:!aNULL:!MD5 accepts static-RSA, CBC and CAMELLIA suites\n"), "")


@pytest.mark.parametrize(("verify", "expected"), [
    ("", ["nginx.conf:4:9: TLS701 [error] TLS to the upstream is not verified"]),
    ("        proxy_ssl_verify off;\n",
     ["nginx.conf:4:9: TLS701 [error] TLS to the upstream is not verified"]),
    ("        proxy_ssl_verify on;\n", []),
])
def test_stream_tls_to_the_upstream_is_judged(verify: str, expected: list[str]) -> None:
    config = ("events {}\nstream {\n    server {\n        proxy_ssl on;\n"
              f"{verify}        listen 5432 ssl;\n        ssl_protocols TLSv1.2 TLSv1.3;\n"
              f"        ssl_ciphers {INTERMEDIATE_CIPHERS};\n"
              "        proxy_pass 10.0.0.1:5432;\n    }\n}\n")
    code, out, err = lint(write("nginx.conf", config))
    assert (code, out.splitlines(), err) == (1 if expected else 0, expected, "")


def test_a_stream_or_mail_block_alone_is_nginx() -> None:
    path = write("tcp.conf", TCP.replace("events {}\n", "").split("mail {")[0])
    code, out, _ = lint(path)
    assert code == 1 and out.startswith("tcp.conf:2:5: TLS102 [error] TLSv1.1 enabled")


# -- HAProxy: mode from defaults, fragments, upstream verification, templates ------------------

BIND = "    bind :443 ssl crt /etc/haproxy/site.pem strict-sni ssl-min-ver TLSv1.2 ciphers " \
       f"{INTERMEDIATE_CIPHERS}\n"


def no_hsts(line: int) -> str:
    """TLS501 at the frontend, naming its bind (the next line)."""
    return (f"haproxy.cfg:{line}:1: TLS501 [warning] no Strict-Transport-Security header is "
            f"sent (listener at haproxy.cfg:{line + 1}:5)")


@pytest.mark.parametrize(("config", "expected"), [
    # no mode anywhere: HAProxy's default is tcp, no HTTP rule applies
    (f"frontend fe\n{BIND}", []),
    # the last defaults section before the frontend, named or not
    (f"defaults\n    mode http\nfrontend fe\n{BIND}", [no_hsts(3)]),
    (f"defaults web\n    mode http\nfrontend fe\n{BIND}", [no_hsts(3)]),
    (f"defaults\n    mode http\ndefaults\n    mode tcp\nfrontend fe\n{BIND}", []),
    # `from NAME` wins over the last one, and chains through defaults sections
    (f"defaults web\n    mode http\ndefaults\n    mode tcp\nfrontend fe from web\n{BIND}",
     [no_hsts(5)]),
    (f"defaults web\n    mode http\ndefaults inner from web\n    timeout client 5s\n"
     f"defaults\n    mode tcp\nfrontend fe from inner\n{BIND}", [no_hsts(7)]),
    # the section's own mode wins
    (f"defaults\n    mode http\nfrontend fe\n    mode tcp\n{BIND}", []),
])
def test_haproxy_mode_is_inherited_from_defaults(config: str, expected: list[str]) -> None:
    code, out, err = lint(write("haproxy.cfg", config))
    assert (code, out.splitlines(), err) == (1 if expected else 0, expected, "")


def test_haproxy_hsts_from_a_defaults_section_counts() -> None:
    hsts = 'http-after-response set-header Strict-Transport-Security "max-age=63072000"'
    config = f"defaults web\n    mode http\n    {hsts}\nfrontend fe from web\n{BIND}"
    assert lint(write("haproxy.cfg", config)) == (0, "", "")
    weak = config.replace("63072000", "300")
    assert lint(write("haproxy.cfg", weak)) == (
        1, "haproxy.cfg:3:5: TLS503 [warning] HSTS max-age=300 is below 63072000\n", "")


def test_haproxy_from_an_unknown_defaults_section_is_exit_2() -> None:
    code, out, err = lint(write("haproxy.cfg", f"frontend fe from nope\n{BIND}"))
    assert (code, out) == (2, "") and err.startswith(
        "haproxy.cfg:1:1: frontend: `from nope`: no defaults section of that name before it\n")


def test_a_haproxy_fragment_is_judged_as_it_stands() -> None:
    """No `global` (a chunk of a split config): what is there is judged, HAProxy's defaults
    for the rest — a weak fragment is never clean."""
    path = write("fe.cfg", "frontend fe\n    bind :443 ssl crt /etc/haproxy/site.pem "
                           "ssl-min-ver TLSv1.0\n")
    assert lint(path) == (1, (
        "fe.cfg:2:5: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; Mozilla "
        "intermediate allows TLSv1.2 TLSv1.3)\n"
        "fe.cfg:2:5: TLS215 [warning] cipher suites are not set: no ssl-default-bind-ciphers: "
        "OpenSSL's DEFAULT list (CBC and static-RSA suites)\n"
        "fe.cfg:2:5: TLS704 [info] handshakes without SNI or with an unknown name are served "
        "with this site's certificate\n"), "")
    path = write("be.cfg", "backend be\n    server s1 10.0.0.1:8080 check\n")
    assert lint(path) == (0, "", (  # nothing TLS: clean, after reading it all, and said
        "note: no TLS server found in be.cfg (no `listen ... ssl`, `bind ... ssl`, Traefik "
        "router with `tls`, ...)\n"))


UNVERIFIED = "TLS701 [error] TLS to the upstream is not verified"


@pytest.mark.parametrize(("config", "expected"), [
    ("backend be\n    server s1 10.0.0.1:443 ssl verify none\n",
     [f"haproxy.cfg:2:5: {UNVERIFIED}"]),
    # the global switch is the token to change for servers that rely on it
    ("global\n    ssl-server-verify none\nbackend be\n    server s1 10.0.0.1:443 ssl\n",
     [f"haproxy.cfg:2:5: {UNVERIFIED}"]),
    ("global\n    ssl-server-verify none\n", [f"haproxy.cfg:2:5: {UNVERIFIED}"]),
    ("backend be\n    server s1 10.0.0.1:443 ssl verify required ca-file /etc/ssl/ca.pem\n", []),
    (f"frontend fe\n{BIND}    default_backend be\n"
     "backend be\n    server s1 10.0.0.1:443 ssl verify none\n",
     [f"haproxy.cfg:5:5: {UNVERIFIED}"]),
])
def test_haproxy_upstream_verification_without_a_tls_bind(config: str,
                                                          expected: list[str]) -> None:
    code, out, err = lint(write("haproxy.cfg", config))
    # A config with no TLS bind and nothing flagged says it has no TLS server (issue 13).
    note = "" if expected else ("note: no TLS server found in haproxy.cfg (no `listen ... "
                                "ssl`, `bind ... ssl`, Traefik router with `tls`, ...)\n")
    assert (code, out.splitlines(), err) == (1 if expected else 0, expected, note)


@pytest.mark.parametrize(("marker", "col"), [("@@CERT@@", 23), ("{{ cert }}", 23),
                                             ("<%= @cert %>", 23)])
def test_a_templated_haproxy_config_is_exit_2(marker: str, col: int) -> None:
    code, out, err = lint(write("haproxy.cfg", f"frontend fe\n    bind :443 ssl crt {marker}\n"))
    token = marker[:2] if not marker.startswith("@@") else marker
    assert (code, out, err) == (2, "", f"haproxy.cfg:2:{col}: templated config ({token!r}): "
                                       "render it first\n1 error(s): the input(s) above were "
                                       "not linted\n")


# -- locations: a missing header at the block that should carry it, naming the listener ---------

def test_nginx_missing_hsts_points_at_the_server_and_names_its_listener() -> None:
    site = write("nginx.conf", "events {}\nhttp {\n    server {\n        listen 80;\n"
                 "        listen 443 ssl;\n        server_name a.example;\n"
                 "        ssl_protocols TLSv1.2 TLSv1.3;\n"
                 f"        ssl_ciphers {INTERMEDIATE_CIPHERS};\n"
                 "        return 301 https://$host$request_uri;\n    }\n}\n")
    code, out, _ = lint(site)
    assert code == 1 and out.splitlines()[0] == (
        "nginx.conf:3:5: TLS501 [warning] no Strict-Transport-Security header is sent "
        "(listener at nginx.conf:5:9)")


def test_nginx_template_markers_include_placeholders() -> None:
    code, out, err = lint(write("nginx.conf", "events {}\nhttp {\n    server {\n"
                                "        listen 443 ssl;\n        ssl_certificate @@CERT@@;\n"
                                "    }\n}\n"))
    assert (code, out) == (2, "") and err.startswith(
        "nginx.conf:5:25: templated file ('@@CERT@@'): render the template first")
