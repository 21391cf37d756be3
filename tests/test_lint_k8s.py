"""`tlsconf lint` on Kubernetes manifests (kind `k8s`): the multi-document loader, the mapping of
Traefik TLSOption / Envoy Gateway ClientTrafficPolicy / NGINX Gateway Fabric listener options to
the policy every rule judges (with exact positions), refusals, the CLI, and the round trip
spec → `render --target traefik-crd|gateway-api --impl …` → lint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.lint.baselines import K8S, TLSOPTION_HEAD
from tests.lint.files import write
from tlsconf import policy
from tlsconf.config import Settings
from tlsconf.errors import TlsconfError
from tlsconf.ingest import detect, ingest
from tlsconf.lint import lint_paths
from tlsconf.lint.model import CONFIG, SERVER_DEFAULT, Subject
from tlsconf.rules import all_rules
from tlsconf.source import load, load_stream
from tlsconf.specfile import load_spec
from tlsconf.targets import gateway_api, traefik_crd

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()
NO_CERTS = Settings(certificates=False)


def findings(text: str, settings: Settings = NO_CERTS, name: str = "m.yaml") -> list[str]:
    report = lint_paths([write(name, text)], settings)
    assert report.errors == []
    return [f"{f.location} {f.rule_id}" for f in report.findings]


def subjects(text: str, name: str = "m.yaml") -> tuple[Subject, ...]:
    kind, found, _ = ingest(write(name, text))
    assert kind == "k8s"
    return found


def errors(text: str, name: str = "m.yaml") -> list[str]:
    report = lint_paths([write(name, text)], NO_CERTS)
    return [str(p) for p in report.errors]


def cli(*args: str) -> tuple[int, str, str]:
    from tlsconf.cli import app

    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


TLSOPTION = TLSOPTION_HEAD + """\
  cipherSuites:
    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
"""

CTP = """\
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata:
  name: edge
  namespace: gw
spec:
  targetRefs:
    - {group: gateway.networking.k8s.io, kind: Gateway, name: eg, sectionName: shop}
  tls:
    minVersion: "1.2"
    ciphers: [ECDHE-RSA-AES128-GCM-SHA256]
    ecdhCurves: [X25519]
"""

NGF_GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: gw
spec:
  gatewayClassName: nginx
  listeners:
    - name: https
      hostname: shop.example.com
      port: 443
      protocol: HTTPS
      tls:
        options:
          nginx.org/ssl-protocols: TLSv1.2 TLSv1.3
          nginx.org/ssl-ciphers: ECDHE-RSA-AES128-GCM-SHA256
          nginx.org/ssl-ecdh-curve: X25519:prime256v1
"""


# -- the multi-document loader ---------------------------------------------------------------


def test_stream_positions_in_later_documents() -> None:
    text = "a: 1\n---\n# nothing\n---\nb:\n  c: [x, y]\n---\nkind: X\nspec:\n  minVersion: '1.2'\n"
    docs = load_stream("m.yaml", text)
    assert [d.data for d in docs] == [{"a": 1}, {"b": {"c": ["x", "y"]}},
                                      {"kind": "X", "spec": {"minVersion": "1.2"}}]
    assert str(docs[1].locate(("b", "c", 1))) == "m.yaml:6:10"
    assert str(docs[2].locate(("spec", "minVersion"), key=True)) == "m.yaml:10:3"
    assert str(docs[2].locate(("spec", "minVersion"))) == "m.yaml:10:15"


@pytest.mark.parametrize("document", [0, 1, 2])
@pytest.mark.parametrize(("bad", "message"), [
    ("b: &x 1", "anchors"), ("b: *x", "aliases"), ("b: 1\nb: 2", "duplicate key 'b'"),
    ("b: !!str 1", "explicit YAML tags"), ("<<: {a: 1}", "merge keys"), ("- 1", "mapping"),
    ("just a scalar", "mapping"), ("b: " + "[" * 30 + "]" * 30, "nesting deeper"),
])
def test_stream_refusals_in_any_document(document: int, bad: str, message: str) -> None:
    docs = ["a: 1", "c: 2", "d: 3"]
    docs[document] = bad
    with pytest.raises(TlsconfError) as error:
        load_stream("m.yaml", "\n---\n".join(docs) + "\n")
    (problem,) = error.value.problems
    assert message in problem.message
    assert 1 + 2 * document <= problem.location.line <= 2 + 2 * document  # in that document


