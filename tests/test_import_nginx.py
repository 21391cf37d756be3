"""`tlsconf import --kind nginx`: what each directive becomes, the corpus (every file imports or
exits 2 with its reason, and the report names every directive), and the lint round trip:
lint(input) and lint(render(import(input))) judge each site with the same rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tlsconf import profiles
from tlsconf.cli import app
from tlsconf.config import Settings
from tlsconf.errors import TlsconfError
from tlsconf.importer import report
from tlsconf.importer.nginx import load
from tlsconf.importer.nginx_out import walk
from tlsconf.importer.write import check, to_yaml
from tlsconf.ingest import nginx as ingest
from tlsconf.lint.engine import judge

pytestmark = pytest.mark.usefixtures("tmp_cwd")
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "nginx"
SETTINGS = Settings(certificates=False)  # the certificate files are not on this machine
INTERMEDIATE = ":".join(profiles.get("intermediate").ciphers)
TLS = f"""    ssl_certificate /etc/ssl/a.pem;
    ssl_certificate_key /etc/ssl/a.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {INTERMEDIATE};
    ssl_session_tickets off;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
"""
PROXY = "    location / {\n        proxy_pass http://127.0.0.1:8080;\n    }\n"


def server(body: str, listen: str = "443 ssl", names: str = "a.example") -> str:
    return f"server {{\n    listen {listen};\n    server_name {names};\n{body}}}\n"


def imported(text: str, name: str = "site.conf"):  # type: ignore[no-untyped-def]
    Path(name).write_text(text)
    return load([name], SETTINGS)


def site(text: str) -> dict[str, object]:
    result = imported(text)
    check(to_yaml(result, "nginx", ["site.conf"]))
    spec_sites: list[dict[str, object]] = result.spec["sites"]  # type: ignore[assignment]
    return spec_sites[0]


def lines(text: str) -> list[str]:
    return report.text(imported(text)).splitlines()


def refused(text: str) -> list[str]:
    with pytest.raises(TlsconfError) as caught:
        imported(text)
    return [str(p) for p in caught.value.problems]


# -- what directives become ------------------------------------------------------------------

def test_a_modern_mtls_site() -> None:
    body = """    ssl_certificate /etc/ssl/a.pem;
    ssl_certificate_key /etc/ssl/a.key;
    ssl_protocols TLSv1.3;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/clients.pem;
    ssl_verify_depth 2;
    ssl_early_data on;
