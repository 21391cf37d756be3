"""`tlsconf import` for HAProxy: the exact spec and loss report of a config, the reasons it
refuses input, the linter corpus, and the lint round trip (input vs its re-rendered self)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.roundtrip import by_certificate, differences, import_file, reimport, verdicts

from tlsconf.errors import TlsconfError
from tlsconf.importer.model import Imported

if TYPE_CHECKING:
    from support.fixtures import TestPKI

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "haproxy"
GOLDEN = ROOT / "tests" / "golden" / "haproxy"

CONFIG = """\
global
    maxconn 2000
    ssl-default-bind-ciphers CIPHERS
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
    tune.ssl.default-dh-param 2048

defaults
    mode http
    timeout client 30s

frontend web
    bind :80
    bind :443 ssl crt-list sites.txt alpn h2,http/1.1
    http-request redirect scheme https code 301 unless { ssl_fc }
    http-response set-header Strict-Transport-Security "max-age=31536000; includeSubDomains"
    use_backend api if { hdr(host) -i shop.test } { path_beg /api/ }
    use_backend blog if { ssl_fc_sni -i blog.test }
    use_backend odd if { src 10.0.0.0/8 }
    default_backend shop
    compression algo gzip

backend shop
    balance leastconn
    option httpchk GET /healthz
    http-response set-header X-Frame-Options DENY
    server a 10.0.0.1:8080 check inter 3s
    server b 10.0.0.2:8080 weight 3 check
    server c 10.0.0.3:8080 backup

backend api
    server api1 10.0.1.1:9000

backend blog
    server blog1 10.0.2.1:80 ssl verify none

backend odd
    server o 10.0.3.1:80
