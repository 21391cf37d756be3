"""`tlsconf import` for Traefik: the spec and loss report of a dynamic + static configuration
(golden files, reviewed as diffs), the reasons it refuses input, the linter corpus, and the
lint round trip (input vs its re-rendered self)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from goldens import GOLDEN, assert_golden
from support.roundtrip import by_domain, differences, import_file, reimport, verdicts
from typer.testing import CliRunner

from tlsconf.cli import app
from tlsconf.errors import TlsconfError

if TYPE_CHECKING:
    from support.fixtures import TestPKI

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "traefik"
RENDERED = GOLDEN / "traefik"

STATIC = """\
entryPoints:
  web:
    address: ":80"
    http:
      redirections:
        entryPoint: {to: websecure, scheme: https}
  websecure:
    address: ":443"
log:
  level: INFO
providers:
  file: {filename: /etc/traefik/dynamic.yml}
"""
DYNAMIC = """\
http:
  routers:
    shop:
      rule: "Host(`shop.test`) || Host(`www.shop.test`)"
      entryPoints: [websecure]
      service: shop
      middlewares: [secure]
      tls: {options: strict}
    shop-api:
      rule: "Host(`shop.test`) && PathPrefix(`/api/`)"
      entryPoints: [websecure]
      service: api
      tls: {options: strict}
    blog:
      rule: "Host(`blog.test`)"
      entryPoints: [websecure]
      service: blog
      tls: {}
    dashboard:
      rule: "PathPrefix(`/dashboard`)"
      service: api@internal
  services:
    shop:
      loadBalancer:
        servers:
          - url: "http://10.0.0.1:8080"
          - url: "http://10.0.0.2:8080"
            weight: 3
        healthCheck: {path: /healthz, interval: 10s}
        sticky: {cookie: {}}
    api:
      loadBalancer:
        servers: [{url: "http://10.0.1.1:9000"}]
    blog:
      failover: {service: blog-main, fallback: blog-spare}
    blog-main:
      loadBalancer: {servers: [{url: "http://10.0.2.1:80"}]}
    blog-spare:
      loadBalancer: {servers: [{url: "http://10.0.2.9:80"}]}
  middlewares:
    secure:
      headers:
        stsSeconds: 31536000
        stsIncludeSubdomains: true
        customResponseHeaders: {X-Frame-Options: DENY}
tls:
  certificates:
    - {certFile: /etc/certs/shop.pem, keyFile: /etc/certs/shop.key}
    - {certFile: /etc/certs/blog.pem, keyFile: /etc/certs/blog.key}
  stores:
    default:
      defaultCertificate: {certFile: /etc/certs/shop.pem, keyFile: /etc/certs/shop.key}
  options:
    default:
      minVersion: VersionTLS10
    strict:
      minVersion: VersionTLS12
      cipherSuites:
        - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
      clientAuth:
        caFiles: [/etc/certs/clients.pem]
        clientAuthType: RequireAndVerifyClientCert