"""
    got = site(server(body + PROXY))
    assert got["tls"] == {"certificate": "/etc/ssl/a.pem", "key": "/etc/ssl/a.key",
                          "profile": "modern", "session_timeout": 300,  # nginx's default
                          "client_auth": {"ca": "/etc/ssl/clients.pem", "mode": "required"}}
    assert got["hsts"] == {"enabled": False}  # stated, so render refuses it until decided
    out = lines(server(body + PROXY))
    assert "site.conf:6:5: ssl_protocols: mapped → sites[0].tls.profile" in out
    assert "site.conf:8:5: ssl_client_certificate: mapped → sites[0].tls.client_auth.ca" in out
    assert "site.conf:9:5: ssl_verify_depth: dropped: tlsconf keeps nginx's default " \
           "verification depth" in out
    assert "site.conf:10:5: ssl_early_data: dropped: tlsconf never enables TLS 1.3 early data " \
           "(0-RTT requests can be replayed)" in out
    # weak settings found are the linter's findings, in the same report
    assert "site.conf:10:5: TLS404 [warning] 0-RTT early data is enabled (replayable)" in out


def test_weak_values_kept_as_explicit_overrides() -> None:
    body = "    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n" \
           "    ssl_protocols TLSv1 TLSv1.2;\n    ssl_ciphers ECDHE-RSA-AES128-SHA:AES128-SHA;\n" \
           "    ssl_prefer_server_ciphers on;\n    ssl_ecdh_curve prime256v1;\n"
    got = site(server(body + PROXY))
    # old needs three overrides, intermediate four (old orders by the server, as here)
    assert got["tls"] == {"certificate": "/etc/ssl/a.pem", "key": "/etc/ssl/a.key",
                          "profile": "old", "protocols": ["TLSv1", "TLSv1.2"],
                          "ciphers": ["ECDHE-RSA-AES128-SHA", "AES128-SHA"],
                          "curves": ["prime256v1"], "session_timeout": 300}
    text = to_yaml(imported(server(body + PROXY)), "nginx", ["site.conf"])
    assert "      profile: old  # Mozilla old (guideline 5.8) with protocols, ciphers, curves " \
           "overridden; from site.conf:1" in text
    assert "      protocols: [TLSv1, TLSv1.2]  # from site.conf:6" in text


def test_defaults_nginx_applies_are_explicit() -> None:
    """No ssl_protocols / ssl_ciphers: nginx 1.22's defaults (TLSv1 to TLSv1.2: TLSv1.3 is on
    by default from 1.23.4; HIGH:!aNULL:!MD5)."""
    got = site(server("    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key "
                      "/etc/ssl/a.key;\n" + PROXY))
    tls = got["tls"]
    assert isinstance(tls, dict)
    assert tls["protocols"] == ["TLSv1", "TLSv1.1", "TLSv1.2"]
    assert "AES128-SHA" in tls["ciphers"]  # static RSA: weak, stated, refused by render


def test_names_listeners_and_paths() -> None:
    text = server(TLS.replace("/etc/ssl/a.key", "keys/a.key") + PROXY,
                  listen="127.0.0.1:8443 ssl reuseport", names=".b.example ~^x www.a.example _")
    text = text.replace("    listen 127.0.0.1:8443 ssl reuseport;\n",
                        "    listen 127.0.0.1:8443 ssl reuseport;\n    listen [::]:8443 ssl;\n")
    got = site(text)
    assert got["domains"] == ["b.example", "*.b.example", "www.a.example"]
    assert got["name"] == "b-example"
    assert got["listen"] == {"address": "127.0.0.1", "https_port": 8443}
    assert got["tls"]["key"] == str(Path.cwd() / "keys" / "a.key")  # type: ignore[index]
    out = lines(text)
    assert "site.conf:2:5: listen: approximated: arguments not rendered: reuseport" in out
    assert "site.conf:3:5: listen: approximated: tlsconf listens on one address per site: " \
           "this listener is not rendered" in out
    assert "site.conf:4:5: server_name: approximated: not imported (a regex or not a DNS " \
           "name): ~^x" in out
    assert any(line.startswith("site.conf:6:5: ssl_certificate_key: approximated: relative "
                               "path, resolved against site.conf's directory") for line in out)


def test_upstreams_locations_websocket_redirect_acme() -> None:
    text = """upstream app {
    ip_hash;
    server 10.0.0.1:8080 weight=3 max_fails=2 fail_timeout=7s;
    server app.internal;
    server 10.0.0.3:8080 down;
    keepalive 16;
}
server {
    listen 80;
    server_name a.example;
    location ^~ /.well-known/acme-challenge/ {
        proxy_pass http://127.0.0.1:8402;
    }
    return 301 https://$host$request_uri;
}
""" + server(TLS + """    location / {
        proxy_pass http://app/base/;
        proxy_set_header Host $http_host;
        proxy_set_header X-Custom 1;
    }
    location /ws/ {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
    }
    location ~ \\.php$ {
        proxy_pass http://127.0.0.1:9000;
    }
    location /static/ {
        root /srv;
    }
