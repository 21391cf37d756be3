"""Property: whatever nginx config the importer is given, it refuses it (exit 2, a `file:line`
reason) or writes a spec tlsconf's own loader accepts, in which no value leaves its key — never
an internal error, never a spec the loader refuses.

The configs are drawn from directives real configs use, with their odd values (out-of-range
times and ages, names a spec cannot hold, `preload` alone, stapling without a resolver, empty
cipher lists, two servers for one name, unix sockets, regex locations, hostile quoted values)."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.hardening import DERANDOMIZE, NGINX_SPECIAL, examples

from tlsconf.config import Settings
from tlsconf.errors import TlsconfError
from tlsconf.importer.nginx import load
from tlsconf.importer.write import check, to_yaml

# nginx's special characters that are printable (tlsconf.source refuses control characters
# before anything is read; a backslash would escape the closing quote)
HOSTILE = st.text(st.sampled_from([c for c in NGINX_SPECIAL if c.isprintable() and c != "\\"]
                                  + list("ab.:/-")),
                  min_size=1, max_size=8).map(lambda t: t.replace("'", "\\'"))


def mostly(good: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """Usually one of `good` (so many configs import and the spec side is proven), else odd:
    one draw in eleven (not a boundary value, which hypothesis favours)."""
    return st.integers(0, 10).flatmap(lambda n: st.sampled_from(odd if n == 7 else good))


LISTEN = mostly(["443 ssl", "443 ssl http2", "127.0.0.1:8443 ssl default_server", "[::]:443 ssl",
                 "0.0.0.0:443 ssl", "443 ssl reuseport"], ["80", "unix:/run/x.sock ssl"])
NAMES = mostly(["a.example", "a.example www.a.example", ".b.example", "*.c.example",
                "localhost", "a.example a.example", "a.example ~^(?<x>.+)$"],
               ["_", "~^(?<x>.+)$"])
TLS = st.sampled_from([
    "ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1.3;", "ssl_protocols SSLv3 TLSv1;",
    "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA;",
    "ssl_ciphers HIGH:!aNULL:!MD5;", "ssl_ciphers TLS_AES_128_GCM_SHA256;",
    "ssl_ecdh_curve X25519:prime256v1;", "ssl_ecdh_curve auto;",
    "ssl_prefer_server_ciphers on;", "ssl_session_tickets on;", "ssl_session_timeout 10s;",
    "ssl_session_timeout 30d;", "ssl_session_timeout 1h30m;", "ssl_stapling on;",
    "resolver 127.0.0.53 valid=10s;", "ssl_trusted_certificate /etc/ssl/chain.pem;",
    "ssl_verify_client on;", "ssl_verify_client optional_no_ca;",
    "ssl_client_certificate /etc/ssl/ca.pem;", "ssl_early_data on;", "ssl_dhparam dh.pem;",
    "ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;", "http2 on;",
    'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;',
    'add_header Strict-Transport-Security "max-age=99999999999; preload";',
    'add_header Strict-Transport-Security "max-age=300; preload" always;',
    "add_header X-Frame-Options DENY;", "add_header x-frame-options SAMEORIGIN always;",
    "ssl_reject_handshake on;", "ssl_certificate other.pem;",
])
ODD_TLS = st.sampled_from(["ssl_certificate /etc/ssl/$ssl_server_name.pem;",
                           "ssl_ciphers TLS_AES_128_GCM_SHA256;"])
ROOT = mostly(["location / { proxy_pass http://app; }",
              "location / { proxy_pass http://127.0.0.1:8080; }",
              "location ^~ / { proxy_pass http://[::1]:8080/; }"],
             ["location / { proxy_pass http://unix:/run/app.sock; }", "location / { root /srv; }",
              "location / { proxy_pass https://127.0.0.1:8443; }", ""])
LOCATION = st.sampled_from([
    "location /api/ { proxy_pass http://127.0.0.1:9000/v1/; }",
    "location /api/ { proxy_pass http://app; }", "location ~ \\.php$ { proxy_pass http://a; }",
    "location ^~ /ws/ { proxy_pass http://app; proxy_set_header Upgrade $http_upgrade; "
    "proxy_set_header Connection upgrade; }",
    "location = /x { return 204; }", "location /ws/ { proxy_pass http://127.0.0.1:1; }",
    "location /.well-known/acme-challenge/ { root /var/www/acme; }",
])
UPSTREAM = mostly(
    ["", "upstream app { server 10.0.0.1:80 weight=300; server 10.0.0.2 backup; }",
     "upstream app { least_conn; server 10.0.0.1:80 fail_timeout=2h; server unix:/x; }",
     "upstream app { ip_hash; server 10.0.0.1:80 max_fails=2 fail_timeout=30s; }"],
    ["upstream app { ip_hash; server 10.0.0.1:80; server 10.0.0.2:80 backup; }",
     "upstream app { server 10.0.0.1:80 down; }"])


@st.composite
def configs(draw: st.DrawFn) -> str:
    out = [draw(UPSTREAM)]
    for _ in range(draw(st.integers(1, 2))):
        body = [f"listen {draw(LISTEN)};", f"server_name {draw(NAMES)};",
                "ssl_certificate /etc/ssl/a.pem;", "ssl_certificate_key /etc/ssl/a.key;",
                *draw(st.lists(TLS, max_size=6)), *draw(st.lists(ODD_TLS, max_size=1)),
                draw(ROOT), *draw(st.lists(LOCATION, max_size=3)),
                f"add_header X-Hostile '{draw(HOSTILE)}';"]
        out.append("server {\n" + "".join(f"    {line}\n" for line in body) + "}\n")
    return "\n".join(out)


@settings(max_examples=examples(150), derandomize=DERANDOMIZE, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(configs())
def test_import_refuses_or_writes_a_spec_the_loader_accepts(tmp_path: Path, text: str) -> None:
    path = tmp_path / "site.conf"
    path.write_text(text)
    try:
        result = load([str(path)], Settings(certificates=False))
    except TlsconfError as error:
        assert error.problems and all(p.location.file for p in error.problems)
        return
    written = to_yaml(result, "nginx", [str(path)])
    check(written)  # raises (with the problems) if the spec loader refuses it
    data = yaml.safe_load(written)
    assert set(data) <= {"sites", "targets"}
    for site in data["sites"]:
        headers = site.get("headers", {})
        assert set(headers) <= {"X-Hostile", "X-Frame-Options", "x-frame-options"}