""".replace("CIPHERS", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            "ECDHE-RSA-AES128-SHA")
CRT_LIST = """\
/etc/ssl/shop.pem shop.test www.shop.test
/etc/ssl/blog.pem [ssl-min-ver TLSv1.3 verify required ca-file /etc/ssl/clients.pem] blog.test
"""
# No `curves`: what HAProxy on OpenSSL 3.0 offers, stated.
OPENSSL_30_GROUPS = ["X25519", "prime256v1", "X448", "secp521r1", "secp384r1", "ffdhe2048",
                     "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"]
HSTS_1Y = {"max_age": 31536000, "include_subdomains": True, "preload": False}
LISTEN = {"address": "0.0.0.0", "https_port": 443, "http_port": 80}
SPEC = {"sites": [
    {"name": "shop-test", "domains": ["shop.test", "www.shop.test"], "default_server": True,
     "listen": LISTEN,
     "tls": {"certificate": "/etc/ssl/shop.pem", "key": "/etc/ssl/shop.pem",
             "profile": "intermediate",
             "ciphers": ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                         "ECDHE-RSA-AES128-SHA"],
             "curves": OPENSSL_30_GROUPS, "prefer_server_ciphers": True,
             "session_timeout": 300},  # HAProxy's default tune.ssl.lifetime
     "hsts": HSTS_1Y, "redirect_http": True, "http2": True,
     "upstreams": [{"address": "10.0.0.1:8080"}, {"address": "10.0.0.2:8080", "weight": 3},
                   {"address": "10.0.0.3:8080", "backup": True}],
     "balance": "least_conn", "health_check": {"path": "/healthz", "interval": 2},
     "headers": {"X-Frame-Options": "DENY"},
     "locations": [{"path": "/api/", "upstreams": [{"address": "10.0.1.1:9000"}]}]},
    {"name": "blog-test", "domains": ["blog.test"], "listen": LISTEN,
     "tls": {"certificate": "/etc/ssl/blog.pem", "key": "/etc/ssl/blog.pem",
             "profile": "modern", "curves": OPENSSL_30_GROUPS, "prefer_server_ciphers": True,
             "session_timeout": 300,
             "client_auth": {"ca": "/etc/ssl/clients.pem", "mode": "required"}},
     "hsts": HSTS_1Y, "redirect_http": True, "http2": True,
     "upstreams": [{"address": "10.0.2.1:80"}]},
]}
KEY_NOTE = "tls.key is the certificate file: no /etc/ssl/{0}.pem.key here, so HAProxy reads " \
    "the key from the PEM"
REPORT = [
    "haproxy.cfg:1:1 global mapped []: the section of the lines below",
    "haproxy.cfg:2:5 maxconn dropped []: no spec field (limits)",
    "haproxy.cfg:3:5 ssl-default-bind-ciphers mapped [sites[0].tls.ciphers]: tls (every site "
    "on these binds)",
    "haproxy.cfg:4:5 ssl-default-bind-options mapped [sites[0].tls.prefer_server_ciphers]: tls "
    "(every site on these binds)",
    "haproxy.cfg:5:5 tune.ssl.default-dh-param dropped []: no spec field: tlsconf's profiles "
    "use ECDHE (`dhparam` names a file)",
    "haproxy.cfg:7:1 defaults mapped []: the section of the lines below",
    "haproxy.cfg:8:5 mode mapped []: a tlsconf site serves HTTP",
    "haproxy.cfg:9:5 timeout dropped []: tlsconf renders its own timeouts",
    "haproxy.cfg:11:1 frontend mapped []: the section of the lines below",
    "haproxy.cfg:12:5 bind mapped []: listen.http_port",
    "haproxy.cfg:13:5 bind approximated [sites[0].listen]: listen, tls, http2: no curves: "
    "OpenSSL 3.0's default groups: the spec states them",
    "haproxy.cfg:14:5 http-request redirect mapped [sites[0].redirect_http]: redirect_http",
    "haproxy.cfg:15:5 http-response set-header mapped [sites[0].hsts]: hsts",
    "haproxy.cfg:16:5 use_backend mapped [sites[0].locations]: locations /api/ of shop-test",
    "haproxy.cfg:17:5 use_backend mapped [sites[1].upstreams]: upstreams of blog-test",
    "haproxy.cfg:18:5 use_backend dropped []: condition not understood: if { src 10.0.0.0/8 }",
    "haproxy.cfg:19:5 default_backend mapped []: upstreams",
    "haproxy.cfg:20:5 compression dropped []: not understood by tlsconf import",
    "haproxy.cfg:22:1 backend mapped [sites[0].upstreams]: the section of the lines below",
    "haproxy.cfg:23:5 balance mapped [sites[0].balance]: balance",
    "haproxy.cfg:24:5 option httpchk mapped [sites[0].health_check]: health_check",
    "haproxy.cfg:25:5 http-response set-header mapped [sites[0].headers]: headers",
    "haproxy.cfg:26:5 server mapped [sites[0].upstreams[0]]: upstreams",
    "haproxy.cfg:27:5 server mapped [sites[0].upstreams[1]]: upstreams",
    "haproxy.cfg:28:5 server mapped [sites[0].upstreams[2]]: upstreams",
    "haproxy.cfg:30:1 backend mapped []: the section of the lines below",
    "haproxy.cfg:31:5 server mapped [sites[0].locations[0].upstreams[0]]: upstreams",
    "haproxy.cfg:33:1 backend mapped [sites[1].upstreams]: the section of the lines below",
    "haproxy.cfg:34:5 server approximated [sites[1].upstreams[0]]: upstreams: TLS to this "
    "server dropped (the spec's upstreams are plain HTTP): ssl verify none",
    "haproxy.cfg:36:1 backend dropped []: no TLS site is served by it",
    "haproxy.cfg:37:5 server dropped []: backend odd is not used by an imported site",
    "sites.txt:1:1 crt-list line approximated [sites[0]]: tls.certificate, domains (SNI "
    "filters), per-site TLS options: " + KEY_NOTE.format("shop"),
    "sites.txt:2:1 crt-list line approximated [sites[1]]: tls.certificate, domains (SNI "
    "filters), per-site TLS options: " + KEY_NOTE.format("blog"),
]


def report(imported: Imported) -> list[str]:
    return [f"{Path(e.location.file).name}:{e.location.line}:{e.location.col} {e.key} "
            f"{e.fate} [{e.spec_path}]: {e.detail}" for e in imported.entries]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "sites.txt").write_text(CRT_LIST)
    path = tmp_path / "haproxy.cfg"
    path.write_text(CONFIG)
    return path


def test_spec_and_loss_report(config: Path) -> None:
    imported = import_file("haproxy", config)
    assert imported.spec == SPEC
    assert report(imported) == REPORT
    assert [(f.location.line, f.rule_id) for f in imported.findings] == [
        (3, "TLS209"), (13, "TLS704"), (15, "TLS503"), (34, "TLS701")]
    # Every line of the config is in the report, once.
    lines = [n for n, text in enumerate(CONFIG.splitlines(), 1) if text.strip()]
    assert [int(r.split(":")[1]) for r in REPORT if r.startswith("haproxy.cfg")] == lines


def test_origins_point_at_the_lines(config: Path) -> None:
    origins = import_file("haproxy", config).origins
    at = {path: (Path(loc.file).name, loc.line) for path, loc in origins.items()}
    assert at[("sites", 0, "tls", "ciphers")] == ("haproxy.cfg", 3)
    assert at[("sites", 0, "upstreams", 1)] == ("haproxy.cfg", 27)
    assert at[("sites", 0, "locations", 0)] == ("haproxy.cfg", 16)
    assert at[("sites", 1, "tls", "client_auth")] == ("haproxy.cfg", 13)
    assert at[("sites", 1, "domains")] == ("sites.txt", 2)
    assert at[("sites", 0, "hsts")] == ("haproxy.cfg", 15)


@pytest.mark.parametrize(("text", "message"), [
    ("frontend f\n    mode http\n    bind :443 ssl crt /nowhere/x.pem\n    default_backend b\n"
     "backend b\n    server s 10.0.0.1:80\n",
     ":3:5: crt: the site's domains are unknown: no SNI filter (crt-list) or Host rule names "
     "them, and certificate /nowhere/x.pem cannot give them (does not exist); import where "
     "the certificates are, or list the names in a crt-list"),
    ("frontend f\n    mode http\n    bind :443 ssl crt /etc/certs/\n",
     ":3:5: bind: crt /etc/certs/: a directory of certificates (each one a site, its names in "
     "the file): list them in a crt-list to import them"),
    ("frontend f\n    mode tcp\n    bind :443 ssl crt /etc/x.pem\n",
     ": no TLS site to import: no `bind … ssl` in a `mode http` frontend or listen section"),
])
def test_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    with pytest.raises(TlsconfError) as error:
        import_file("haproxy", path)
    assert str(error.value) == f"{path}{message}"


def _one_certificate(tmp_path: Path, pki: TestPKI, domain: str, rest: str) -> Imported:
    """Import a frontend whose bind has one certificate for `domain` (SANs give the domain),
    followed by the lines `rest`."""
    leaf = pki.issue(domain.split(".")[0], [domain])
    path = tmp_path / "haproxy.cfg"
    path.write_text(f"frontend f\n    mode http\n    bind :443 ssl crt {leaf.cert_path}\n{rest}")
    return import_file("haproxy", path)



@pytest.mark.parametrize(("lifetime", "seconds"), [
    ("    tune.ssl.lifetime 5m\n", 300), ("    tune.ssl.lifetime 1h\n", 3600),
    ("    tune.ssl.lifetime 600\n", 600), ("", 300),  # HAProxy's default: 300 s
    ("    tune.ssl.lifetime 86400\n", None),  # the spec's own default: left unwritten
])
def test_session_lifetime_with_units(tmp_path: Path, pki: TestPKI, lifetime: str,
                                     seconds: int | None) -> None:
    leaf = pki.issue("one", ["one.test"])
    path = tmp_path / "haproxy.cfg"
    path.write_text(f"global\n{lifetime}frontend f\n    mode http\n"
                    f"    bind :443 ssl crt {leaf.cert_path}\n    default_backend b\n"
                    "backend b\n    server s 10.0.0.1:80\n")
    [site] = import_file("haproxy", path).spec["sites"]  # type: ignore[misc]
    assert site["tls"].get("session_timeout") == seconds  # type: ignore[index]


@pytest.mark.parametrize(("globals_", "message"), [
    ("    tune.ssl.lifetime soon\n", ":2:5: tune.ssl.lifetime: 'soon' is not a time (seconds, "
     "or a number with ms, s, m, h or d); HAProxy refuses the line"),
    ("    ca-base\n", ":2:5: ca-base: expects an argument (HAProxy refuses the line without "
     "one)"),
])
def test_bad_global_lines_are_refused_at_their_line(tmp_path: Path, pki: TestPKI,
                                                    globals_: str, message: str) -> None:
    leaf = pki.issue("one", ["one.test"])
    path = tmp_path / "haproxy.cfg"
    path.write_text(f"global\n{globals_}frontend f\n    mode http\n"
                    f"    bind :443 ssl crt {leaf.cert_path} verify required ca-file ca.pem\n"
                    "    default_backend b\nbackend b\n    server s 10.0.0.1:80\n")
    with pytest.raises(TlsconfError) as error:
        import_file("haproxy", path)
    assert str(error.value) == f"{path}{message}"

def test_host_rule_without_certificate_names_makes_a_site(tmp_path: Path, pki: TestPKI) -> None:
    """A name only a `Host` rule lists gets a site of its own on the bind's certificate."""
    sites = _one_certificate(tmp_path, pki, "one.test", (
        "    use_backend other if { req.hdr(host) -i other.test }\n"
        "    default_backend main\nbackend main\n    server m 10.0.0.1:80\n"
        "backend other\n    server o 10.0.0.2:80\n")).spec["sites"]
    assert [(s["name"], s["domains"], s["upstreams"], s.get("default_server"))  # type: ignore[index]
            for s in sites] == [  # type: ignore[attr-defined]
        ("one-test", ["one.test"], [{"address": "10.0.0.1:80"}], True),
        ("other-test", ["other.test"], [{"address": "10.0.0.2:80"}], None)]


