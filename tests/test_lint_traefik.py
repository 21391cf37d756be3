"""Traefik dynamic configuration as Traefik reads it (issue 13): every `tls.options` entry,
every HSTS middleware and servers transport judged; version values matched exactly; findings at
the token to change (a suite's list item, an unknown value) in YAML and TOML; v1 files and
templates refused with exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.lint.files import write
from tlsconf.cli import app
from tlsconf.ingest import traefik

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# Two routers (one through a chain to an HSTS middleware, one on an option with misspelt
# versions and no HSTS), an HSTS middleware no router uses, an unverified TLS 1.0 transport,
# a transport that sets nothing TLS, an option no router names (`spare`).
DYNAMIC_YAML = """\
http:
  routers:
    app:
      rule: Host(`app.example.com`)
      entryPoints: [websecure]
      service: app
      middlewares: [secured]
      tls: {}
    bare:
      rule: Host(`bare.example.com`) || Host(`www.example.com`)
      entryPoints: [websecure]
      service: app
      tls:
        options: legacy
  middlewares:
    secured:
      chain:
        middlewares: [hsts]
    hsts:
      headers:
        stsSeconds: 63072000
        stsIncludeSubdomains: true
    unused-hsts:
      headers:
        stsSeconds: 300
        stsPreload: true
  serversTransports:
    backend:
      insecureSkipVerify: true
      minVersion: VersionTLS10
    plain:
      serverName: backend.internal
  services:
    app:
      loadBalancer:
        servers:
          - url: https://10.0.0.2
tls:
  options:
    default:
      minVersion: VersionTLS12
      sniStrict: true
      cipherSuites:
        - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    legacy:
      minVersion: versiontls13
      maxVersion: TLS13
    spare:
      minVersion: VersionTLS11
"""

DYNAMIC_TOML = """\
[http.routers.app]
  rule = "Host(`app.example.com`)"
  entryPoints = ["websecure"]
  service = "app"
  middlewares = ["secured"]
  [http.routers.app.tls]

[http.routers.bare]
  rule = "Host(`bare.example.com`)"
  entryPoints = ["websecure"]
  service = "app"
  [http.routers.bare.tls]
    options = "legacy"

[http.middlewares.secured.chain]
  middlewares = ["hsts"]
[http.middlewares.hsts.headers]
  stsSeconds = 63072000
  stsIncludeSubdomains = true
[http.middlewares.unused-hsts.headers]
  stsSeconds = 300
  stsPreload = true

[http.serversTransports.backend]
  insecureSkipVerify = true
  minVersion = "VersionTLS10"

[[http.services.app.loadBalancer.servers]]
  url = "https://10.0.0.2"

[tls.options.default]
  minVersion = "VersionTLS12"
  sniStrict = true
  cipherSuites = [
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",  # legacy clients
  ]
[tls.options.legacy]
  minVersion = "versiontls13"
  maxVersion = "TLS13"
  cipherSuites = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"]
"""


def test_yaml_every_option_middleware_and_transport_judged_at_the_token() -> None:
    code, out, err = run("lint", "--fail-on", "info", write("dyn.yml", DYNAMIC_YAML))
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "dyn.yml:9:5: TLS501 [warning] no Strict-Transport-Security header is sent "
        "(served on websecure at dyn.yml:11:7)",
        "dyn.yml:25:21: TLS503 [warning] HSTS max-age=300 is below 63072000",
        "dyn.yml:26:9: TLS504 [warning] HSTS preload without includeSubDomains",
        "dyn.yml:29:7: TLS701 [error] TLS to the upstream is not verified",
        "dyn.yml:30:7: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; Mozilla "
        "intermediate allows TLSv1.2 TLSv1.3)",
        "dyn.yml:45:11: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA",
        "dyn.yml:46:5: TLS215 [warning] cipher suites are not set: tls.options.legacy has no "
        "cipherSuites: Go's defaults include CBC suites",
        "dyn.yml:47:19: TLS106 [error] unknown TLS version 'versiontls13' is ignored; the server "
        "falls back to its default",
        "dyn.yml:48:19: TLS106 [error] unknown TLS version 'TLS13' is ignored; the server falls "
        "back to its default",
        "dyn.yml:49:5: TLS215 [warning] cipher suites are not set: tls.options.spare has no "
        "cipherSuites: Go's defaults include CBC suites",
        "dyn.yml:50:7: TLS102 [error] TLSv1.1 enabled (deprecated by RFC 8996; Mozilla "
        "intermediate allows TLSv1.2 TLSv1.3)",
    ]


def test_toml_positions_of_array_items_values_and_tables() -> None:
    code, out, err = run("lint", "--fail-on", "info", write("dyn.toml", DYNAMIC_TOML))
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "dyn.toml:8:1: TLS501 [warning] no Strict-Transport-Security header is sent "
        "(served on websecure at dyn.toml:10:3)",
        "dyn.toml:21:16: TLS503 [warning] HSTS max-age=300 is below 63072000",
        "dyn.toml:22:3: TLS504 [warning] HSTS preload without includeSubDomains",
        "dyn.toml:25:3: TLS701 [error] TLS to the upstream is not verified",
        "dyn.toml:26:3: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)",
        "dyn.toml:36:5: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA",
        "dyn.toml:39:16: TLS106 [error] unknown TLS version 'versiontls13' is ignored; the "
        "server falls back to its default",
        "dyn.toml:40:16: TLS106 [error] unknown TLS version 'TLS13' is ignored; the server "
        "falls back to its default",
        "dyn.toml:41:60: TLS208 [warning] suites without forward secrecy (static RSA/DH key "
        "exchange) enabled: AES128-GCM-SHA256",
    ]


def test_subjects_named_after_options_with_their_routers_domains() -> None:
    found = {s.site.name: s for s in traefik.ingest("dyn.yml", DYNAMIC_YAML)}
    assert {name: s.site.domains for name, s in found.items()} == {
        "tls.options.default": ("app.example.com",),
        "tls.options.legacy": ("bare.example.com", "www.example.com"),
        "tls.options.spare": (),
        "http.routers.app": ("app.example.com",),
        "http.routers.bare": ("bare.example.com", "www.example.com"),
        "http.middlewares.hsts": (),
        "http.middlewares.unused-hsts": (),
        "http.serversTransports.backend": (),
        "http.serversTransports.plain": (),
    }
    assert {name: s.facts.families for name, s in found.items() if s.facts.families} == {
        "http.routers.app": frozenset({"HSTS"}), "http.routers.bare": frozenset({"HSTS"}),
        "http.middlewares.hsts": frozenset({"HSTS"}),
        "http.middlewares.unused-hsts": frozenset({"HSTS"}),
        "http.serversTransports.backend": frozenset({"proxy hygiene", "protocols"}),
        "http.serversTransports.plain": frozenset({"proxy hygiene"}),
    }
    # An option with misspelt versions is in force as Go's default, TLS 1.2 to 1.3.
    assert found["tls.options.legacy"].site.tls.protocols == ("TLSv1.2", "TLSv1.3")


UNREFERENCED = """\
tls:
  options:
    default:
      minVersion: VersionTLS13
      sniStrict: true
    old-clients:
      minVersion: VersionTLS10
      cipherSuites:
        - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