"""


def test_spec_and_loss_report(tmp_cwd: Path) -> None:
    """`tlsconf import static.yml dynamic.yml -o spec.yaml`: the spec (each value with its
    `# from FILE:LINE`) and the loss report, every key of both files in it."""
    Path("static.yml").write_text(STATIC)
    Path("dynamic.yml").write_text(DYNAMIC)
    result = CliRunner().invoke(app, ["import", "static.yml", "dynamic.yml", "-o",
                                      "spec.yaml"])
    assert result.exit_code == 0, result.stderr
    assert_golden({"spec.yaml": Path("spec.yaml").read_text(), "report.txt": result.stdout},
                  GOLDEN / "import" / "traefik")


def test_every_key_is_reported(tmp_cwd: Path) -> None:
    Path("static.yml").write_text(STATIC)
    Path("dynamic.yml").write_text(DYNAMIC)
    imported = import_file("traefik", Path("static.yml"), Path("dynamic.yml"))
    reported = {(Path(e.location.file).name, e.location.line) for e in imported.entries}
    for name, text in (("static.yml", STATIC), ("dynamic.yml", DYNAMIC)):
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip() and not line.strip().startswith("-"):
                assert (name, number) in reported, (name, number, line)


@pytest.mark.parametrize(("dynamic", "message"), [
    ('http:\n  routers:\n    r:\n      rule: "Host(`a.test`)"\n      service: s\n'
     '      tls: {certResolver: le}\n  services:\n    s:\n      loadBalancer:\n'
     '        servers: [{url: "http://10.0.0.1:80"}]\n',
     "6:13: http.routers.r.tls.certResolver: certificates from certResolver 'le' (ACME inside "
     "Traefik): the spec names certificate files; obtain them with an ACME client "
     "(acme_upstream) and list them"),
    ('http:\n  routers:\n    r:\n      rule: "Host(`a.test`)"\n      service: s\n'
     '      tls: {}\n  services:\n    s:\n      loadBalancer:\n'
     '        servers: [{url: "https://10.0.0.1:443"}]\n'
     'tls:\n  certificates: [{certFile: /c.pem, keyFile: /c.key}]\n',
     "10:25: http.services.s.loadBalancer.servers[0].url: server url 'https://10.0.0.1:443': "
     "the spec's upstreams are plain http://host:port"),
    ('http:\n  routers:\n    r:\n      rule: "Host(`a.test`)"\n      service: s\n'
     '      tls: {}\n  services:\n    s:\n      loadBalancer:\n'
     '        servers: [{url: "http://10.0.0.1:80"}]\n',
     "1:1: tls.certificates: no certificate in tls.certificates or "
     "tls.stores.default.defaultCertificate: Traefik serves its self-signed default (or an "
     "ACME certResolver's, which the spec cannot name); add the certificate files"),
])
def test_refused(tmp_cwd: Path, dynamic: str, message: str) -> None:
    Path("dynamic.yml").write_text(dynamic)
    with pytest.raises(TlsconfError) as error:
        import_file("traefik", Path("dynamic.yml"))
    assert str(error.value) == f"dynamic.yml:{message}"


# -- the corpus -------------------------------------------------------------------------------

NO_ROUTER = ("no TLS site to import: no HTTP router with `tls` and a `Host()` rule in this "
             "file (TLS options and middlewares alone are imported with the routers that use "
             "them)")
NO_CERT = ("tls.certificates: no certificate in tls.certificates or "
           "tls.stores.default.defaultCertificate: Traefik serves its self-signed default (or "
           "an ACME certResolver's, which the spec cannot name); add the certificate files")
NOT_DYNAMIC = ("no `http` or `tls` section: not a Traefik dynamic configuration (a static "
               "file is imported together with the dynamic file it loads)")
CORPUS_OUTCOME = {
    "adminguide-dynamic.yml": ": http.routers: " + NO_ROUTER,
    "ansible-secure-headers.yml": ": http.routers: " + NO_ROUTER,
    "integration-router-errors-lowercase.toml": ":20:1: " + NO_CERT,
    "integration-tls-options.toml": ":26:1: " + NO_CERT,
    "integration-websocket-https.toml": ": http.routers: " + NO_ROUTER,
    "integration-wildcard-tls-options.toml": None,  # imports
    "k8s-tlsoption-crd.yml": ": " + NOT_DYNAMIC,
    "kana-dynamic.toml": ": http.routers: " + NO_ROUTER,
    "static-insecure-transport.yml": ": " + NOT_DYNAMIC,
    "v1-mozilla.toml": ":8:5: entryPoints.https.tls: Traefik v1 format is not supported; "
    "migrate with traefik-migration-tool / see the v2+ docs "
    "(https://doc.traefik.io/traefik/migrate/v1-to-v2/)",
}


def test_corpus_is_covered() -> None:
    assert sorted(CORPUS_OUTCOME) == sorted(p.name for p in CORPUS.iterdir()
                                            if p.name != "PROVENANCE.md")


@pytest.mark.parametrize("name", sorted(CORPUS_OUTCOME))
def test_corpus(name: str, tmp_cwd: Path) -> None:
    shutil.copy(CORPUS / name, name)
    if CORPUS_OUTCOME[name] is None:
        assert import_file("traefik", Path(name)).spec["sites"]
        return
    with pytest.raises(TlsconfError) as error:
        import_file("traefik", Path(name))
    assert str(error.value) == f"{name}{CORPUS_OUTCOME[name]}"


def test_corpus_wildcard_options_cannot_be_rendered(tmp_cwd: Path) -> None:
    """The one corpus file that imports gives its wildcard router an option of its own, which
    Traefik applies by exact Host() name only: render says so (the import is faithful)."""
    name = "integration-wildcard-tls-options.toml"
    shutil.copy(CORPUS / name, name)
    imported = import_file("traefik", Path(name))
    with pytest.raises(TlsconfError) as error:
        reimport(imported, "traefik", Path("out"))
    assert str(error.value).endswith(
        "sites[0].domains: Traefik applies TLS options by exact Host() name only: the "
        "wildcard names of 'wildcard' get tls.options.default, which is the policy of 'other'; "
        "give both sites the same TLS settings, or move the wildcard names to a Traefik "
        "instance of their own")


# The corpus files without a certificate, given the one Traefik would then need (a
# generated certificate for their names): how lint(input) and lint(render(import(input)))
# differ per domain — (rule ids only the input gets, only the re-rendered config gets).
# An option without cipherSuites is Go's default list (TLS215 "not set"): the spec states it,
# and its CBC suites are judged as such (TLS209); without curvePreferences, Go's default
# groups are stated too, P-521 among them (TLS303).
GO_DEFAULT = ({"TLS215"}, {"TLS209", "TLS303"})
ROUND_TRIP = {
    # tls.options.baz is used by no router: no site, nothing re-rendered for it.
    "integration-router-errors-lowercase.toml": {"snitest.net": GO_DEFAULT},
    # Router `two` names an option nobody defines (Go's defaults, versions unset too: TLS105).
    "integration-tls-options.toml": {"one.example": GO_DEFAULT,
                                     "two.example": ({"TLS105", "TLS215"}, GO_DEFAULT[1])},
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_corpus_round_trip(name: str, tmp_cwd: Path, pki: TestPKI) -> None:
    leaf = pki.issue("corpus", ["snitest.net", "one.example", "two.example"])
    text = (CORPUS / name).read_text()
    Path(name).write_text(f"{text}\n[[tls.certificates]]\n  certFile = \"{leaf.cert_path}\"\n"
                          f"  keyFile = \"{leaf.key_path}\"\n")
    imported = import_file("traefik", Path(name))
    files = reimport(imported, "traefik", Path("out"))
    before = verdicts(Path(name), "traefik", by_domain)
    after = verdicts(files["traefik/dynamic/tlsconf.yml"], "traefik", by_domain)
    assert before
    assert differences(before, after) == ROUND_TRIP[name]


@pytest.mark.parametrize("example", ["seed", "multi-site", "mtls"])
def test_own_output_round_trips_exactly(example: str, tmp_path: Path) -> None:
    """tlsconf's own Traefik output (static + dynamic) imports to a spec that renders the
    same files, byte for byte, and lints the same."""
    static = RENDERED / example / "traefik" / "traefik.yml"
    dynamic = RENDERED / example / "traefik" / "dynamic" / "tlsconf.yml"
    files = reimport(import_file("traefik", static, dynamic), "traefik", tmp_path)
    for name, path in files.items():
        assert path.read_text() == (RENDERED / example / name).read_text(), name
    before = verdicts(dynamic, "traefik", by_domain)
    after = verdicts(files["traefik/dynamic/tlsconf.yml"], "traefik", by_domain)
    assert differences(before, after) == {}


def test_report_paths_are_relative_to_the_run(tmp_cwd: Path) -> None:
    """The golden report names files as given on the command line."""
    assert os.getcwd() == str(tmp_cwd)


MIDDLEWARES = """\
http:
  routers:
    app:
      rule: "Host(`app.test`)"
      service: s
      middlewares: [all, login@docker]
      tls: {}
  services:
    s:
      loadBalancer: {servers: [{url: "http://10.0.0.1:80"}]}
  middlewares:
    all:
      chain: {middlewares: [secure, auth, limit]}
    secure:
      headers: {frameDeny: true, contentTypeNosniff: true, referrerPolicy: no-referrer,
                customRequestHeaders: {X-A: b}, forceSTSHeader: true}
    auth:
      basicAuth: {users: ["u:$apr1$x$y"]}
    limit:
      rateLimit: {average: 10}
