"""`tlsconf validate --target gateway-api|traefik-crd`: rendered manifests checked offline
against the CRDs vendored in the package (tlsconf/data/k8s), never against anything outside the
repository; the vendored copy matches its provenance, and the k8s extra is imported only here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from goldens import GOLDEN
from support.inprocess import run_main
from support.k8s_manifests import load_manifests

import tlsconf
from tlsconf import k8s_schema, targets
from tlsconf.render import Rendered
from tlsconf.targets.k8s_common import dump

DATA = Path(tlsconf.__file__).resolve().parent / "data" / "k8s"
SHOP = GOLDEN / "k8s" / "specs" / "shop.yaml"
MTLS = GOLDEN / "k8s" / "specs" / "mtls.yaml"
AGAINST = "against the vendored CRDs (schema with unknown fields forbidden, {} CEL rule(s))"


def provenance_rows() -> list[list[str]]:
    rows = [line.strip("|").split("|") for line in
            (DATA / "PROVENANCE.md").read_text().splitlines() if line.startswith("| `crds/")]
    return [[cell.strip() for cell in row] for row in rows]


def test_every_vendored_crd_is_listed_once_with_its_sha256_and_licence() -> None:
    files = sorted(str(p.relative_to(DATA)) for p in (DATA / "crds").rglob("*") if p.is_file())
    rows = provenance_rows()
    assert sorted(row[0].strip("`") for row in rows) == files
    assert len(files) == 9
    for path, project, _upstream, version, sha, licence in rows:
        assert sha.strip("`") == hashlib.sha256((DATA / path.strip("`")).read_bytes()).hexdigest()
        spdx, licence_file = re.fullmatch(r"(\S+) \(`(\S+)`\)", licence).groups()  # type: ignore[union-attr]
        assert (DATA / licence_file).is_file()
        expected = {"kubernetes-sigs/gateway-api": "Apache-2.0", "traefik/traefik": "MIT",
                    "cert-manager/cert-manager": "Apache-2.0"}[project]
        assert spdx == expected, path
        assert version, path
    assert "Apache License\n                           Version 2.0, January 2004" in \
        (DATA / "licenses" / "Apache-2.0.txt").read_text()
    assert "Copyright (c) 2016-2020 Containous SAS; 2020-2025 Traefik Labs" in \
        (DATA / "licenses" / "MIT-traefik.txt").read_text()


def test_the_validator_reads_the_shipped_copy_only() -> None:
    crds = k8s_schema.vendored_crds()
    assert {crd.source for crd in crds.values()} == {
        str(p.relative_to(DATA / "crds")) for p in (DATA / "crds").rglob("*") if p.is_file()}
    assert sorted(f"{v} {k}" for v, k in crds) == [
        "cert-manager.io/v1 Certificate", "cert-manager.io/v1 ClusterIssuer",
        "cert-manager.io/v1 Issuer",
        "gateway.networking.k8s.io/v1 BackendTLSPolicy", "gateway.networking.k8s.io/v1 Gateway",
        "gateway.networking.k8s.io/v1 HTTPRoute", "gateway.networking.k8s.io/v1 ListenerSet",
        "gateway.networking.k8s.io/v1 ReferenceGrant",
        "gateway.networking.k8s.io/v1beta1 Gateway", "gateway.networking.k8s.io/v1beta1 HTTPRoute",
        "gateway.networking.k8s.io/v1beta1 ReferenceGrant",
        *(f"traefik.io/v1alpha1 {kind}" for kind in (
            "IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "Middleware", "MiddlewareTCP",
            "ServersTransport", "ServersTransportTCP", "TLSOption", "TLSStore", "TraefikService")),
    ]
    assert [key for key, crd in crds.items() if crd.cluster_scoped] == [
        ("cert-manager.io/v1", "ClusterIssuer")]


def validate(*args: str) -> tuple[int, str, str]:
    return run_main(["validate", *args])


@pytest.mark.parametrize(("case", "variant", "rules"), [
    ("shop", "gateway-api", 210),
    ("shop", "gateway-api-traefik", 210),
    ("shop", "gateway-api-nginx-gateway-fabric", 210),
    ("shop", "traefik-crd", 1),
    ("mtls", "gateway-api-nginx-gateway-fabric", 185),
    ("mtls", "traefik-crd", 0),
])
def test_a_good_render_passes(case: str, variant: str, rules: int) -> None:
    target = "traefik-crd" if variant == "traefik-crd" else "gateway-api"
    impl = variant.removeprefix("gateway-api").removeprefix("-")
    code, out, err = validate(str(GOLDEN / "k8s" / "specs" / f"{case}.yaml"), "--target", target,
                              *(["--impl", impl] if impl and target == "gateway-api" else []))
    golden = sorted((GOLDEN / "k8s" / case / variant / target).glob("*.yaml"))
    manifests = sum(len(load_manifests(p.read_text())) for p in golden)
    assert (code, err) == (0, "")
    assert out == (f"{target}: ok: {manifests} manifest(s) in {len(golden)} file(s) valid "
                   f"{AGAINST.format(rules)}\n")


def mutated(
    monkeypatch: pytest.MonkeyPatch, file: str, change: Callable[[list[Any]], None]
) -> None:
    """Render as usual, then change the documents of one rendered file before the check."""
    real = targets.render

    def render(*args: Any, **kwargs: Any) -> Rendered:
        rendered = real(*args, **kwargs)
        docs = load_manifests(rendered.files[file])
        change(docs)
        return Rendered({**rendered.files, file: dump("# mutated\n", docs)}, rendered.warnings)

    monkeypatch.setattr(targets, "render", render)


def test_an_unknown_field_is_reported_with_its_file_document_object_and_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def typo(docs: list[Any]) -> None:
        assert docs[1]["metadata"]["name"] == "tlsconf-blog"
        docs[1]["spec"]["minTLSVersion"] = docs[1]["spec"].pop("minVersion")

    mutated(monkeypatch, "traefik-crd/tlsoptions.yaml", typo)
    code, out, err = validate(str(SHOP), "--target", "traefik-crd")
    assert (code, out) == (1, "")
    assert err == (
        f"traefik-crd: FAILED: 1 problem(s) in 15 manifest(s) in 6 file(s) checked "
        f"{AGAINST.format(1)}\n"
        "    traefik-crd/tlsoptions.yaml:doc 2: TLSOption/tlsconf-blog: spec.minTLSVersion: "
        "unknown "
        "field; allowed: alpnProtocols, cipherSuites, clientAuth, curvePreferences, "
        "disableSessionTickets, maxVersion, minVersion, preferServerCipherSuites, sniStrict\n")


def test_a_broken_cel_rule_is_reported_with_the_rules_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def drop_redirect(docs: list[Any]) -> None:
        assert docs[1]["metadata"]["name"] == "blog-http"
        (redirect,) = docs[1]["spec"]["rules"][0]["filters"]
        assert redirect["type"] == "RequestRedirect"
        del redirect["requestRedirect"]

    mutated(monkeypatch, "gateway-api/httproutes.yaml", drop_redirect)
    code, out, err = validate(str(SHOP), "--target", "gateway-api")
    assert (code, out) == (1, "")
    assert err == (
        f"gateway-api: FAILED: 1 problem(s) in 10 manifest(s) in 5 file(s) checked "
        f"{AGAINST.format(210)}\n"
        "    gateway-api/httproutes.yaml:doc 2: HTTPRoute/blog-http: spec.rules[0].filters[0]: "
        "filter.requestRedirect must be specified for RequestRedirect filter.type\n")


def test_metadata_a_missing_field_and_a_duplicate_object_are_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def break_them(docs: list[Any]) -> None:
        docs[0]["metadata"]["name"] = "Blog_Cert"
        del docs[1]["spec"]["secretName"]
        docs.append(json.loads(json.dumps(docs[1])))

    mutated(monkeypatch, "traefik-crd/certificates.yaml", break_them)
    code, _, err = validate(str(SHOP), "--target", "traefik-crd")
    assert code == 1
    assert err.splitlines()[1:] == [
        "    traefik-crd/certificates.yaml:doc 1: Certificate/Blog_Cert: metadata.name: "
        "'Blog_Cert' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at "
        "most 253)",
        "    traefik-crd/certificates.yaml:doc 2: Certificate/shop: spec.secretName: required "
        "field is missing",
        "    traefik-crd/certificates.yaml:doc 3: Certificate/shop: metadata.name: Certificate "
        "'shop' is also traefik-crd/certificates.yaml:doc 2; applying both keeps only the last",
        "    traefik-crd/certificates.yaml:doc 3: Certificate/shop: spec.secretName: required "
        "field is missing",
    ]


def test_a_kind_without_a_vendored_crd_is_an_error_not_a_pass() -> None:
    code, out, err = validate(str(SHOP), "--target", "gateway-api", "--impl", "envoy-gateway")
    assert (code, out) == (2, "")
    assert err == (
        "gateway-api: FAILED: 2 manifest(s) have no vendored CRD and cannot be checked offline; "
        "0 problem(s) in the other 10 manifest(s) in 6 file(s) checked "
        f"{AGAINST.format(210)}\n"
        "    gateway-api/clienttrafficpolicies.yaml:doc 1: ClientTrafficPolicy/blog: (root): no "
        "vendored CRD for apiVersion 'gateway.envoyproxy.io/v1alpha1' kind "
        "'ClientTrafficPolicy'; it cannot be checked offline\n"
        "    gateway-api/clienttrafficpolicies.yaml:doc 2: ClientTrafficPolicy/shop: (root): no "
        "vendored CRD for apiVersion 'gateway.envoyproxy.io/v1alpha1' kind "
        "'ClientTrafficPolicy'; it cannot be checked offline\n")


@pytest.mark.parametrize("module", k8s_schema.EXTRA_MODULES)
def test_a_missing_k8s_extra_is_exit_2_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    code, out, err = validate(str(SHOP), "--target", "traefik-crd")
    assert (code, out) == (2, "")
    assert err == (f"traefik-crd: FAILED: checking Kubernetes manifests needs the k8s extra "
                   f"(module {module!r} is missing): pip install 'tlsconf[k8s]'\n")


def test_impl_needs_gateway_api() -> None:
    assert validate(str(SHOP), "--target", "traefik-crd", "--impl", "traefik") == (
        2, "", "--impl: 'traefik' needs --target gateway-api and one of: traefik, "
        "envoy-gateway, nginx-gateway-fabric\n")
    assert validate(str(SHOP), "--target", "k8s") == (
        2, "", "--target: unknown target 'k8s'; allowed: nginx, haproxy, traefik, envoy, caddy, "
        "gateway-api, traefik-crd, all\n")


def test_only_validate_of_a_kubernetes_target_imports_the_k8s_extra() -> None:
    probe = (
        "import sys\n"
        "from support.inprocess import run_main\n"
        f"assert run_main(['render', {str(SHOP)!r}, '--target', 'gateway-api'])[0] == 0\n"
        "before = sorted(m for m in ('jsonschema', 'celpy') if m in sys.modules)\n"
        f"assert run_main(['validate', {str(SHOP)!r}, '--target', 'gateway-api'])[0] == 0\n"
        "after = sorted(m for m in ('jsonschema', 'celpy') if m in sys.modules)\n"
        "print(before, after)\n"
    )
    tests = Path(__file__).resolve().parent
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=False, cwd=tests,
                            env={**os.environ, "PYTHONPATH": str(tests)})
    assert (result.returncode, result.stdout) == (0, "[] ['celpy', 'jsonschema']\n"), \
        result.stderr