"""


def test_an_option_no_router_names_is_judged() -> None:
    assert run("lint", write("opts.yml", UNREFERENCED)) == (1, (
        "opts.yml:7:7: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"), "")


@pytest.mark.parametrize(("value", "out"), [
    # In force: TLS 1.3 only, so the list is dead config (info, exit 0).
    ("VersionTLS13", "x.yml:6:7: TLS217 [info] TLS <= 1.2 cipher list has no effect: only TLS 1.3 "
                     "is enabled\n"),
    ("versiontls13", "x.yml:4:19: TLS106 [error] unknown TLS version 'versiontls13' is ignored; "
                     "the server falls back to its default\n"),
    ("foobar", "x.yml:4:19: TLS106 [error] unknown TLS version 'foobar' is ignored; the server "
               "falls back to its default\n"),
    ("13", "x.yml:4:19: TLS106 [error] unknown TLS version '13' is ignored; the server falls "
           "back to its default\n"),
])
def test_version_values_are_matched_exactly_keys_are_not(value: str, out: str) -> None:
    text = (f"tls:\n  options:\n    default:\n      minversion: {value}\n      sniStrict: true\n"
            "      cipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n")
    assert run("lint", write("x.yml", text)) == (1 if "[error]" in out else 0, out, "")


TRANSPORTS_ONLY = """\
http:
  serversTransports:
    legacy-backend:
      maxVersion: VersionTLS12
      cipherSuites: [TLS_RSA_WITH_AES_128_CBC_SHA]
tcp:
  serversTransports:
    db:
      tls:
        insecureSkipVerify: true