""")
    got = site(text)
    assert {k: got[k] for k in ("upstreams", "balance", "health_check", "locations",
                                "redirect_http", "acme_upstream", "listen")} == {
        "upstreams": [{"address": "10.0.0.1:8080", "weight": 3},
                      {"address": "app.internal:80"}],
        "balance": "ip_hash", "health_check": {"interval": 7},
        "locations": [{"path": "/ws/", "websocket": True}],
        "redirect_http": True, "acme_upstream": "127.0.0.1:8402",
        "listen": {"address": "0.0.0.0", "https_port": 443},
    }
    out = lines(text)
    for line in [
        "site.conf:3:5: server: approximated: fail_timeout is health_check.interval 7s "
        "(nginx: max_fails=3 passive checks; HAProxy, Traefik and Envoy also check GET / "
        "actively); not rendered as written: max_fails=2",
        "site.conf:5:5: server: dropped: a unix socket or a `down` server: not a tlsconf "
        "upstream",
        "site.conf:6:5: keepalive: dropped: tlsconf renders no equivalent",
        "site.conf:14:5: return: mapped → sites[0].redirect_http",
        "site.conf:26:9: proxy_pass: approximated: the URI part '/base/' is not rendered: "
        "tlsconf passes the request path unchanged",
        "site.conf:27:9: proxy_set_header: approximated: tlsconf sends $host, not $http_host",
        "site.conf:28:9: proxy_set_header: dropped: tlsconf sends only Host, X-Real-IP, "
        "X-Forwarded-For and X-Forwarded-Proto (and the WebSocket upgrade headers)",
        "site.conf:36:5: location: dropped: a `~` location: tlsconf routes plain path prefixes",
        "site.conf:39:5: location: dropped: no proxy_pass (tlsconf routes paths to upstreams)",
        "site.conf:40:9: root: dropped: inside the `location` at line 39, which is not imported",
        "site.conf:37:9: proxy_pass: dropped: inside the `location` at line 36, which is not "
        "imported",
        "site.conf:27:9: TLS702 [warning] Host header passed from $http_host (client-controlled); "
        "use $host",
    ]:
        assert line in out


def test_acme_webroot_headers_and_a_plain_server_that_does_not_redirect() -> None:
    text = """server {
    listen 80;
    server_name a.example;
    location /.well-known/acme-challenge/ {
        root /var/www/acme;
    }
    location / {
        proxy_pass http://127.0.0.1:8080;
    }
}
server {
    listen 80;
    server_name other.example;
    return 301 https://other.example$request_uri;
}
""" + server(TLS.replace(" always;", ";") + '    add_header X-Frame-Options "DENY";\n'
             '    add_header X-Var $request_id always;\n' + PROXY)
    got = site(text)
    assert (got["redirect_http"], got["acme_webroot"], got["headers"]) == (
        False, "/var/www/acme", {"X-Frame-Options": "DENY"})
    out = lines(text)
    for line in [
        "site.conf:1:1: server: approximated: serves plain HTTP without redirecting: tlsconf "
        "serves nothing there but ACME",
        "site.conf:11:1: server: dropped: a plain-HTTP server no TLS site redirects from: "
        "tlsconf serves port 80 only to redirect to https (and for ACME)",
        "site.conf:12:5: listen: dropped: inside the `server` at line 11, which is not imported",
        "site.conf:7:5: location: dropped: tlsconf renders no equivalent",
        "site.conf:24:5: add_header: approximated: tlsconf sends it with `always` (on error "
        "responses too)",
        "site.conf:26:5: add_header: dropped: header 'X-Var': must not contain $, %, {, } or ` "
        "(they are expanded by the proxies)",
        "site.conf:1:1: TLS507 [warning] plain HTTP is served without a redirect to https",
    ]:
        assert line in out


def test_hostile_values_reach_the_spec_as_one_string() -> None:
    value = "a # b: c, [d] 'f' \"g\" \\n &x *y !z"
    quoted = value.replace("'", "\\'")
    text = server(TLS + f"    add_header X-Test '{quoted}' always;\n" + PROXY)
    written = to_yaml(imported(text), "nginx", ["site.conf"])
    check(written)
    assert yaml.safe_load(written)["sites"][0]["headers"] == {"X-Test": value}


@pytest.mark.parametrize(("text", "problems"), [
    (server(TLS.replace("/etc/ssl/a.pem", "/etc/ssl/$ssl_server_name.pem") + PROXY),
     ["site.conf:4:5: ssl_certificate: '/etc/ssl/$ssl_server_name.pem': a variable or inline "
      "data; the spec needs a file path (sites[0].tls.certificate)"]),
    (server(TLS + PROXY, listen="70000 ssl"),
     ["site.conf:2:5: listen: port 70000 is not a TCP port (nginx refuses it)"]),
    (server(TLS + PROXY, names="_"),
     ["site.conf:1:1: server_name: no server name the spec can hold (a DNS name or "
      "`*.example.com`): a tlsconf site needs its domains; add a server_name"]),
    (server(TLS + "    location / {\n        root /srv;\n    }\n"),
     ["site.conf:10:5: location: `location /` is not imported: no proxy_pass (tlsconf routes "
      "paths to upstreams): a tlsconf site sends every path it does not route elsewhere to its "
      "upstreams (a server that serves files or only returns is not a site)"]),
    ("upstream u {\n    ip_hash;\n    server 10.0.0.1:80;\n    server 10.0.0.2:80 backup;\n}\n"
     + server(TLS + "    location / {\n        proxy_pass http://u;\n    }\n"),
     ["site.conf:1:1: upstream: nginx refuses `backup` servers with ip_hash (`nginx -t` fails "
      "on this config)"]),
])
def test_servers_that_cannot_be_sites_fail_the_import(text: str, problems: list[str]) -> None:
    assert refused(text) == problems



def test_a_unicode_digit_is_no_number() -> None:
    """`weight=²` and `listen ²`: str.isdigit says digit, int() refuses; reported, no crash."""
    text = ("upstream u {\n    server 10.0.0.1:80 weight=\u00b2;\n}\n"
            + server(TLS + "    location / {\n        proxy_pass http://u;\n    }\n"))
    got = site(text)
    assert got["upstreams"] == [{"address": "10.0.0.1:80"}]
    assert any("weight=\u00b2" in line for line in lines(text))


def test_a_file_named_twice_or_included_is_read_once() -> None:
    once = site(server(TLS + PROXY))
    assert load(["site.conf", "site.conf"], SETTINGS).spec["sites"] == [once]
    Path("nginx.conf").write_text("events {}\nhttp {\n    include site.conf;\n}\n")
    main = load(["nginx.conf"], SETTINGS).spec["sites"]
    assert load(["nginx.conf", "site.conf"], SETTINGS).spec["sites"] == main

def test_a_catch_all_is_what_tlsconf_renders_and_its_policy_is_reported() -> None:
    text = server("    ssl_reject_handshake on;\n", listen="443 ssl default_server",
                  names="_") + server(TLS + PROXY)
    result = imported(text)
    assert len(result.spec["sites"]) == 1  # type: ignore[arg-type]
    assert "default_server" not in result.spec["sites"][0]  # type: ignore[index]
    assert lines(text)[0] == ("site.conf:1:1: server: approximated: a catch-all refusing unknown "
                              "names: tlsconf renders one with the sites' TLS policy, not this "
                              "server's own (which nginx applies to the listener before SNI is "
                              "known)")


# -- the corpus ------------------------------------------------------------------------------

NO_SERVER = ("{name}: no TLS server to import (no `listen ... ssl` in an `http` server): a spec "
             "holds TLS sites; lint a TLS snippet instead")
NO_ROOT = ("{name}:{where}: location: no `location /`: a tlsconf site sends every path it does "
           "not route elsewhere to its upstreams (a server that serves files or only returns is "
           "not a site)")
NOT_PROXIED = ("{name}:{where}: location: `location /` is not imported: no proxy_pass (tlsconf "
               "routes paths to upstreams): a tlsconf site sends every path it does not route "
               "elsewhere to its upstreams (a server that serves files or only returns is not a "
               "site)")
UNIX = ("{name}:{where}: location: `location /` is not imported: proxy_pass "
        "'http://unix:{sock}': tlsconf proxies to plain-HTTP upstreams (`http://` and an upstream "
        "name or host:port, no variables): a tlsconf site sends every path it does not route "
        "elsewhere to its upstreams (a server that serves files or only returns is not a site)")
UNIX_POOL = ("{name}:{where}: location: `location /` is not imported: upstream 'django_live' "
             "has no server tlsconf can render: a tlsconf site sends every path it does not "
             "route elsewhere to its upstreams (a server that serves files or only returns is "
             "not a site)")
NO_NAME = ("{name}:5:5: server_name: no server name the spec can hold (a DNS name or "
           "`*.example.com`): a tlsconf site needs its domains; add a server_name")
REFUSED: dict[str, list[str]] = {
    "certbot-options-ssl-nginx-old.conf": [NO_SERVER],
    "certbot-options-ssl-nginx-tls12-only.conf": [NO_SERVER],
    "certbot-options-ssl-nginx-tls13-session-tix-on.conf": [NO_SERVER],
    "certbot-options-ssl-nginx.conf": [NO_SERVER],
    "h5bp-ocsp_stapling.conf": [NO_SERVER],
    "h5bp-policy_balanced.conf": [NO_SERVER],
    "h5bp-policy_strict.conf": [NO_SERVER],
    "h5bp-strict-transport-security.conf": [NO_SERVER],
    "certbot-rt-chive-secure.conf": [NO_ROOT.format(name="{name}", where="9:1"),
                                     NOT_PROXIED.format(name="{name}", where="26:5")],
    "certbot-rt-guide-ssl-hsts-fixed.conf": [NO_ROOT.format(name="{name}", where="11:5")],
    "certbot-rt-guide-ssl-hsts.conf": ["{name}:19:9: ssl_ciphers: `ssl_ciphers` is an argument "
                                       "of `ssl_ciphers`: a missing `;` swallowed the next "
                                       "line(s)"],
    "certbot-rt-iredmail-nginx.conf": [NO_ROOT.format(name="{name}", where="9:1")],
    "certbot-rt-site-23325.conf": [
        UNIX.format(name="{name}", where="9:5", sock="/srv/http/site/live/website.sock"),
        NO_ROOT.format(name="{name}", where="19:1")],
    "certbot-rt-site-24193.conf": [UNIX_POOL.format(name="{name}", where="11:5")],
    "certbot-rt-site-3874.conf": [UNIX_POOL.format(name="{name}", where="11:5"),
                                  NO_ROOT.format(name="{name}", where="17:1")],
    "certbot-rt-symfony-old.conf": [NOT_PROXIED.format(name="{name}", where="22:5")],
    "docker-swag-default.conf": ["{name}:14:5: include: '/config/nginx/ssl.conf': no such file "
                                 "or directory: nginx refuses a plain include it cannot read "
                                 "(only a glob may match nothing); lint the config where its "
                                 "includes are"],
    "h5bp-secure-vhost-inlined.conf": [NO_ROOT.format(name="{name}", where="4:1"),
                                       NO_ROOT.format(name="{name}", where="18:1")],
    "mozilla-generator-intermediate.conf": [NO_NAME],
    "mozilla-generator-modern.conf": [NO_NAME],
    "nginx-proxy-ssl-policy.tmpl": ["{name}:3:1: templated file ('{{{{'): render the template "
                                    "first; tlsconf does not judge a config it cannot read as "
                                    "nginx sees it"],
}
IMPORTED = ("certbot-rt-iredmail-iredadmin.conf", "nginx-proxy-rendered-intermediate.conf",
            "nginx-proxy-rendered-old.conf")


def test_the_corpus_is_every_file() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted([*REFUSED, *IMPORTED])


def alone(name: str) -> str:
    """The corpus file in a directory of its own (lint reads a conf.d file's siblings)."""
    Path("c").mkdir(exist_ok=True)
    shutil.copy(CORPUS / name, Path("c") / name)
    return f"c/{name}"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_corpus_file_that_cannot_be_imported_says_why(name: str) -> None:
    path = alone(name)
    result = CliRunner().invoke(app, ["import", path, "--kind", "nginx", "-o", "out.yaml"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [m.format(name=path) for m in REFUSED[name]]
    assert not Path("out.yaml").exists()


@pytest.mark.parametrize("name", IMPORTED)
def test_a_corpus_import_reports_every_directive(name: str) -> None:
    path = alone(name)
    result = imported((CORPUS / name).read_text(), path)
    check(to_yaml(result, "nginx", [path]))
    nodes, _ = ingest.parse_tree(path)
    seen = {(e.location, e.key) for e in result.entries}
    every = {(n.loc, n.name) for top in nodes for n in [top, *walk(top)]}
    assert every == seen
    text = report.text(result)
    assert all(f"{e.location}: {e.key}: dropped: " in text for e in result.entries
               if e.fate == "dropped")


# -- lint round trip -------------------------------------------------------------------------

def per_site(paths: list[str]) -> dict[tuple[str, ...], set[str]]:
    """Rule ids per site (by its names; a catch-all by its listener) as lint judges it."""
    found = ingest.ingest_all([(p, None) for p in paths])
    assert not found.problems
    out: dict[tuple[str, ...], set[str]] = {}
    for subject in found.subjects:
        key = subject.site.domains or ("catch-all",)
        out.setdefault(key, set()).update(f.rule_id for f in judge([subject], SETTINGS))
    return out


def round_trip(paths: list[str]) -> tuple[dict[tuple[str, ...], set[str]],
                                          dict[tuple[str, ...], set[str]]]:
    spec = Path("imported.yaml")
    spec.write_text(to_yaml(load(paths, SETTINGS), "nginx", paths))
    result = CliRunner().invoke(app, ["render", str(spec), "--allow-weak", "-o", "rendered"])
    assert result.exit_code == 0, result.output
    return per_site(paths), per_site(sorted(str(p) for p in Path("rendered/nginx/conf.d")
                                            .glob("*.conf")))


@pytest.mark.parametrize("example", ["seed", "multi-site", "mtls"])
def test_round_trip_of_tlsconfs_own_output(example: str) -> None:
    result = CliRunner().invoke(app, ["render", str(ROOT / "examples" / f"{example}.yaml"),
                                      "-o", "original"])
    assert result.exit_code == 0, result.output
    before, after = round_trip(sorted(str(p) for p in Path("original/nginx/conf.d")
                                      .glob("*.conf")))
    assert before == after


# A catch-all (`ssl_reject_handshake`) with nginx's default policy: tlsconf's carries the
# site's (the import reports it approximated), so only the catch-all is judged differently.
CATCH_ALL = {"nginx-proxy-rendered-intermediate.conf": ({"TLS105", "TLS215"},
                                                        {"TLS211", "TLS218"}),
             "nginx-proxy-rendered-old.conf": ({"TLS105", "TLS215"},
                                               {"TLS102", "TLS207", "TLS208", "TLS209",
                                                "TLS211"})}


@pytest.mark.parametrize("name", sorted(CATCH_ALL))
def test_round_trip_of_the_corpus(name: str) -> None:
    before, after = round_trip([alone(name)])
    assert (before.pop(("catch-all",)), after.pop(("catch-all",))) == CATCH_ALL[name]
    assert before == after
    assert set(before) == {("app.example.com",)}


def test_a_cipher_list_nginx_cannot_take_is_refused_by_render() -> None:
    """iredmail's `ALL:...` expands to more suites than one nginx parameter holds: the spec
    states them (the user decides), and render says why it cannot write them."""
    path = alone("certbot-rt-iredmail-iredadmin.conf")
    Path("imported.yaml").write_text(to_yaml(load([path], SETTINGS), "nginx", [path]))
    result = CliRunner().invoke(app, ["render", "imported.yaml", "--allow-weak"])
    assert result.exit_code == 2
    assert "sites[0].tls.ciphers: " in result.stderr
    assert "which refuses a parameter longer than 4094 bytes" in result.stderr


def test_hostile_names_and_paths_are_reported_escaped_and_never_imported() -> None:
    text = server(TLS + '    location "/a\\nb:c" {\n        proxy_pass http://127.0.0.1:1;\n'
                  '    }\n' + PROXY, names='"x.example#\'" "evil\nsites: []" ok.example')
    assert site(text)["domains"] == ["ok.example"]
    out = lines(text)
    assert "site.conf:3:5: server_name: approximated: not imported (a regex or not a DNS name): " \
           "x.example#' evil\\nsites: []" in out
    assert any(line.startswith("site.conf:11:5: location: dropped: path '/a\\\\nb:c' ")
               for line in out), out
    # a control character is refused before anything is read (tlsconf.source.decode)
    Path("bad.conf").write_text(text.replace("ok.example", "ok.example\x1b[2J"))
    result = CliRunner().invoke(app, ["import", "bad.conf", "--kind", "nginx"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("bad.conf:4:22: character U+001B is not allowed (control "
                             "characters, NUL and Unicode line separators are refused)\n")


@pytest.mark.parametrize("name", ["APP", "LEGACY"])
def test_round_trip_of_the_e2e_inputs(name: str) -> None:
    """The two configs the real-server round trip serves, judged by lint on both sides."""
    from tests.test_import_e2e import APP, LEGACY

    template = {"APP": APP, "LEGACY": LEGACY}[name]
    Path("in").mkdir()
    Path("in/site.conf").write_text(template.format(
        upstream=8080, backup=8081, http=8000, https=8443, ca="/etc/ssl/ca.pem",
        cert="/etc/ssl/site.pem", ciphers=INTERMEDIATE))
    before, after = round_trip(["in/site.conf"])
    assert before == after


def test_an_included_tls_snippet_is_read_where_it_stands() -> None:
    """certbot's layout: the policy in an included file; its lines are the site's values."""
    Path("options-ssl.conf").write_text("ssl_protocols TLSv1.2 TLSv1.3;\n"
                                        f"ssl_ciphers {INTERMEDIATE};\n"
                                        "ssl_session_tickets off;\n")
    text = server("    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n"
                  "    include options-ssl.conf;\n" + PROXY)
    assert site(text)["tls"] == {"certificate": "/etc/ssl/a.pem", "key": "/etc/ssl/a.key",
                                 "profile": "intermediate", "session_tickets": False,
                                 "session_timeout": 300}
    out = lines(text)
    assert "site.conf:6:5: include: mapped → read: the directives of the files it names are " \
           "imported where it stands" in out
    assert "options-ssl.conf:1:1: ssl_protocols: mapped → sites[0].tls.profile" in out
    assert "options-ssl.conf:3:1: ssl_session_tickets: mapped → sites[0].tls.session_tickets" \
        in out


def test_a_main_config_gives_the_process_settings() -> None:
    Path("conf.d").mkdir()
    Path("conf.d/site.conf").write_text(server(TLS + PROXY))
    Path("nginx.conf").write_text("""user nginx;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log /var/log/nginx/access.log main;
    server_tokens off;
    include conf.d/*.conf;
}
""")
    result = load(["nginx.conf"], SETTINGS)
    assert result.spec["targets"] == {"nginx": {
        "user": "nginx", "pid": "/run/nginx.pid", "error_log": "/var/log/nginx/error.log",
        "access_log": "/var/log/nginx/access.log"}}
    out = report.text(result).splitlines()
    for line in [
        "nginx.conf:2:1: worker_processes: dropped: process settings: `render --main-config` "
        "writes its own",
        "nginx.conf:4:1: error_log: approximated: not rendered: warn",
        "nginx.conf:6:5: worker_connections: dropped: inside the `events` at line 5, which is "
        "not imported",
        "nginx.conf:9:5: access_log: approximated: not rendered: main",
        "nginx.conf:10:5: server_tokens: mapped → targets.nginx",
        "nginx.conf:11:5: include: mapped → read: the directives of the files it names are "
        "imported where it stands",
        "conf.d/site.conf:1:1: server: mapped → sites[0]",
    ]:
        assert line in out
    Path("spec.yaml").write_text(to_yaml(result, "nginx", ["nginx.conf"]))
    # no plain-HTTP server: `redirect_http: false` carries its TLS507 suppression and reason,
    # so render does not refuse what the input never did (TLS704 is info only)
    assert "    redirect_http: false  # tlsconf: ignore[TLS507] the imported config serves no " \
           "plain HTTP for these names; from conf.d/site.conf:1" in Path("spec.yaml").read_text()
    rendered = CliRunner().invoke(app, ["render", "spec.yaml", "--main-config"])
    assert rendered.exit_code == 0, rendered.output
    assert "user nginx;\n" in rendered.stdout
    assert "    access_log /var/log/nginx/access.log;\n" in rendered.stdout


def test_stapling_dhparam_and_a_combined_plain_and_tls_server() -> None:
    body = TLS + """    listen 80;
    ssl_stapling on;
    ssl_stapling_verify on;
    ssl_trusted_certificate /etc/ssl/chain.pem;
    resolver 9.9.9.9 [2620:fe::fe] valid=60s;
    resolver_timeout 2s;
    ssl_dhparam dh.pem;
    ssl_session_timeout 10s;
    if ($scheme = http) {
        return 301 https://$host$request_uri;
    }
""" + PROXY
    got = site(server(body))
    tls = got["tls"]
    assert isinstance(tls, dict)
    assert {k: tls[k] for k in ("ocsp_stapling", "resolvers", "trusted_ca", "dhparam")} == {
        "ocsp_stapling": True, "resolvers": ["9.9.9.9", "2620:fe::fe"],
        "trusted_ca": "/etc/ssl/chain.pem",
        "dhparam": str(Path.cwd() / "dh.pem")}
    assert "session_timeout" not in tls
    assert (got["redirect_http"], got["listen"]) == (
        True, {"address": "0.0.0.0", "https_port": 443})
    out = lines(server(body))
    for line in [
        "site.conf:14:5: resolver: approximated: not rendered as written: valid=60s (tlsconf "
        "renders valid=300s)",
        "site.conf:15:5: resolver_timeout: approximated: tlsconf renders resolver_timeout 5s",
        "site.conf:17:5: ssl_session_timeout: dropped: '10s': the spec allows 60 to 604800 "
        "seconds",
        "site.conf:18:5: if: mapped → sites[0].redirect_http",
        "site.conf:19:9: return: mapped → sites[0].redirect_http",
    ]:
        assert line in out


def test_a_name_two_servers_list_on_one_listener_stays_the_first_ones() -> None:
    text = server(TLS + PROXY) + server(TLS + PROXY, names="a.example www.a.example") + \
        server(TLS + PROXY, listen="8443 ssl", names="a.example")
    result = imported(text)
    check(to_yaml(result, "nginx", ["site.conf"]))
    assert [s["domains"] for s in result.spec["sites"]] == [  # type: ignore[attr-defined]
        ["a.example"], ["www.a.example"], ["a.example"]]
    assert "site.conf:16:5: server_name: approximated: a.example is served by sites[0], the " \
           "server before this one on the listener (nginx ignores it here)" in lines(text)


def test_values_the_spec_cannot_hold_are_settled_as_the_server_does() -> None:
    body = TLS.replace('"max-age=63072000; includeSubDomains"', '"max-age=63072000; preload"') \
        + "    ssl_stapling on;\n" + PROXY
    got = site(server(body))
    assert got["hsts"] == {"max_age": 63072000, "include_subdomains": False, "preload": False}
    assert got["tls"]["ocsp_stapling"] is False  # type: ignore[index]
    out = lines(server(body))
    assert "site.conf:9:5: add_header: approximated: `preload` not kept: it needs " \
           "includeSubDomains (the spec, and the preload list, refuse it without)" in out
    assert "site.conf:10:5: ssl_stapling: approximated: off: without a `resolver` IP address " \
           "nginx cannot reach the OCSP responder and staples nothing" in out


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda t: t.replace("max-age=63072000", "max-age=99999999999"),
     "site.conf:9:5: add_header: Strict-Transport-Security max-age=99999999999 is beyond "
     "2147483647 (what the spec and browsers take)"),
    (lambda t: t.replace(f"ssl_ciphers {INTERMEDIATE}", "ssl_ciphers TLS_AES_128_GCM_SHA256"),
     "site.conf:7:5: ssl_ciphers: selects no TLS <= 1.2 suite while a version below TLS 1.3 is "
     "enabled (OpenSSL refuses such a list: `nginx -t` fails)"),
    (lambda t: t + "    location /api/ {\n        proxy_pass http://127.0.0.1:1;\n    }\n"
     "    location ^~ /api/ {\n        proxy_pass http://127.0.0.1:2;\n    }\n",
     "site.conf:13:5: location: duplicate location '/api/': nginx refuses it (`nginx -t` fails "
     "on this config)"),
])
def test_values_nginx_or_the_spec_refuse_fail_the_import(edit, problem: str) -> None:  # type: ignore[no-untyped-def]
    assert refused(server(edit(TLS) + PROXY)) == [problem]