tls:
  certificates: [{certFile: /c.pem, keyFile: /c.key}]
"""


def test_middlewares(tmp_cwd: Path) -> None:
    """Chains are expanded; headers options that are one response header become `headers`;
    an authentication middleware is dropped loudly; one from another provider is named."""
    Path("dynamic.yml").write_text(MIDDLEWARES)
    imported = import_file("traefik", Path("dynamic.yml"))
    site = imported.spec["sites"][0]  # type: ignore[index]
    assert site["headers"] == {"X-Frame-Options": "DENY",  # type: ignore[index]
                               "X-Content-Type-Options": "nosniff",
                               "Referrer-Policy": "no-referrer"}
    fates = {e.key: (e.fate, e.detail) for e in imported.entries}
    assert fates["http.middlewares.all"] == ("mapped", "a chain: its members, in its place")
    assert fates["http.middlewares.auth"] == ("dropped", (
        "basicAuth: ACCESS CONTROL DROPPED: the spec has no request checks, so the rendered "
        "site accepts what this refused; put the check in front of tlsconf's output or in "
        "the application"))
    assert fates["http.middlewares.auth.basicAuth.users"][0] == "dropped"
    assert fates["http.middlewares.limit"] == ("dropped", "rateLimit: no spec field")
    assert fates["http.middlewares.secure.headers.customRequestHeaders"] == ("dropped", (
        "customRequestHeaders: no spec field (the spec's headers are fixed response headers)"))
    assert fates["http.middlewares.secure.headers.forceSTSHeader"] == (
        "approximated", "hsts (tlsconf sends it on every TLS response)")
    assert fates["http.routers.app.middlewares"] == (
        "approximated", "a site: domains, listen, tls, upstreams: not in this file, not "
        "imported: login@docker")


def test_an_option_name_with_a_space_is_that_option(tmp_cwd: Path) -> None:
    """`tls.options."my opt"` is the router's policy, not the default option's."""
    Path("dynamic.yml").write_text(
        'http:\n  routers:\n    r:\n      rule: "Host(`a.test`)"\n      service: s\n'
        '      tls: {options: "my opt"}\n  services:\n    s:\n      loadBalancer:\n'
        '        servers: [{url: "http://10.0.0.1:80"}]\n'
        'tls:\n  options:\n    "my opt": {minVersion: VersionTLS13}\n'
        '  certificates: [{certFile: /c.pem, keyFile: /c.key}]\n')
    site = import_file("traefik", Path("dynamic.yml")).spec["sites"][0]  # type: ignore[index]
    assert site["tls"]["profile"] == "modern"  # type: ignore[index]