"""


def test_a_file_of_transports_only_is_judged_for_what_they_set() -> None:
    code, out, _ = run("lint", write("transports.yml", TRANSPORTS_ONLY))
    assert code == 1
    assert out.splitlines() == [
        "transports.yml:4:7: TLS103 [warning] TLSv1.3 is not enabled",
        "transports.yml:5:7: TLS212 [warning] no enabled TLS <= 1.2 suite has forward secrecy "
        "(ECDHE/DHE)",
        "transports.yml:5:22: TLS208 [warning] suites without forward secrecy (static RSA/DH key "
        "exchange) enabled: AES128-SHA",
        "transports.yml:10:9: TLS701 [error] TLS to the upstream is not verified",
    ]


V1_MESSAGE = ("Traefik v1 format is not supported; migrate with traefik-migration-tool / see the "
              "v2+ docs (https://doc.traefik.io/traefik/migrate/v1-to-v2/)")


@pytest.mark.parametrize(("name", "text", "where"), [
    ("v1.toml", '[entryPoints]\n  [entryPoints.https]\n  address = ":443"\n'
                '    [entryPoints.https.tls]\n      minVersion = "VersionTLS12"\n',
     "v1.toml:4:5: entryPoints.https.tls"),
    ("certs.toml", '[entryPoints.https]\n  address = ":443"\n'
                   '  [[entryPoints.https.tls.certificates]]\n    certFile = "a.crt"\n',
     "certs.toml:3:3: entryPoints.https.tls"),
    ("tls.toml", '[[tls]]\n  entryPoints = ["https"]\n  [tls.certificate]\n    certFile = "a"\n',
     "tls.toml:1:1: tls"),
    ("v1.yml", "entryPoints:\n  https:\n    address: ':443'\n    tls:\n      minVersion: "
               "VersionTLS12\n", "v1.yml:4:5: entryPoints.https.tls"),
    ("list.yml", "tls:\n  - entryPoints: [https]\n", "list.yml:1:1: tls"),
    ("fb.toml", '[frontends.app]\n  backend = "app"\n', "fb.toml:1:1: frontends"),
    ("redirect.toml", '[entryPoints.http]\n  address = ":80"\n  [entryPoints.http.redirect]\n'
                      '    entryPoint = "https"\n', "redirect.toml:3:3: entryPoints.http.redirect"),
])
def test_traefik_v1_files_are_refused(name: str, text: str, where: str) -> None:
    assert run("lint", write(name, text)) == (2, "", (
        f"{where}: {V1_MESSAGE}\n1 error(s): the input(s) above were not linted\n"))


def test_v2_static_entry_point_tls_is_not_v1() -> None:
    static = ("entryPoints:\n  websecure:\n    address: ':443'\n    http:\n      tls:\n"
              "        options: default\n")
    # Static configuration: the options it names live in the dynamic files (not given here).
    assert run("lint", write("static.yml", static)) == (0, "", (
        "note: no TLS server found in static.yml (no `listen ... ssl`, `bind ... ssl`, "
        "Traefik router with `tls`, ...)\n"))


def test_templates_are_refused_saying_traefik_evaluates_them() -> None:
    text = 'tls:\n  options:\n    default:\n      minVersion: {{ env "V" }}\n'
    assert run("lint", write("t.yml", text)) == (2, "", (
        "t.yml:4:19: templated file: the Traefik file provider evaluates Go templates itself; "
        "tlsconf cannot judge a template — lint the evaluated file\n"
        "1 error(s): the input(s) above were not linted\n"))


def test_invalid_suite_is_refused_at_its_item() -> None:
    text = ("tls:\n  options:\n    default:\n      cipherSuites:\n"
            "        - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n        - RC4-SHA\n")
    code, out, err = run("lint", write("bad.yml", text))
    assert (code, out) == (2, "")
    assert err.startswith("bad.yml:6:11: cipherSuites: Traefik refuses cipher suite 'RC4-SHA'")


def test_unknown_option_key_is_refused_as_traefik_drops_the_file() -> None:
    text = ("tls:\n  options:\n    default:\n      minVersion: VersionTLS12\n"
            "      sslProtocols: [TLSv1.2, TLSv1.3]\n")
    assert run("lint", write("k.yml", text)) == (2, "", (
        "k.yml:5:7: tls.options.default.sslProtocols: unknown key: Traefik drops the whole file "
        '("field not found"); allowed: alpnProtocols, cipherSuites, clientAuth, '
        "curvePreferences, disableSessionTickets, maxVersion, minVersion, "
        "preferServerCipherSuites, sniStrict\n1 error(s): the input(s) above were not linted\n"))


def test_other_providers_middlewares_and_hsts_zero() -> None:
    text = ("http:\n  routers:\n    app:\n      rule: Host(`a.example`)\n      service: s\n"
            "      middlewares: [zero, hsts@docker]\n      tls: {}\n  middlewares:\n    zero:\n"
            "      headers:\n        stsSeconds: 0\n"
            "tls:\n  options:\n    default:\n      minVersion: VersionTLS12\n"
            "      sniStrict: true\n      cipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n")
    assert run("lint", write("z.yml", text)) == (1, (
        "z.yml:6:7: TLS501 [warning] no Strict-Transport-Security header is sent; not judged, "
        "defined outside this file: hsts@docker\n"), "")


# A header without its `]`, a key without its `=`: quadratic for the first scanner (40 s here).
@pytest.mark.parametrize("line", ["[a" + " " * 200_000 + "b", "a" + " " * 200_000 + "b",
                                  "k = [" + " ," * 100_000 + "]"])
def test_toml_positions_are_linear_on_hostile_lines(line: str) -> None:
    import time

    start = time.perf_counter()
    traefik._toml_positions(line + "\n")  # tomllib need not accept it: the scan is bounded
    assert time.perf_counter() - start < 1.0


def test_another_providers_option_is_not_judged_here_and_one_entry_point_may_be_a_string() -> None:
    text = ("http:\n  routers:\n    app:\n      rule: Host(`a.example`)\n      service: s\n"
            "      entryPoints: websecure\n      tls:\n        options: strict@kubernetescrd\n"
            "tls:\n  options:\n    default:\n      minVersion: VersionTLS13\n"
            "      sniStrict: true\n")
    assert run("lint", write("p.yml", text)) == (1, (
        "p.yml:3:5: TLS501 [warning] no Strict-Transport-Security header is sent (served on "
        "websecure at p.yml:6:7)\n"), "")