# -- the corpus -------------------------------------------------------------------------------

NO_NAMES = ("the site's domains are unknown: no SNI filter (crt-list) or Host rule names them, "
            "and certificate {} cannot give them (does not exist); import where the "
            "certificates are, or list the names in a crt-list")
CORPUS_OUTCOME = {
    "devops-redirect-typos.cfg": "11:5: bind: address '*443' has no port; allowed: "
    "[address]:port (`:443`, `*:443`, `[::]:443`), unix@/path, /path, fd@N",
    "haproxy-basic-config-edge.cfg": "16:5: crt: " + NO_NAMES.format("{dir}/pub1.pem"),
    "haproxy-keylog-test.cfg": "13:5: crt: " + NO_NAMES.format("{dir}/common.pem"),
    "haproxy-regtest-ssl-curves.cfg": "20:5: crt: "
    + NO_NAMES.format("/etc/haproxy/certs/common.pem"),
    "haproxy-regtest-ssl-dh.cfg": "17:5: crt: " + NO_NAMES.format("/etc/haproxy/certs/common.pem"),
    "hiveclass-haproxy-rendered.cfg": "18:5: crt: " + NO_NAMES.format("/etc/ssl/site.pem"),
    "hiveclass-haproxy.cfg.tpl": "14:12: templated config ('{{{{'): render it first",
    "icebluey-tls13-quic.cfg": "14:5: crt: " + NO_NAMES.format("/home/haproxy1.pem"),
    "nanor-do-deploy.cfg": "18:5: crt: " + NO_NAMES.format("/etc/ssl/private/site.pem"),
    "ssl-example.cfg": "13:5: crt: " + NO_NAMES.format("/etc/cert/server.pem"),
}


