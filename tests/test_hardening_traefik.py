"""No spec value can inject anything into Traefik or Kubernetes output (property tests).

The Traefik file target and the Kubernetes targets build documents as data and serialise them,
so the question is not quoting but: does a value stay one value? For every field that reaches
`traefik` (file provider), `gateway-api` or `traefik-crd` output, hypothesis draws values
weighted toward the characters YAML, JSON, Go templates and Traefik rules treat specially.
Every value is either refused with a clean error naming the field, or:

- the text is ASCII without control characters (but LF) and without `{{` (Traefik runs every
  dynamic file through Go `text/template`; Helm and Kustomize plugins do the same with
  manifests);
- the files load identically as JSON (Traefik), as YAML 1.2 (ruamel) and as YAML 1.1 (PyYAML,
  what a YAML 1.1 reader such as Go's `yaml.v2` resolves) — no scalar changes type;
- the loaded documents are exactly those of a benign placeholder of the same kind with the
  placeholder replaced by the validated value (so the value is where the placeholder was, one
  leaf or key, and nothing else changed; router priorities, which count path lengths, are
  masked); and every Traefik rule (`rule`, `match`) has exactly the backtick literals of the
  placeholder's rule, with the value as one whole literal;
- no key or object reference contains `@` (another Traefik provider's namespace).

`TLSCONF_HYPOTHESIS_EXAMPLES=10000` runs the dedicated long run; `TLSCONF_HARDENING_STATS=FILE`
appends accepted/refused counts per field and target as JSON lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from support import hardening

from tlsconf import policy, targets
from tlsconf.errors import TlsconfError
from tlsconf.specfile import parse_spec

EXAMPLES = hardening.examples(30)
DERANDOMIZE = hardening.DERANDOMIZE
SPECIAL = list(hardening.NGINX_SPECIAL + "&|!:,[]()")
ALPHABET = hardening.alphabet(SPECIAL)
VALUES = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=40),
    hardening.NAMES,
    hardening.near_valid(SPECIAL, ALPHABET),
    # Traefik rule breakouts and template actions around a valid value.
    st.builds(lambda a, c: a + c, hardening.SAFE, st.sampled_from(
        ["`) || Host(`x", "{{ env \"HOME\" }}", "@internal", "\" || true", "`", "}}"])),
)
PORTS = hardening.ports("+80", "080", "")
ADDRESSES = hardening.addresses(VALUES, PORTS)

APP, API, ACME = "app.base-internal:8080", "api.base-internal:9000", "acme.base-internal:8402"
SITE: dict[str, Any] = {
    "name": "s",
    "domains": ["a.example.com"],
    "tls": {"certificate": "/etc/ssl/c.pem", "key": "/etc/ssl/k.pem",
            "client_auth": {"ca": "/etc/ssl/ca.pem"}},
    "upstreams": [{"address": APP}],
    "acme_upstream": ACME,
    "health_check": {"path": "/health"},
    "headers": {"X-Test": "ok"},
    "locations": [{"path": "/api/", "upstreams": [{"address": API}]}],
    "kubernetes": {"secret": "s-secret", "client_ca": "s-ca"},
}
# Namespaces a generated value will not hit by chance: a value equal to one of them would
# legitimately change the output's shape (no ReferenceGrant within one namespace).
K8S: dict[str, Any] = {
    "namespace": "base-web-7q",
    "gateway": {"name": "gw", "namespace": "base-infra-7q", "class_name": "traefik"},
    "issuer": {"name": "le"},
    "services": {
        APP: {"name": "app", "port": 80},
        API: {"name": "api", "port": 81, "namespace": "base-other-7q",
              "tls": {"hostname": "api.internal", "ca_configmap": "api-ca"}},
        ACME: {"name": "acme", "port": 8089},
    },
}
FILE, GATEWAY, CRD = "traefik", "gateway-api", "traefik-crd"
ALL = (FILE, GATEWAY, CRD)
K8S_ONLY = (GATEWAY, CRD)


def _site(*path: str | int) -> Callable[[dict[str, Any], str], None]:
    def put(spec: dict[str, Any], value: str) -> None:
        node: Any = spec["sites"][0]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return put


def _k8s(*path: str) -> Callable[[dict[str, Any], str], None]:
    def put(spec: dict[str, Any], value: str) -> None:
        node: Any = spec["kubernetes"]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return put


def _upstream(spec: dict[str, Any], value: str) -> None:
    spec["sites"][0]["upstreams"] = [{"address": value}]
    spec["kubernetes"]["services"][value] = spec["kubernetes"]["services"].pop(APP)


def _acme(spec: dict[str, Any], value: str) -> None:
    spec["sites"][0]["acme_upstream"] = value
    spec["kubernetes"]["services"][value] = spec["kubernetes"]["services"].pop(ACME)


@dataclass(frozen=True)
class Field:
    put: Callable[[dict[str, Any], str], None]
    value: Callable[[Any], str]  # the validated value, from the Spec model
    placeholder: str  # a benign value of the same kind
    targets: tuple[str, ...] = ALL
    values: Any = VALUES
    prefix: str = ""


def _first_site(get: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda spec: get(spec.sites[0])


FIELDS: dict[str, Field] = {
    "domain": Field(lambda s, v: s["sites"][0].__setitem__("domains", [v]),
                    _first_site(lambda m: m.domains[0]), "zq-domain.example"),
    "certificate": Field(_site("tls", "certificate"), _first_site(lambda m: m.tls.certificate),
                         "/zq/cert.pem", (FILE,), prefix="/"),
    "key": Field(_site("tls", "key"), _first_site(lambda m: m.tls.key), "/zq/key.pem", (FILE,),
                 prefix="/"),
    "client_ca": Field(_site("tls", "client_auth", "ca"),
                       _first_site(lambda m: m.tls.client_auth.ca), "/zq/ca.pem", (FILE,),
                       prefix="/"),
    "header_value": Field(lambda s, v: s["sites"][0].__setitem__("headers", {"X-Test": v}),
                          _first_site(lambda m: m.headers["X-Test"]), "zq value"),
    "header_name": Field(lambda s, v: s["sites"][0].__setitem__("headers", {v: "ok"}),
                         _first_site(lambda m: next(iter(m.headers))), "X-Zq-Name"),
    "location": Field(_site("locations", 0, "path"), _first_site(lambda m: m.locations[0].path),
                      "/zq-path/", prefix="/"),
    "health_check": Field(_site("health_check", "path"),
                          _first_site(lambda m: m.health_check.path), "/zq-health", (FILE,),
                          prefix="/"),
    "upstream": Field(_upstream, _first_site(lambda m: m.upstreams[0].address),
                      "zq-upstream.example:8080", values=ADDRESSES),
    "acme_upstream": Field(_acme, _first_site(lambda m: m.acme_upstream),
                           "zq-acme.example:8402", values=ADDRESSES),
    "site_name": Field(_site("name"), _first_site(lambda m: m.name), "zqsite"),
    "namespace": Field(_k8s("namespace"), lambda m: m.kubernetes.namespace, "zqns", K8S_ONLY),
    "gateway_name": Field(_k8s("gateway", "name"), lambda m: m.kubernetes.gateway.name, "zqgw",
                          (GATEWAY,)),
    "gateway_namespace": Field(_k8s("gateway", "namespace"),
                               lambda m: m.kubernetes.gateway.namespace, "zqgwns", (GATEWAY,)),
    "class_name": Field(_k8s("gateway", "class_name"), lambda m: m.kubernetes.gateway.class_name,
                        "zqclass", (GATEWAY,)),
    "issuer": Field(_k8s("issuer", "name"), lambda m: m.kubernetes.issuer.name, "zqissuer",
                    K8S_ONLY),
    "secret": Field(_site("kubernetes", "secret"),
                    _first_site(lambda m: m.kubernetes.secret), "zqsecret", K8S_ONLY),
    "client_ca_object": Field(_site("kubernetes", "client_ca"),
                              _first_site(lambda m: m.kubernetes.client_ca), "zqclientca",
                              K8S_ONLY),
    "service_name": Field(lambda s, v: s["kubernetes"]["services"][API].__setitem__("name", v),
                          lambda m: m.kubernetes.services[API].name, "zqsvc", K8S_ONLY),
    "service_namespace": Field(
        lambda s, v: s["kubernetes"]["services"][API].__setitem__("namespace", v),
        lambda m: m.kubernetes.services[API].namespace, "zqsvcns", K8S_ONLY),
    "backend_hostname": Field(
        lambda s, v: s["kubernetes"]["services"][API]["tls"].__setitem__("hostname", v),
        lambda m: m.kubernetes.services[API].tls.hostname, "zq-backend.example", K8S_ONLY),
    "ca_configmap": Field(
        lambda s, v: s["kubernetes"]["services"][API]["tls"].__setitem__("ca_configmap", v),
        lambda m: m.kubernetes.services[API].tls.ca_configmap, "zqcaconfigmap", K8S_ONLY),
}
CASES = [(name, target) for name, field in sorted(FIELDS.items()) for target in field.targets]


def spec_for(field: Field, raw: str) -> dict[str, Any]:
    spec = {"sites": [json.loads(json.dumps(SITE))], "kubernetes": json.loads(json.dumps(K8S))}
    field.put(spec, raw)
    return spec


def render(target: str, spec: dict[str, Any]) -> tuple[dict[str, str], Any] | TlsconfError:
    try:
        loaded = parse_spec("h.yaml", json.dumps(spec, ensure_ascii=True).encode())
        return targets.render(target, loaded, policy.resolve(loaded)).files, loaded.spec
    except TlsconfError as error:
        return error


# -- reading the output back -------------------------------------------------------------------


def load(name: str, text: str) -> Any:
    """Every reader agrees: JSON (Traefik's files), YAML 1.2 and YAML 1.1 (libyaml-based
    loaders of ruamel and PyYAML; ruamel resolves scalars as YAML 1.2, PyYAML as 1.1)."""
    yaml11 = pytest.importorskip("yaml")
    loader = getattr(yaml11, "CSafeLoader", yaml11.SafeLoader)
    if name.startswith("traefik/"):
        body = "".join(line for line in text.splitlines(keepends=True)
                       if not line.startswith("#"))
        data = json.loads(body)
        assert _YAML12.load(text) == data
        assert yaml11.load(text, Loader=loader) == data  # a safe loader
        return data
    docs = [d for d in _YAML12.load_all(text) if d is not None]
    assert [d for d in yaml11.load_all(text, Loader=loader) if d is not None] == docs
    return docs


_YAML12 = YAML(typ="safe", pure=False)


def clean_text(files: dict[str, str]) -> None:
    for name, text in files.items():
        assert text.isascii(), name
        assert not any(c in text for c in "\r\x00\x0b\x0c\t\x7f"), name
        assert "{{" not in text and "}}" not in text, name


_NAME_KEYS = {"service", "middlewares", "options", "entryPoints", "to", "fallback", "name",
              "secretName", "secretNames", "serversTransport"}


def no_provider_refs(node: Any, name: bool = False) -> None:
    """Every key is a string; no key or object reference holds `@`; no string, once read,
    holds a control character or non-ASCII (a JSON escape would hide one from the text)."""
    if isinstance(node, dict):
        for key, value in node.items():
            assert isinstance(key, str), f"a key read as {type(key).__name__}: {key!r}"
            assert "@" not in key and _PRINTABLE.fullmatch(key), key
            no_provider_refs(value, key in _NAME_KEYS)
    elif isinstance(node, list):
        for item in node:
            no_provider_refs(item, name)
    elif isinstance(node, str):
        assert _PRINTABLE.fullmatch(node), f"{node!r} once read"
        assert not name or "@" not in node, node


_PRINTABLE = re.compile(r"[\x20-\x7e]*")


def rule_literals(rule: str) -> list[str]:
    """The literals of a Traefik v3 rule (backtick or Go double-quoted strings), checking that
    everything between them is matcher names, operators and punctuation."""
    literals = []
    i = 0
    while i < len(rule):
        c = rule[i]
        if c == "`":
            end = rule.index("`", i + 1)  # ValueError: an unterminated literal
            literals.append(rule[i + 1:end])
            i = end + 1
        elif c == '"':
            j = i + 1
            while rule[j] != '"':
                j += 2 if rule[j] == "\\" else 1
            literals.append(json.loads(rule[i:j + 1]))
            i = j + 1
        else:
            assert c.isalnum() or c in " ()&|!,", f"unexpected {c!r} in rule {rule!r}"
            i += 1
    return literals


def rules(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("rule", "match") and isinstance(value, str):
                out.append(value)
            else:
                out += rules(value)
    elif isinstance(node, list):
        for item in node:
            out += rules(item)
    return out


def substitute(node: Any, pairs: list[tuple[str, str]]) -> Any:
    """The document with each placeholder replaced by the value, priorities masked and (for
    Kubernetes, whose lists are sorted by name) lists in a canonical order."""
    def text(s: str) -> str:
        for old, new in pairs:
            s = s.replace(old, new)
        return s

    if isinstance(node, dict):
        return {text(k): 0 if k == "priority" else substitute(v, pairs) for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(item, pairs) for item in node]
    return text(node) if isinstance(node, str) else node


def canonical(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: canonical(v) for k, v in node.items()}
    if isinstance(node, list):
        return sorted((canonical(i) for i in node), key=lambda x: json.dumps(x, sort_keys=True))
    return node


def pairs_for(placeholder: str, value: str) -> list[tuple[str, str]]:
    pairs = [(placeholder, value)]
    if placeholder.startswith("*."):  # HostRegexp: the suffix with its dots escaped
        pairs.insert(0, (placeholder[2:].replace(".", "\\."), value[2:].replace(".", "\\.")))
    return pairs


_baselines: dict[tuple[str, str, str], tuple[dict[str, Any], str]] = {}


def baseline(name: str, target: str, wildcard: bool) -> tuple[dict[str, Any], str]:
    """The loaded output of the placeholder, and its validated form."""
    field = FIELDS[name]
    placeholder = ("*." if wildcard else "") + field.placeholder
    key = (name, target, placeholder)
    if key not in _baselines:
        result = render(target, spec_for(field, placeholder))
        assert not isinstance(result, TlsconfError), result
        files, model = result
        _baselines[key] = ({n: load(n, t) for n, t in files.items()}, field.value(model))
    return _baselines[key]


def check_accepted(name: str, target: str, files: dict[str, str], model: Any) -> None:
    field = FIELDS[name]
    clean_text(files)
    loaded = {n: load(n, t) for n, t in files.items()}
    no_provider_refs(loaded)
    value = field.value(model)
    base, placeholder = baseline(name, target, name == "domain" and value.startswith("*."))
    pairs = pairs_for(placeholder, value)
    assert sorted(loaded) == sorted(base)
    for n in loaded:
        expected = substitute(base[n], pairs)
        got = substitute(loaded[n], [])
        if target != FILE:
            expected, got = canonical(expected), canonical(got)
        assert got == expected, f"{n}: the output differs from the placeholder's beyond {value!r}"
        want = sorted(json.dumps([substitute(lit, pairs) for lit in rule_literals(r)])
                      for r in rules(base[n]))
        have = sorted(json.dumps(rule_literals(r)) for r in rules(loaded[n]))
        assert have == want, f"{n}: rule literals changed"


@pytest.mark.parametrize(("name", "target"), CASES)
def test_no_value_injects(name: str, target: str) -> None:
    field = FIELDS[name]
    counts = {"accepted": 0, "refused": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(field.values)
    def check(raw: str) -> None:
        result = render(target, spec_for(field, field.prefix + raw))
        if isinstance(result, TlsconfError):
            counts["refused"] += 1
            assert result.problems, "a refusal must carry a problem"
            for problem in result.problems:
                assert problem.path.startswith(("sites[0]", "kubernetes")), problem
                assert "Traceback" not in problem.message
            return
        counts["accepted"] += 1
        check_accepted(name, target, *result)

    check()
    hardening.record(target, name, counts["accepted"], counts["refused"], EXAMPLES)
    assert counts["accepted"], f"no generated {name} value was accepted: never exercised"


KNOWN = [
    ("header_value", "{{ env \"HOME\" }}"),
    ("header_value", "a`b"),
    ("header_value", "\"quoted\" 'single' \\back #hash ;semi @at"),
    ("location", "/a`) || PathPrefix(`/"),
    ("domain", "a.example.com`) || Host(`evil.com"),
    ("site_name", "api@internal"),
    ("certificate", "/etc/{{ env \"HOME\" }}.pem"),
    ("header_name", "X-A: b\nX-C"),
    ("namespace", "kube-system\n---"),
    ("secret", "a}}b"),
    ("domain", "\uff21\uff22\uff23.example.com"),
    ("domain", "bücher.example"),
]


@pytest.mark.parametrize(("name", "value", "target"), [
    (name, value, target) for name, value in KNOWN for target in FIELDS[name].targets])
def test_known_injection_attempts(name: str, value: str, target: str) -> None:
    field = FIELDS[name]
    result = render(target, spec_for(field, value))
    accepted = {"\"quoted\" 'single' \\back #hash ;semi @at", "\uff21\uff22\uff23.example.com",
                "bücher.example"}
    if value in accepted:
        assert not isinstance(result, TlsconfError), result
        check_accepted(name, target, *result)
        if name == "domain":
            assert field.value(result[1]) in ("abc.example.com", "xn--bcher-kva.example")
    else:
        assert isinstance(result, TlsconfError), value
        assert all(p.path.startswith(("sites[0]", "kubernetes")) for p in result.problems)


def test_rule_reader() -> None:
    assert rule_literals("Host(`a`) && PathPrefix(`/b`)") == ["a", "/b"]
    assert rule_literals('(Host("a\\"b") || !Path(`c`))') == ['a"b', "c"]
    with pytest.raises(ValueError):
        rule_literals("Host(`a)")
    with pytest.raises(AssertionError):
        rule_literals("Host(`a`); X")