def test_stream_refuses_directives_and_skips_empty_documents() -> None:
    with pytest.raises(TlsconfError, match="directives"):
        load_stream("m.yaml", "a: 1\n...\n%YAML 1.2\n---\nb: 1\n")
    assert load_stream("m.yaml", "") == ()
    assert load_stream("m.yaml", "---\n# only comments\n---\n...\n") == ()


def test_load_still_refuses_several_documents() -> None:
    with pytest.raises(TlsconfError, match="only one YAML document is allowed per file"):
        load("site.yaml", "sites: []\n---\nsites: []\n")
    assert load("site.yaml", "---\nsites: []\n").data == {"sites": []}


# -- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind"), [
    (TLSOPTION, "k8s"), (CTP, "k8s"), (NGF_GATEWAY, "k8s"),
    ("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n", "k8s"),
    ("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: traefik.io/v1alpha1\n", "k8s"),
    ("sites:\n  - name: a\n", "spec"),
    ("tls:\n  options:\n    default: {minVersion: VersionTLS12}\n", "traefik"),
    ("http:\n  routers: {}\n# apiVersion: traefik.io/v1alpha1\n", "traefik"),
])
def test_detection(text: str, kind: str) -> None:
    assert detect("x.yaml", text) == kind


# -- the mapping -------------------------------------------------------------------------------


def test_baseline_subjects_and_names() -> None:
    found = {s.site.name: s for s in subjects(K8S)}
    assert set(found) == {"web/default", "gateways/edge", "gateways/nginx/https"}
    assert {k: s.site.domains for k, s in found.items()} == {
        "web/default": ("example.com",), "gateways/edge": ("envoy.example.com",),
        "gateways/nginx/https": ("nginx.example.com",)}
    assert all(s.kind == "k8s" for s in found.values())
    assert findings(K8S) == []