def test_corpus_is_covered() -> None:
    assert sorted(CORPUS_OUTCOME) == sorted(p.name for p in CORPUS.iterdir())


@pytest.mark.parametrize("name", sorted(CORPUS_OUTCOME))
def test_corpus_as_found(name: str, tmp_path: Path) -> None:
    """Away from its server (no certificate files) every corpus file is refused with the
    reason, never imported with names made up."""
    shutil.copy(CORPUS / name, tmp_path / name)
    with pytest.raises(TlsconfError) as error:
        import_file("haproxy", tmp_path / name)
    assert str(error.value) == f"{tmp_path / name}:" + CORPUS_OUTCOME[name].format(dir=tmp_path)


def _on_its_server(name: str, directory: Path, pki: TestPKI) -> Path:
    """The corpus file with its certificate and CA paths under `directory`, each a real
    certificate (`site-N.test`), as on the server it came from."""
    text = (CORPUS / name).read_text()
    made: dict[str, str] = {}

    def place(match: re.Match[str]) -> str:
        word, quote, path = match.group(1), match.group(2), match.group(3)
        if path not in made:
            target = directory / path.lstrip("/")
            leaf = pki.issue(f"c{len(made)}", [f"site-{len(made)}.test"])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(leaf.ca.cert_path if word == "ca-file" else leaf.cert_path, target)
            made[path] = str(target)
        return f"{word} {quote}{made[path]}{quote}"

    text = re.sub(r"\b(crt|ca-file) (\"?)([^\s\"]+)\"?", place, text)
    path = directory / name
    path.write_text(text)
    return path


