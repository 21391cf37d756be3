"""`tlsconf import --kind ingress-nginx`: Ingress + controller ConfigMap sets written from the
ingress-nginx documentation (tests/data/ingress_nginx/*/input.yaml, each citing it) become an
exact spec, an exact loss report and the exact Gateway API migration (golden files under
tests/golden/ingress_nginx/, reviewed as diffs); every annotation and ConfigMap key of the input
is in the report; bad and hostile input is refused at its line and column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from goldens import GOLDEN, assert_golden
from ruamel.yaml import YAML

from tlsconf import policy
from tlsconf.config import Settings
from tlsconf.errors import TlsconfError
from tlsconf.importer import loader, write
from tlsconf.importer import report as loss
from tlsconf.importer.model import Imported
from tlsconf.judge import spec_verdict
from tlsconf.specfile import LoadedSpec, parse_spec
from tlsconf.targets import gateway_api

DATA = Path(__file__).resolve().parent / "data" / "ingress_nginx"
SETS = ("defaults", "hardened", "mtls", "weak")


def imported(name: str) -> Imported:
    return loader("ingress-nginx")([str(DATA / name / "input.yaml")], Settings())


def as_spec(result: Imported) -> LoadedSpec:
    """The imported spec as a file (JSON is YAML), loaded as `render` loads it."""
    return parse_spec("imported.yaml", json.dumps(result.spec, indent=2).encode())


def relative(text: str) -> str:
    return text.replace(str(DATA) + "/", "")


def report(result: Imported) -> str:
    return relative(loss.text(result))


def written(result: Imported, name: str) -> str:
    """The spec as `tlsconf import` writes it, checked by the spec loader as the CLI does."""
    text = write.to_yaml(result, "ingress-nginx", [f"{name}/input.yaml"])
    write.check(text)
    return relative(text)


def migration(loaded: LoadedSpec) -> dict[str, str]:
    try:
        rendered = gateway_api.render(loaded, policy.resolve(loaded), impl="traefik")
    except TlsconfError as error:
        return {"gateway-api.refused": f"{error}\n"}
    warnings = "".join(f"{w}\n" for w in rendered.warnings)
    return {**rendered.files, **({"gateway-api.warnings": warnings} if warnings else {})}


@pytest.mark.parametrize("name", SETS)
def test_spec_report_and_migration_are_exact(name: str) -> None:
    result = imported(name)
    loaded = as_spec(result)
    files = {
        "spec.yaml": written(result, name),
        "report.txt": report(result),
        **migration(loaded),
    }
    assert_golden(files, GOLDEN / "ingress_nginx" / name)


def _keys_in(path: Path) -> set[str]:
    """Every annotation and controller ConfigMap key the input writes, read independently."""
    out: set[str] = set()
    docs = [d for d in YAML(typ="safe").load_all(path.read_text()) if d]
    items = [i for d in docs for i in (d["items"] if d.get("kind") == "List" else [d])]
    for item in items:
        meta = item.get("metadata") or {}
        if item["kind"] == "Ingress" and (item.get("spec") or {}).get("ingressClassName",
                                                                        "nginx") == "nginx":
            out |= set(meta.get("annotations") or {})
        labels = meta.get("labels") or {}
        if item["kind"] == "ConfigMap" and (meta["name"] == "ingress-nginx-controller"
                                            or labels.get("app.kubernetes.io/component")):
            out |= {f"ConfigMap {k}" for k in item.get("data") or {}}
    return out


def _is_key(key: str) -> bool:
    """An annotation (`nginx.ingress.kubernetes.io/ssl-redirect`) or a controller ConfigMap key
    (`ConfigMap ssl-ciphers`), not an object or field entry (`Ingress web/shop spec.tls[0]`)."""
    short = key.removeprefix("ConfigMap ")
    return " " not in short and ("/" in short) == (short == key)


@pytest.mark.parametrize("name", SETS)
def test_every_annotation_and_configmap_key_is_in_the_report(name: str) -> None:
    result = imported(name)
    keys = [e.key for e in result.entries if _is_key(e.key)]
    assert sorted(keys) == sorted(_keys_in(DATA / name / "input.yaml"))  # each once
    assert all(e.detail for e in result.entries)  # what became of it, or why it was dropped
    assert all(e.spec_path == "" for e in result.entries if e.fate == "dropped")
    assert all(e.spec_path for e in result.entries if e.fate != "dropped")


# Per implementation: the files written, or the field a refusal names. ingress-nginx's default
# suites include two DHE ones, which Go (Traefik) and BoringSSL (Envoy) cannot negotiate.
IMPLS: dict[tuple[str, str], tuple[str, ...] | str] = {
    ("defaults", "envoy-gateway"): "sites[0].tls.ciphers",
    ("defaults", "nginx-gateway-fabric"): ("certificates", "gateways", "httproutes"),
    ("hardened", "envoy-gateway"): ("clienttrafficpolicies", "gateways", "httproutes"),
    ("hardened", "nginx-gateway-fabric"): ("gateways", "httproutes"),
    ("mtls", "envoy-gateway"): ("backendtlspolicies", "clienttrafficpolicies", "gateways",
                                "httproutes"),
    ("mtls", "nginx-gateway-fabric"): ("backendtlspolicies", "gateways", "httproutes"),
    ("weak", "envoy-gateway"): ("clienttrafficpolicies", "gateways", "httproutes"),
    ("weak", "nginx-gateway-fabric"): ("gateways", "httproutes"),
}


@pytest.mark.parametrize(("name", "impl"), sorted(IMPLS))
def test_the_migration_for_the_other_implementations(name: str, impl: str) -> None:
    loaded = as_spec(imported(name))
    try:
        rendered = gateway_api.render(loaded, policy.resolve(loaded), impl=impl)
    except TlsconfError as error:
        assert [p.path for p in error.problems] == [IMPLS[(name, impl)]]
        return
    assert tuple(sorted(f.removeprefix("gateway-api/").removesuffix(".yaml")
                        for f in rendered.files)) == IMPLS[(name, impl)]


# -- lint of the input vs lint of the imported spec ----------------------------------------------

# What the linter says about the input (ingress-nginx's resolved policy) and about the spec the
# import wrote: the same, except that the spec states ingress-nginx's defaults (TLS105/TLS215
# "not set" become the explicit list, whose two DHE suites TLS211 then names), and that a
# TLS 1.3-only spec carries no unused TLS <= 1.2 list (TLS217).
LINT = {
    "defaults": ({"TLS105", "TLS215", "TLS503"}, {"TLS211", "TLS503"}),
    "hardened": (set(), set()),
    "mtls": ({"TLS217", "TLS503"}, {"TLS503"}),
    "weak": ({"TLS102", "TLS103", "TLS208", "TLS209", "TLS501", "TLS507"},
             {"TLS102", "TLS103", "TLS208", "TLS209", "TLS501", "TLS507"}),
}


@pytest.mark.parametrize("name", SETS)
def test_lint_of_the_input_matches_lint_of_the_spec(name: str) -> None:
    result = imported(name)
    loaded = as_spec(result)
    spec_findings = spec_verdict(loaded, policy.resolve(loaded)).findings
    assert ({f.rule_id for f in result.findings}, {f.rule_id for f in spec_findings}) == \
        LINT[name]
    # The weak values are in the spec as written, so `render` refuses them until the user
    # decides (--allow-weak), and each input finding points into the input.
    assert all(f.location.file.endswith("input.yaml") for f in result.findings)


@pytest.mark.parametrize("name", ["hardened", "mtls", "weak"])  # `defaults` does not render
def test_lint_of_the_rendered_migration_matches(name: str) -> None:
    """`tlsconf lint` of the Gateway API output (its TLSOption `default`: protocols and suites;
    HSTS and redirects belong to routes, which the k8s lint does not judge) says what the lint
    of the imported spec says about protocols and suites."""
    from tlsconf.ingest import k8s
    from tlsconf.judge import verdict

    loaded = as_spec(imported(name))
    rendered = gateway_api.render(loaded, policy.resolve(loaded), impl="traefik")
    subjects = k8s.subjects([(n, k8s.load(n, text)) for n, text in rendered.files.items()])
    found = {f.rule_id for f in verdict(subjects, [], Settings()).findings}
    spec = {f.rule_id for f in spec_verdict(loaded, policy.resolve(loaded)).findings}
    assert found == {r for r in spec if r.startswith(("TLS1", "TLS2"))}
    assert found == ({"TLS102", "TLS103", "TLS208", "TLS209"} if name == "weak" else set())


def test_weak_findings_point_at_the_keys_that_set_them() -> None:
    where = {f.rule_id: (f.location.line, f.location.col) for f in imported("weak").findings}
    assert where == {"TLS102": (11, 22), "TLS103": (11, 22), "TLS501": (13, 13),
                     "TLS507": (14, 21), "TLS208": (22, 50), "TLS209": (22, 50)}


# -- refused input: file:line:col, what is wrong and what is allowed -----------------------------

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  namespace: web
  annotations:
    nginx.ingress.kubernetes.io/ssl-redirect: "{redirect}"
spec:
  tls:
    - hosts: [{host}]
      secretName: {secret}
  rules:
    - host: {host}
      http:
        paths:
          - path: {path}
            pathType: Prefix
            backend: {{service: {{name: {service}, port: {{number: 80}}}}}}
"""
GOOD = {"redirect": "true", "host": "app.test", "secret": "app-tls", "path": "/",
        "service": "app"}