def test_traefik_tlsoption_positions_in_second_document() -> None:
    text = CTP + "---\n" + TLSOPTION.replace("VersionTLS12", "VersionTLS10").replace(
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
    assert findings(text) == ["m.yaml:20:3 TLS102", "m.yaml:23:7 TLS209"]  # TLS209: the item


def test_envoy_weak_policy_positions_in_third_document() -> None:
    weak = CTP.replace('minVersion: "1.2"', 'minVersion: "1.1"').replace(
        "ciphers: [ECDHE-RSA-AES128-GCM-SHA256]",
        "ciphers: [\"[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-AES128-SHA]\", AES128-SHA]").replace(
        "[X25519]", "[X25519, P-521]")
    text = TLSOPTION + "---\n" + NGF_GATEWAY + "---\n" + weak
    # a weak suite's finding at the list entry that selects it (the group, then AES128-SHA)
    assert findings(text) == ["m.yaml:39:5 TLS102", "m.yaml:40:15 TLS209", "m.yaml:40:69 TLS208",
                              "m.yaml:41:5 TLS303"]


def test_nginx_gateway_fabric_weak_options() -> None:
    weak = NGF_GATEWAY.replace("TLSv1.2 TLSv1.3", "SSLv3 TLSv1 TLSv1.2").replace(
        "ssl-ciphers: ECDHE-RSA-AES128-GCM-SHA256", "ssl-ciphers: HIGH:!aNULL:RC4-SHA:!FOO"
    ).replace("X25519:prime256v1", "X25519:secp521r1")
    assert findings(weak) == [
        "m.yaml:15:11 TLS101", "m.yaml:15:11 TLS102", "m.yaml:15:11 TLS103",
        "m.yaml:16:11 TLS204", "m.yaml:16:11 TLS208", "m.yaml:16:11 TLS209",
        "m.yaml:16:11 TLS210", "m.yaml:16:11 TLS211", "m.yaml:16:11 TLS213", "m.yaml:16:11 TLS214",
        "m.yaml:17:11 TLS303"]


def test_strong_manifests_are_clean() -> None:
    modern = CTP.replace('minVersion: "1.2"', 'minVersion: "1.3"').replace(
        "    ciphers: [ECDHE-RSA-AES128-GCM-SHA256]\n", "")
    assert findings(TLSOPTION + "---\n" + modern + "---\n" + NGF_GATEWAY) == []
    assert findings(modern, Settings(profile="modern", certificates=False)) == []


def test_envoy_defaults_are_server_default_origins() -> None:
    text = CTP.split("  tls:")[0] + "  tls: {}\n"
    (subject,) = subjects(text)
    tls = subject.site.tls
    assert tls.protocols == ("TLSv1.2", "TLSv1.3")
    assert tls.curves == ("X25519", "P-256")
    assert set(tls.ciphers) == {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
                                "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
                                "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"}
    assert tls.session_tickets is False
    for name in ("protocols", "ciphers", "curves", "session_tickets"):
        assert subject.origin_kind(name) == SERVER_DEFAULT, name
        assert str(subject.locate(name)) == "m.yaml:9:3"
    report = lint_paths(["m.yaml"], NO_CERTS)
    assert [(f.rule_id, str(f.location)) for f in report.findings] == [
        ("TLS105", "m.yaml:9:3"), ("TLS215", "m.yaml:9:3")]
    assert "Envoy Gateway's default (TLS 1.2 to 1.3)" in report.findings[0].message


def test_envoy_auto_and_max_only() -> None:
    text = CTP.replace('minVersion: "1.2"', 'minVersion: Auto\n    maxVersion: "1.2"')
    (subject,) = subjects(text)
    assert subject.site.tls.protocols == ("TLSv1.2",)
    assert subject.origin_kind("protocols") == CONFIG
    assert str(subject.locate("protocols")) == "m.yaml:11:5"


def test_envoy_domains_follow_target_refs() -> None:
    gateway = NGF_GATEWAY.replace("name: edge", "name: eg").replace(
        "        options:\n          nginx.org/ssl-protocols: TLSv1.2 TLSv1.3\n"
        "          nginx.org/ssl-ciphers: ECDHE-RSA-AES128-GCM-SHA256\n"
        "          nginx.org/ssl-ecdh-curve: X25519:prime256v1\n", "        mode: Terminate\n")
    gateway = gateway.replace("    - name: https\n      hostname: shop.example.com",
                              "    - name: shop\n      hostname: shop.example.com") + \
        "    - {name: blog, hostname: blog.example.com, port: 443, protocol: HTTPS}\n"
    (one,) = subjects(gateway + "---\n" + CTP)
    assert one.site.domains == ("shop.example.com",)
    (both,) = subjects(gateway + "---\n" + CTP.replace(", sectionName: shop", ""))
    assert both.site.domains == ("shop.example.com", "blog.example.com")


def test_session_resumption_mapping() -> None:
    """No TLS4xx rule is meaningful for these resources (compression, renegotiation and 0-RTT
    cannot be expressed; Go and Envoy rotate ticket keys), so the session facts are checked on
    the reduced policy: resumption off by default in Envoy Gateway, on when asked for."""
    (off,) = subjects(CTP)
    assert (off.site.tls.session_tickets, off.origin_kind("session_tickets")) == \
        (False, SERVER_DEFAULT)
    stateless = CTP + "    session:\n      resumption:\n        stateless: {}\n"
    (on,) = subjects(stateless)
    assert (on.site.tls.session_tickets, on.origin_kind("session_tickets")) == (True, CONFIG)
    assert str(on.locate("session_tickets")) == "m.yaml:14:7"
    (stateful,) = subjects(stateless.replace("stateless", "stateful"))
    assert stateful.site.tls.session_tickets is False
    (traefik,) = subjects(TLSOPTION + "  disableSessionTickets: true\n")
    assert (traefik.site.tls.session_tickets, str(traefik.locate("session_tickets"))) == \
        (False, "m.yaml:11:3")
    assert findings(stateless) == []  # in-memory keys, rotated by Envoy every 48 h: no TLS405
    assert not any("k8s" in r.applies_to for r in all_rules() if r.id.startswith("TLS4"))


def test_ngf_defaults_for_missing_keys() -> None:
    text = NGF_GATEWAY.replace("          nginx.org/ssl-protocols: TLSv1.2 TLSv1.3\n", "").replace(
        "          nginx.org/ssl-ciphers: ECDHE-RSA-AES128-GCM-SHA256\n", "")
    (subject,) = subjects(text)
    assert subject.site.tls.protocols == ("TLSv1.2", "TLSv1.3")
    assert findings(text) == ["m.yaml:14:9 TLS105", "m.yaml:14:9 TLS215"]


def test_gateway_without_options_is_no_policy_but_ctp_makes_it_envoy() -> None:
    bare = NGF_GATEWAY.split("        options:")[0] + "        mode: Terminate\n"
    assert errors(bare) == [
        "m.yaml: no TLS policy found in m.yaml: no Traefik TLSOption, Envoy Gateway "
        "ClientTrafficPolicy with spec.tls, or Gateway listener tls.options (nginx.org/ssl-*). "
        "A Gateway alone leaves the policy to its implementation's defaults, which tlsconf "
        "cannot tell from the manifest"]
    assert [s.site.name for s in subjects(bare + "---\n" + CTP)] == ["gw/edge"]


def test_ingressroute_domains_and_default_option() -> None:
    route = """\
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: app, namespace: web}
spec:
  routes:
    - {kind: Rule, match: "Host(`a.example.com`) || Host(`b.example.com`) && PathPrefix(`/x`)"}
  tls:
    domains: [{main: example.com, sans: [www.example.com]}]
"""
    (subject,) = subjects(TLSOPTION + "---\n" + route)
    assert subject.site.name == "web/default"
    assert subject.site.domains == ("example.com", "www.example.com", "a.example.com",
                                    "b.example.com")


def test_ingressroute_naming_an_option_not_in_the_input() -> None:
    route = """\
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: app, namespace: web}
spec:
  routes: [{kind: Rule, match: "Host(`a.example.com`)"}]
  tls:
    options: {name: missing}
"""
    found = {s.site.name: s for s in subjects(TLSOPTION + "---\n" + route)}
    assert set(found) == {"web/default", "web/missing (not in the input)"}
    assert found["web/missing (not in the input)"].site.domains == ("a.example.com",)
    assert findings(TLSOPTION + "---\n" + route) == ["m.yaml:18:5 TLS105", "m.yaml:18:5 TLS215"]
    report = lint_paths(["m.yaml"], NO_CERTS)
    assert "TLSOption web/missing is not in the input: Go's defaults" in report.findings[0].message


def test_tlsoption_without_default_stands_in_for_clients_without_sni() -> None:
    text = TLSOPTION.replace("name: default", "name: strict").replace("  sniStrict: true\n", "")
    names = [s.site.name for s in subjects(text)]
    assert names == ["web/strict", "default (clients without SNI; not in the input)"]
    assert findings(text) == ["m.yaml:1:1 TLS105", "m.yaml:1:1 TLS215", "m.yaml:1:1 TLS704"]


def test_list_items_are_objects() -> None:
    items = "".join("  - " + "\n    ".join(obj.rstrip("\n").splitlines()) + "\n"
                    for obj in (TLSOPTION.replace("VersionTLS12", "VersionTLS11"), CTP))
    text = "apiVersion: v1\nkind: List\nitems:\n" + items
    assert [s.site.name for s in subjects(text)] == ["web/default", "gw/edge"]
    assert findings(text) == ["m.yaml:10:7 TLS102"]


def test_other_kinds_are_read_and_ignored() -> None:
    others = ("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {}\n---\n"
              "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n"
              "---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n")
    assert [s.site.name for s in subjects(others + "---\n" + TLSOPTION)] == ["web/default"]


@pytest.mark.parametrize(("text", "where", "message"), [
    (TLSOPTION.replace("traefik.io/v1alpha1", "traefik.io/v1beta1"), "m.yaml:1:1",
     "TLSOption of apiVersion 'traefik.io/v1beta1' is not read by tlsconf"),
    (CTP.replace("v1alpha1", "v1"), "m.yaml:1:1", "ClientTrafficPolicy of apiVersion"),
    (TLSOPTION + "---\n" + TLSOPTION.replace("namespace: web", "namespace: other"), "m.yaml:15:3",
     "Traefik drops every TLSOption named `default`"),
    (CTP.replace('"1.2"', "1.2"), "m.yaml:10:5", "(a number: quote it, \"1.2\")"),
    (CTP.replace('"1.2"', '"1.4"'), "m.yaml:10:5", "'1.4' is not one of Auto, 1.0"),
    (CTP.replace('"1.2"', '"1.3"\n    maxVersion: "1.2"'), "m.yaml:10:5",
     "minVersion must be smaller or equal to maxVersion"),
    (CTP.replace('"1.2"', '"1.3"'), "m.yaml:11:5", "ciphers with minVersion 1.3 have no effect"),
    (CTP.replace("[ECDHE-RSA-AES128-GCM-SHA256]", "[ECDHE-RSA-AES128-GCM-SHA256, NOPE]"),
     "m.yaml:11:5", "rejects a listener with unknown cipher(s) NOPE"),
    (NGF_GATEWAY + "          nginx.org/ssl-conf-command: x\n", "m.yaml:18:11",
     "unknown NGINX Gateway Fabric option"),
    (NGF_GATEWAY + "          nginx.org/ssl-session-tickets: \"off\"\n", "m.yaml:18:11",
     "unknown NGINX Gateway Fabric option"),
    (NGF_GATEWAY + "          nginx.org/ssl-prefer-server-ciphers: yes\n", "m.yaml:18:11",
     "allowed values are on and off"),
    (NGF_GATEWAY.replace("TLSv1.2 TLSv1.3", "TLSv1.2 TLSv9"), "m.yaml:15:11",
     "unknown protocol 'TLSv9'"),
    (NGF_GATEWAY.replace("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE@RSA"), "m.yaml:16:11",
     "invalid cipher string"),
    ("apiVersion: v1\nkind: Secret\n---\nfoo: 1\n", "m.yaml:4:1", "not a Kubernetes object"),
    (TLSOPTION.replace("  sniStrict", "  foo: {{ .Values.x }}\n  sniStrict"), "m.yaml:8:8",
     "templated file"),
])
def test_refusals(text: str, where: str, message: str) -> None:
    (problem,) = errors(text)
    assert problem.startswith(where + ":") and message in problem, problem


# -- CLI -------------------------------------------------------------------------------------------


def test_cli_detects_manifests_and_exit_codes() -> None:
    assert cli("lint", write("clean.yaml", K8S)) == (0, "", "")
    # (each in a directory of its own: the manifests beside a file are read with it)
    code, out, _ = cli("lint", write("weak/weak.yaml",
                                     K8S.replace("VersionTLS12", "VersionTLS10")))
    assert code == 1
    assert out.startswith("weak/weak.yaml:7:3: TLS102 [error] TLSv1 and TLSv1.1 enabled")
    # (in a directory of its own: the manifests beside a file are read with it)
    code, out, err = cli("lint", write("bare/bare.yaml", NGF_GATEWAY.split("        options:")[0]))
    assert (code, out) == (2, "")
    assert "bare/bare.yaml: no TLS policy found in bare/bare.yaml" in err
    assert "1 error(s): the input(s) above were not linted" in err


def test_cli_kind_forces_k8s_and_an_empty_directory_is_an_error() -> None:
    forced = write("policy.txt", TLSOPTION.replace("VersionTLS12", "VersionTLS11"))
    code, out, _ = cli("lint", "--kind", "k8s", forced)
    assert code == 1 and out.startswith("policy.txt:7:3: TLS102")
    Path("manifests").mkdir()
    code, _, err = cli("lint", "--kind", "k8s", "manifests")
    assert code == 2  # a directory is searched (tests/test_cli_ux.py); none found is not clean
    assert err.startswith("manifests: no k8s file found in this directory\n")


def test_cli_reads_the_manifests_of_a_run_together() -> None:
    route = ("apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata: {name: a}\n"
             "spec:\n  tls: {options: {name: strict, namespace: web}}\n")
    option = TLSOPTION.replace("name: default", "name: strict")
    files = [write("routes.yaml", route), write("options.yaml", option),
             write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")]
    report = lint_paths(files, NO_CERTS)
    assert report.errors == []
    assert sorted({str(f.location.file) for f in report.findings}) == ["options.yaml"]
    code, out, _ = cli("lint", "--format", "sarif", *files)
    assert code == 1 and '"ruleId": "TLS704"' in out


def test_suppression_comment_in_a_manifest() -> None:
    text = TLSOPTION.replace("VersionTLS12", "VersionTLS11  # tlsconf: ignore[TLS102] old IoT")
    assert findings(text) == []


# -- round trip: spec → Kubernetes manifests → lint -------------------------------------------

VARIANTS = ("traefik-crd", "gateway-api-traefik", "gateway-api-envoy-gateway",
            "gateway-api-nginx-gateway-fabric")
# The rules both a spec and a manifest are judged by, for the policy (TLS1xx-TLS4xx).
POLICY_RULES = frozenset(r.id for r in all_rules() if {"spec", "k8s"} <= r.applies_to
                         and r.family in ("protocols", "ciphers", "key exchange",
                                          "session and features"))
WEAK_SPECS = {
    "legacy.yaml": """\
sites:
  - name: legacy
    domains: [legacy.example.com]
    tls:
      protocols: [TLSv1, TLSv1.1, TLSv1.2, TLSv1.3]
      ciphers: [ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES128-SHA, AES128-GCM-SHA256, DES-CBC3-SHA]
      curves: [X25519, secp521r1]
      certificate: /etc/ssl/certs/legacy.pem
      key: /etc/ssl/private/legacy.key
    upstreams: [{address: 127.0.0.1:8080}]
""",
    "static-rsa.yaml": """\
sites:
  - name: old-clients
    domains: [a.example.com]
    default_server: true
    tls:
      protocols: [TLSv1.2]
      ciphers: [AES128-GCM-SHA256, AES256-GCM-SHA384]
      certificate: /etc/ssl/certs/a.pem
      key: /etc/ssl/private/a.key
    upstreams: [{address: 127.0.0.1:8080}]
""",
    "old-profile.yaml": """\
sites:
  - name: legacy
    domains: [legacy.example.com]
    tls: {profile: old, certificate: /etc/ssl/certs/l.pem, key: /etc/ssl/private/l.key}
    upstreams: [{address: 127.0.0.1:8080}]
""",
}


def k8s_spec(text: str) -> str:
    """The spec with a `kubernetes:` section (a Service per upstream address) when it has none.
    `backup` upstreams are dropped: Kubernetes routes have none (the targets refuse them)."""
    text = text.replace(", backup: true", "")
    if "\nkubernetes:" not in text:
        addresses = sorted(set(re.findall(r'(?:address|acme_upstream):\s*"?([^"\s,}]+)', text)))
        services = "".join(f'    "{a}": {{name: svc-{i}, port: 80}}\n'
                           for i, a in enumerate(addresses))
        text += f"\nkubernetes:\n  namespace: web\n  services:\n{services}"
    return text


SPECS = {**{p.name: p.read_text("utf-8") for p in sorted((ROOT / "examples").glob("*.yaml"))},
         **{f"k8s-{p.name}": p.read_text("utf-8")
            for p in sorted((ROOT / "tests/golden/k8s/specs").glob("*.yaml"))},
         **WEAK_SPECS}
# Variants that refuse a spec (tested in test_k8s_render): nothing to lint.
REFUSED = {("k8s-mtls.yaml", "gateway-api-traefik")}  # one TLSOption `default`, two clientAuths


def render(spec: Path, variant: str, out: Path) -> list[str]:
    loaded = load_spec(str(spec))
    sites = policy.resolve(loaded)
    if variant == "traefik-crd":
        rendered = traefik_crd.render(loaded, sites)
    else:
        rendered = gateway_api.render(loaded, sites, impl=variant.removeprefix("gateway-api-"))
    paths = []
    for name, text in rendered.files.items():
        path = out / variant / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        paths.append(str(path))
    return paths


# Both sides are judged against the same profile (a spec is otherwise judged against its own,
# a manifest against intermediate). Compared: the rules that apply to specs and manifests alike.
# Expected differences: rules of one kind only (TLS401 old-profile for specs; TLS704 below).
@pytest.mark.parametrize("profile", ["intermediate", "modern"])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", sorted(SPECS))
def test_round_trip_same_policy_findings(name: str, variant: str, profile: str,
                                         tmp_path: Path) -> None:
    spec = tmp_path / name
    spec.write_text(k8s_spec(SPECS[name]), "utf-8")
    if (name, variant) in REFUSED:
        with pytest.raises(TlsconfError):
            render(spec, variant, tmp_path)
        return
    settings = Settings(profile=profile, certificates=False)
    expected = lint_paths([str(spec)], settings)
    manifests = render(spec, variant, tmp_path)
    got = lint_paths(manifests, settings)
    assert (expected.errors, got.errors) == ([], [])
    shared = {f.rule_id for f in expected.findings} & POLICY_RULES
    assert {f.rule_id for f in got.findings} & POLICY_RULES == shared
    assert shared or name not in WEAK_SPECS  # the weak specs make the comparison non-trivial
    # tlsconf writes every policy field: no default is left to the implementation, no unknown
    # value. Only Traefik's `sniStrict: false` for a `default_server` site is reported beyond
    # the shared rules (TLS704: a spec has no such rule; the site *is* served to unknown SNI).
    extra = {f.rule_id for f in got.findings} - POLICY_RULES
    traefik = variant in ("traefik-crd", "gateway-api-traefik")
    assert extra == ({"TLS704"} if traefik and "default_server: true" in SPECS[name] else set())


def test_round_trip_covers_weak_policies(tmp_path: Path) -> None:
    """The weak specs hit protocol, cipher and group rules: the comparison is not of empties."""
    hit: set[str] = set()
    for name in WEAK_SPECS:
        spec = tmp_path / name
        spec.write_text(k8s_spec(WEAK_SPECS[name]), "utf-8")
        hit |= {f.rule_id for f in lint_paths([str(spec)], NO_CERTS).findings}
    assert {"TLS102", "TLS103", "TLS207", "TLS208", "TLS209", "TLS212", "TLS303"} <= hit


def test_tlsconf_traefik_file_output_lints() -> None:
    """tlsconf's Traefik output spells two CHACHA20 suites as Go does (no `_SHA256`); the shared
    TLS-option mapping accepts both spellings, as Traefik does."""
    dynamic = sorted((ROOT / "tests/golden/traefik").glob("*/traefik/dynamic/tlsconf.yml"))
    assert dynamic
    report = lint_paths([str(p) for p in dynamic], NO_CERTS)
    assert report.errors == []