# The corpus files that import once their certificates are there, and how lint(input) and
# lint(render(import(input))) differ per certificate: (rule ids only the input gets, only the
# re-rendered config gets). Each difference is something the loss report states.
# What the input leaves to HAProxy is stated: OpenSSL's DEFAULT list (TLS215 "not set")
# becomes its suites, judged one by one, and OpenSSL 3.0's default groups (no `curves`) are
# listed, X448, P-521 and the FFDHE groups among them (TLS303).
STATED_DEFAULT_CIPHERS = ({"TLS105", "TLS215"}, {"TLS208", "TLS209", "TLS210", "TLS211"})
GROUPS = {"TLS303"}
ROUND_TRIP = {
    # The QUIC bind (0-RTT: TLS404) is dropped: tlsconf renders TCP listeners only.
    "haproxy-basic-config-edge.cfg": {"pub1.pem": ({"TLS404"}, GROUPS)},
    # + TLS to the server dropped (TLS701: the spec's upstreams are plain HTTP).
    "haproxy-keylog-test.cfg": {"common.pem": (STATED_DEFAULT_CIPHERS[0] | {"TLS701"},
                                               STATED_DEFAULT_CIPHERS[1] | GROUPS)},
    # + the plain-HTTP `listen` section proxying to the TLS one is no site (TLS507 with it);
    # its groups are set (`curves P-256:P-384`).
    "haproxy-regtest-ssl-curves.cfg": {"common.pem": (
        STATED_DEFAULT_CIPHERS[0] | {"TLS507", "TLS701"}, STATED_DEFAULT_CIPHERS[1])},
    "haproxy-regtest-ssl-dh.cfg": {"common.pem": ({"TLS507", "TLS701"}, GROUPS)},
    # `no-sslv3` alone leaves the versions to HAProxy (TLS105): the spec states the default
    # of HAProxy >= 2.2 that lint reads (TLS 1.2 and 1.3), and the report says so.
    "hiveclass-haproxy-rendered.cfg": {"site.pem": ({"TLS105"}, GROUPS)},
    # The bind's second certificate is a site of its own: lint judges a bind with its first
    # certificate only, so only the re-rendered config (one crt-list line each) judges it.
    "icebluey-tls13-quic.cfg": {"haproxy1.pem": (set(), GROUPS),
                                "haproxy2.pem": (set(), {"TLS503", "TLS504", "TLS704"} | GROUPS)},
    "nanor-do-deploy.cfg": {"site.pem": ({"TLS105"}, GROUPS)},
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_corpus_round_trip(name: str, tmp_path: Path, pki: TestPKI) -> None:
    """lint(input) ≡ lint(render(import(input))) per certificate: the same protocols and
    suites (asserted in `differences`), the same rule ids but for what the import states."""
    source = _on_its_server(name, tmp_path / "in", pki)
    imported = import_file("haproxy", source)
    files = reimport(imported, "haproxy", tmp_path / "out")
    before = verdicts(source, "haproxy", by_certificate)
    after = verdicts(files["haproxy/haproxy.cfg"], "haproxy", by_certificate)
    assert before
    assert differences(before, after, lambda key: Path(key).name) == ROUND_TRIP[name]


@pytest.mark.parametrize("example", ["seed", "multi-site", "mtls"])
def test_own_output_round_trips_exactly(example: str, tmp_path: Path) -> None:
    """tlsconf's own HAProxy output imports to a spec that renders the same files, byte for
    byte, and lints the same."""
    source = GOLDEN / example / "haproxy" / "haproxy.cfg"
    files = reimport(import_file("haproxy", source), "haproxy", tmp_path)
    for name, path in files.items():
        assert path.read_text() == (GOLDEN / example / name).read_text(), name
    before = verdicts(source, "haproxy", by_certificate)
    assert differences(before, verdicts(files["haproxy/haproxy.cfg"], "haproxy",
                                        by_certificate)) == {}


# -- routing conditions -----------------------------------------------------------------------

@pytest.mark.parametrize(("condition", "acl", "outcome"), [
    ("if { ssl_fc_sni -i a.test b.test }", "", {"hosts": ("a.test", "b.test"), "sni": True}),
    ("if { req.hdr(host),field(1,:) -m str -i A.test }", "", {"hosts": ("a.test",)}),
    ("if { var(txn.tls_site) -m str shop } { path_beg /api/ /v2/ }", "",
     {"sites": ("shop",), "paths": ("/api/", "/v2/")}),
    ("if { path -m beg /.well-known/acme-challenge/ }", "",
     {"paths": ("/.well-known/acme-challenge/",), "acme": True}),
    ("if is_ws", "acl is_ws hdr(Upgrade) -i WebSocket", {"websocket": True}),
    ("if api host", "acl api path_beg /api/\nacl host hdr(host) -i h.test",
     {"paths": ("/api/",), "hosts": ("h.test",)}),
    # What a spec cannot say is refused with the condition named.
    ("if { hdr(host) -m end .example.com }", "",
     "condition not understood: if { hdr(host) -m end .example.com }"),
    ("if { hdr(host) -f /etc/hosts.lst }", "",
     "condition not understood: if { hdr(host) -f /etc/hosts.lst }"),
    ("if { path /exact }", "", "condition not understood: if { path /exact }"),
    ("if { path_beg /a } || { path_beg /b }", "",
     "condition not understood: if { path_beg /a } || { path_beg /b }"),
    ("if !{ ssl_fc }", "", "negated condition not imported: if !{ ssl_fc }"),
    ("unless { src 10.0.0.0/8 }", "", "`unless` conditions are not imported: unless { src "
     "10.0.0.0/8 }"),
])
def test_route_conditions(condition: str, acl: str, outcome: dict[str, object] | str) -> None:
    from tlsconf.importer import haproxy_lines
    from tlsconf.ingest.haproxy import parse

    text = f"frontend f\n{acl}\nuse_backend b {condition}\n"
    section = parse("h.cfg", text.encode(), text)[0]
    found = haproxy_lines.route(section.lines[-1], "b", section.lines[-1].words[2:],
                                haproxy_lines.acls(section))
    if isinstance(outcome, str):
        assert found == outcome
    else:
        assert not isinstance(found, str)
        defaults = haproxy_lines.Route(section.lines[-1], "b")
        assert {f: getattr(found, f) for f in found.__struct_fields__
                if getattr(found, f) != getattr(defaults, f)} == outcome


def test_access_control_and_default_server(tmp_path: Path, pki: TestPKI) -> None:
    """`default-server` options reach every server; a request check is dropped loudly."""
    imported = _one_certificate(tmp_path, pki, "acl.test", (
        "    http-request deny if !{ src 10.0.0.0/8 }\n"
        "    http-request auth realm x unless { http_auth(users) }\n"
        "    default_backend b\nbackend b\n    option httpchk GET /up\n"
        "    default-server check inter 4s weight 2\n"
        "    server a 10.0.0.1:80\n    server b 10.0.0.2:80 weight 5\n"))
    site = imported.spec["sites"][0]  # type: ignore[index]
    assert site["upstreams"] == [{"address": "10.0.0.1:80", "weight": 2},  # type: ignore[index]
                                 {"address": "10.0.0.2:80", "weight": 5}]
    assert site["health_check"] == {"path": "/up", "interval": 4}  # type: ignore[index]
    fates = {e.location.line: (e.key, e.fate, e.detail) for e in imported.entries}
    dropped = ("dropped", "ACCESS CONTROL DROPPED: the spec has no request checks, so the "
               "rendered site accepts what this refused; put the check in front of tlsconf's "
               "output or in the application")
    assert fates[4] == ("http-request deny", *dropped)
    assert fates[5] == ("http-request auth", *dropped)
    assert fates[9] == ("default-server", "mapped", "the options of the servers below")


def test_what_haproxy_settles_is_settled_the_same(tmp_path: Path) -> None:
    """A name two crt-list lines list goes to the first; a line whose names all come earlier
    is never selected (dropped); a path routed twice takes the first rule; `preload` without
    `includeSubDomains` and `ocsp-update` (the spec wants resolvers with stapling) are not
    kept — each in the loss report."""
    (tmp_path / "l.txt").write_text("/etc/a.pem a.test b.test\n/etc/b.pem [ocsp-update on] "
                                    "b.test c.test\n/etc/c.pem b.test\n")
    path = tmp_path / "haproxy.cfg"
    path.write_text(
        "global\n    ssl-default-bind-options ssl-min-ver TLSv1.2\n"
        "    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256\n"
        "frontend f\n    mode http\n    bind :443 ssl crt-list l.txt\n"
        '    http-response set-header Strict-Transport-Security "max-age=31536000; preload"\n'
        "    use_backend a if { path_beg /x/ }\n    use_backend b if { path_beg /x/ }\n"
        "    default_backend a\nbackend a\n    server a 10.0.0.1:80\n"
        "backend b\n    server b 10.0.0.2:80\n")
    imported = import_file("haproxy", path)
    sites = imported.spec["sites"]
    assert [(s["name"], s["domains"], s["locations"], s["hsts"])  # type: ignore[index]
            for s in sites] == [  # type: ignore[attr-defined]
        (name, domains, [{"path": "/x/", "upstreams": [{"address": "10.0.0.1:80"}]}],
         {"max_age": 31536000, "include_subdomains": False, "preload": False})
        for name, domains in (("a-test", ["a.test", "b.test"]), ("b-test", ["c.test"]))]
    assert "ocsp_stapling" not in sites[1]["tls"]  # type: ignore[index]
    fates = {(Path(e.location.file).name, e.location.line): (e.fate, e.detail)
             for e in imported.entries}
    assert fates[("l.txt", 2)][1].endswith(
        "OCSP stapling is not imported: the spec asks for it with the DNS resolvers nginx "
        "needs (tls.ocsp_stapling with tls.resolvers); add both to keep it; b.test is served "
        "by a-test (listed first on the listener), not by b-test")
    assert fates[("l.txt", 3)] == ("dropped", "every name it lists is listed before it on the "
                                   "listener: HAProxy never selects this certificate for them")
    assert fates[("haproxy.cfg", 7)] == ("approximated", "hsts: preload without "
                                         "includeSubDomains is not imported (the preload list "
                                         "refuses it)")
    assert fates[("haproxy.cfg", 9)] == ("approximated", "locations /x/ of a-test, b-test: a "
                                         "path routed twice: the first rule wins")


@pytest.mark.parametrize("command", ["lint", "import"])
@pytest.mark.parametrize(("config", "message"), [
    ("frontend f\n    mode http\n    bind :443 ssl crt /x.pem ciphers [bad\n",
     "haproxy.cfg:3:5: bind ciphers: invalid cipher string: invalid character: '[bad'"),
    ("global\n    ssl-default-bind-curves\nfrontend f\n    mode http\n"
     "    bind :443 ssl crt /x.pem\n",
     "haproxy.cfg:2:5: ssl-default-bind-curves: expects an argument (HAProxy refuses the line "
     "without one)"),
])
def test_lines_haproxy_refuses_are_bad_input(tmp_cwd: Path, command: str, config: str,
                                             message: str) -> None:
    """What HAProxy refuses (a cipher string OpenSSL cannot parse, a keyword without its
    argument) is exit 2 at its line for lint and import alike, never an internal error."""
    from typer.testing import CliRunner

    from tlsconf.cli import app

    Path("haproxy.cfg").write_text(config)
    result = CliRunner().invoke(app, [command, "haproxy.cfg"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message