def load_text(tmp_path: Path, text: str, name: str = "in.yaml") -> Imported:
    path = tmp_path / name
    path.write_text(text)
    return loader("ingress-nginx")([str(path)], Settings())


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(TlsconfError) as error:
        load_text(tmp_path, text)
    return str(error.value).replace(str(tmp_path) + "/", "")


def test_the_good_template_imports(tmp_path: Path) -> None:
    result = load_text(tmp_path, INGRESS.format(**GOOD))
    assert result.spec["sites"] == [{
        "name": "app-test", "domains": ["app.test"],
        "tls": {"certificate": "/etc/tlsconf/secrets/web/app-tls/tls.crt",
                "key": "/etc/tlsconf/secrets/web/app-tls/tls.key", "profile": "intermediate",
                "ciphers": list(_default_suites()), "session_timeout": 600},
        "hsts": {"max_age": 31536000}, "upstreams": [{"address": "app.web.svc:80"}],
        "kubernetes": {"secret": "app-tls"}}]


def _default_suites() -> tuple[str, ...]:
    from tlsconf.importer.ingress_nginx_keys import DEFAULT_CIPHERS

    return tuple(DEFAULT_CIPHERS.split(":"))


BAD: list[tuple[dict[str, str], str]] = [
    ({"redirect": "yes"}, "in.yaml:7:47: nginx.ingress.kubernetes.io/ssl-redirect: 'yes' is not "
     "a boolean: ingress-nginx reads true/false (or 1/0, t/f, True/False, TRUE/FALSE) and "
     "ignores anything else"),
    ({"host": "app_test"}, "in.yaml:13:13: spec.rules[0].host: host 'app_test' is not a valid "
     "(internationalised) DNS name: Codepoint U+005F at position 4 of 'app_test' not allowed"),
    ({"secret": "../etc"}, "in.yaml:11:19: spec.tls[0].secretName: secretName '../etc' must be "
     "an RFC 1123 subdomain: dot-separated labels of a-z, 0-9 and '-', at most 253 characters"),
    ({"path": "/a(.*)"}, "in.yaml:16:19: spec.rules[0].http.paths[0].path: path '/a(.*)' must "
     "start with '/' and contain only letters, digits and . _ ~ / - (a plain prefix: no regex, "
     "no modifiers, no query)"),
    ({"service": "Bad.Name"}, "in.yaml:18:39: spec.rules[0].http.paths[0].backend.service.name: "
     "Service name 'Bad.Name' must be 1-63 characters of a-z, 0-9 and '-', starting with a "
     "letter"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[next(iter(c[0])) for c in BAD])
def test_bad_values_are_refused_where_written(tmp_path: Path, change: dict[str, str],
                                              message: str) -> None:
    assert refusal(tmp_path, INGRESS.format(**{**GOOD, **change})) == message


def test_refusals_of_whole_objects(tmp_path: Path) -> None:
    good = INGRESS.format(**GOOD)
    assert refusal(tmp_path, good.replace("networking.k8s.io/v1", "extensions/v1beta1")) == (
        "in.yaml:1:13: apiVersion: Ingress of apiVersion 'extensions/v1beta1': removed in "
        "Kubernetes 1.22; convert it to networking.k8s.io/v1")
    assert refusal(tmp_path, good + "---\n" + good.replace("name: app\n", "name: two\n")) == (
        "in.yaml:29:15: spec.tls[0].hosts[0]: app.test is also served at in.yaml:10:15: "
        "ingress-nginx merges such Ingresses in ways manifests do not show (the oldest's "
        "server-level annotations win); merge them into one Ingress first")
    paths_only = good.split("  tls:")[0].replace("name: app\n", "name: api\n") + \
        good.split("secretName: app-tls\n")[1].replace("path: /\n", "path: /api\n")
    assert refusal(tmp_path, good + "---\n" + paths_only) == (
        "in.yaml:32:13: spec.rules: app.test has its TLS in Ingress web/app (at in.yaml:10:15) "
        "and paths in Ingress web/api: ingress-nginx merges them into one server in ways "
        "manifests do not show (the oldest's server-level annotations win); merge them into "
        "one Ingress first")
    grpc = good.replace('ssl-redirect: "true"', 'backend-protocol: "GRPC"')
    assert refusal(tmp_path, grpc) == (
        "in.yaml:7:51: nginx.ingress.kubernetes.io/backend-protocol: backend-protocol 'GRPC': "
        "the spec proxies HTTP and HTTPS only (not gRPC or FastCGI)")
    named = good.replace("{number: 80}", "{name: web}")
    assert refusal(tmp_path, named) == (
        "in.yaml:18:51: spec.rules[0].http.paths[0].backend.service.port.name: named port "
        "'web': the spec needs the number; add the Service app manifest to the input, or write "
        "port.number")
    assert refusal(tmp_path, "{{ .Values.x }}\n") == (
        "in.yaml:1:1: templated file ({{ }}): render it first (helm template); tlsconf judges "
        "manifests as applied")
    no_tls = good.split("  tls:")[0] + "  rules: []\n"
    assert refusal(tmp_path, no_tls) == (
        "in.yaml: no Ingress host with TLS (spec.tls[].hosts and secretName) in the input: "
        "nothing to import")


CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {{name: ingress-nginx-controller, namespace: ingress-nginx}}
data:
  {key}: {value}
---
"""
BAD_CONFIG = [
    ("ssl-protocols", '"TLSv1.2 TLSv9"', "in.yaml:5:18: ssl-protocols: unknown protocol "
     "'TLSv9'; allowed: SSLv2 SSLv3 TLSv1 TLSv1.1 TLSv1.2 TLSv1.3, separated by spaces"),
    ("ssl-ciphers", '"NOPE-NOTHING"', "in.yaml:5:16: ssl-ciphers: the cipher string selects no "
     "suite tlsconf knows; list suites by OpenSSL name, separated by ':'"),
    ("hsts-max-age", '"1y"', "in.yaml:5:17: hsts-max-age: '1y': expected a whole number from 0 "
     "to 2147483647"),
    ("ssl-session-timeout", '"5s"', "in.yaml:5:24: ssl-session-timeout: 5 seconds: the spec's "
     "session_timeout is 60 seconds to 7 days"),
    ("hsts-preload", '"true"\n  hsts-max-age: "300"', "in.yaml:5:17: hsts-preload: preload "
     "needs hsts-include-subdomains true and hsts-max-age >= 31536000 (the spec, and the "
     "browsers' preload list)"),
    ("ssl-redirect", "false", "in.yaml:5:17: data.ssl-redirect: values are strings (the API "
     "server refuses anything else): quote it"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_CONFIG, ids=[c[0] for c in BAD_CONFIG])
def test_bad_configmap_values_are_refused(tmp_path: Path, key: str, value: str,
                                          message: str) -> None:
    text = CONFIGMAP.format(key=key, value=value) + INGRESS.format(**GOOD)
    assert refusal(tmp_path, text) == message


# -- hostile values never reach any output -------------------------------------------------------

HOSTILE = '"}\\n server { listen 8443; } `rm -rf` $(id) \\u001b[31m"'  # `{{`: refused below


def _texts(result: Imported) -> str:
    loaded = as_spec(result)
    outputs = migration(loaded)
    return json.dumps(result.spec) + report(result) + "".join(outputs.values())


def test_snippets_and_unknown_annotations_are_reported_never_copied(tmp_path: Path) -> None:
    good = INGRESS.format(**GOOD)
    lines = "".join(f"    {key}: {HOSTILE}\n" for key in (
        "nginx.ingress.kubernetes.io/configuration-snippet",
        "nginx.ingress.kubernetes.io/server-snippet", "nginx.ingress.kubernetes.io/x-unknown",
        "example.com/owner"))
    lines += f'    "evil\\nkey\\u001b[31m": {HOSTILE}\n'
    text = good.replace("  annotations:\n", "  annotations:\n" + lines)
    text = CONFIGMAP.format(key="http-snippet", value=HOSTILE) + text
    result = load_text(tmp_path, text)
    everything = _texts(result)
    for needle in ("8443", "rm -rf", "$(id)", "\x1b", "listen", "evil\nkey"):
        assert needle not in everything
    assert "evil\\nkey\\x1b[31m: dropped" in everything  # the key, escaped, on its line
    fates = {e.key: e.fate for e in result.entries}
    assert fates["nginx.ingress.kubernetes.io/configuration-snippet"] == "dropped"
    assert fates["ConfigMap http-snippet"] == "dropped"
    assert fates["example.com/owner"] == "dropped"


@pytest.mark.parametrize(("annotation", "value", "message"), [
    ("proxy-ssl-name", '"a.test\\nb"', "proxy-ssl-name: 'a.test\\nb' is not a valid "
     "(internationalised) DNS name: Codepoint U+000A"),
    ("auth-tls-secret", '"other/ca"', "auth-tls-secret: the Secret is in namespace 'other'"),
    ("auth-tls-secret", '"web/ca{x}"', "auth-tls-secret: Secret name 'ca{x}' must be an RFC "
     "1123 subdomain"),
    ("ssl-ciphers", '"ECDHE-RSA-AES128-GCM-SHA256:{{x}}"', "refusing"),
])
def test_hostile_annotation_values_are_refused(tmp_path: Path, annotation: str, value: str,
                                               message: str) -> None:
    good = INGRESS.format(**GOOD)
    extra = f"    nginx.ingress.kubernetes.io/{annotation}: {value}\n"
    if annotation == "proxy-ssl-name":
        extra += '    nginx.ingress.kubernetes.io/backend-protocol: "HTTPS"\n'
    text = good.replace("  annotations:\n", "  annotations:\n" + extra)
    if message == "refusing":  # `{{` is refused in the whole file before anything is read
        assert "templated file" in refusal(tmp_path, text)
        return
    assert message in refusal(tmp_path, text)


def test_fields_that_are_not_configuration_are_entries(tmp_path: Path) -> None:
    text = INGRESS.format(**GOOD).replace("spec:\n", "spec:\n  backend: {}\n") + \
        "status: {loadBalancer: {ingress: [{ip: 192.0.2.1}]}}\n"
    result = load_text(tmp_path, text)
    lines = [relative(str(e.location)).replace(str(tmp_path) + "/", "") + f" {e.key}: {e.detail}"
             for e in result.entries if e.fate == "dropped"]
    assert lines == [
        "in.yaml:9:3 Ingress web/app spec.backend: not an Ingress v1 field (the API server "
        "prunes it)",
        "in.yaml:20:1 Ingress web/app status: written by the controller, not configuration"]


def test_dropped_access_controls_say_the_routes_are_open(tmp_path: Path) -> None:
    extra = ('    nginx.ingress.kubernetes.io/auth-type: basic\n'
             '    nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/8"\n')
    text = INGRESS.format(**GOOD).replace("  annotations:\n", "  annotations:\n" + extra)
    lost = {e.key: e.detail for e in load_text(tmp_path, text).entries if e.fate == "dropped"}
    assert lost == {
        "nginx.ingress.kubernetes.io/auth-type": "WEAKER: authentication is not carried, so "
        "the migrated routes answer every client; add the Gateway implementation's equivalent "
        "before applying",
        "nginx.ingress.kubernetes.io/whitelist-source-range": "WEAKER: the client address "
        "allowlist is not carried, so the migrated routes answer every client; add the Gateway "
        "implementation's equivalent before applying"}


def test_output_does_not_depend_on_anything_but_the_input(tmp_path: Path) -> None:
    first = imported("weak")
    again = imported("weak")
    assert first.spec == again.spec and first.entries == again.entries
    spec: dict[str, Any] = first.spec
    assert [s["name"] for s in spec["sites"]] == ["legacy-test", "wildcard-legacy-test"]


# -- the command ---------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from tlsconf.cli import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_command_detects_manifests_and_writes_spec_and_report(tmp_path: Path) -> None:
    out = tmp_path / "spec.yaml"
    source = str(DATA / "weak" / "input.yaml")
    code, stdout, stderr = run("import", source, "-o", str(out), "--strict")
    assert (code, stderr) == (1, "")  # snippets, a ticket key and a skipped Ingress: lossy
    assert relative(stdout) == (GOLDEN / "ingress_nginx" / "weak" / "report.txt").read_text()
    assert relative(out.read_text()) == (GOLDEN / "ingress_nginx" / "weak" /
                                         "spec.yaml").read_text()


def test_the_command_refuses_bad_input_with_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "in.yaml"
    bad.write_text(INGRESS.format(**{**GOOD, "redirect": "yes"}))
    out = tmp_path / "spec.yaml"
    code, stdout, stderr = run("import", "--kind", "ingress-nginx", str(bad), "-o", str(out))
    assert (code, stdout) == (2, "")
    assert stderr.replace(str(tmp_path) + "/", "") == (
        "in.yaml:7:47: nginx.ingress.kubernetes.io/ssl-redirect: 'yes' is not a boolean: "
        "ingress-nginx reads true/false (or 1/0, t/f, True/False, TRUE/FALSE) and ignores "
        "anything else\n")
    assert not out.exists()


MALFORMED = [
    ("metadata: [x]\n", "metadata"), ("  annotations: [a]\n", "annotations"),
    ("    - hosts: app.test\n", "hosts"), ("  rules: {a: b}\n", "rules"),
    ("          - path: 5\n", "path"), ("            backend: {service: x}\n", "backend"),
    ("            backend: {service: {name: app, port: {number: 99999}}}\n", "port"),
    ("            backend: {service: {name: app, port: {number: true}}}\n", "bool port"),
    ("            pathType: Regex\n", "pathType"), ("  tls: [{hosts: [app.test]}]\n", "secret"),
]


@pytest.mark.parametrize(("line", "what"), MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_objects_are_refused_never_a_crash(tmp_path: Path, line: str,
                                                     what: str) -> None:
    """Replacing one line of the good Ingress with a malformed one: exit 2 at a position, never
    another exception."""
    lines = INGRESS.format(**GOOD).splitlines(keepends=True)
    key = line.strip().split(":")[0].lstrip("- ")
    index = next(i for i, old in enumerate(lines) if old.strip().lstrip("- ").startswith(key)
                 and old[:len(old) - len(old.lstrip())] == line[:len(line) - len(line.lstrip())])
    lines[index] = line
    text = "".join(lines)
    if what == "rules":
        text = text.split("  rules:")[0] + line
    assert text != INGRESS.format(**GOOD)
    with pytest.raises(TlsconfError) as error:
        load_text(tmp_path, text)
    assert error.value.problems and all(p.location.line > 0 for p in error.value.problems)


def test_files_are_read_together(tmp_path: Path) -> None:
    """The ConfigMap in one file, the Ingress and Service in another (`kubectl get -o yaml`
    of each): the same spec as from one file."""
    text = (DATA / "hardened" / "input.yaml").read_text()
    head, rest = text.split("---\n", 1)
    (tmp_path / "controller.yaml").write_text(head)
    (tmp_path / "web.yaml").write_text(rest)
    apart = loader("ingress-nginx")([str(tmp_path / "controller.yaml"),
                                     str(tmp_path / "web.yaml")], Settings())
    assert apart.spec == imported("hardened").spec
    assert {e.location.file for e in apart.entries} == {str(tmp_path / "controller.yaml"),
                                                        str(tmp_path / "web.yaml")}
