"""No spec value can inject anything into the Envoy bootstrap (property tests).

The same fields and value strategies as the Traefik file target (`test_hardening_traefik`): every
field that reaches `envoy/envoy.yaml` gets hypothesis values weighted toward the characters YAML,
JSON and Envoy treat specially. Every value is either refused with a clean error naming the
field, or:

- the text is ASCII without control characters (but LF);
- it loads identically as JSON, as YAML 1.2 (ruamel) and as YAML 1.1 (PyYAML) — Envoy's
  yaml-cpp reader cannot see another type or structure;
- the loaded document is exactly that of a benign placeholder of the same kind with the
  placeholder replaced by the validated value (one leaf or key, nothing else changed);
- no string holds Envoy's `%COMMAND%` substitution except tlsconf's own X-Real-IP formatter
  (`%ENVIRONMENT(SECRET)%` in a header value would send the environment to clients).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from ruamel.yaml import YAML
from support import hardening
from test_hardening_traefik import FIELDS, spec_for, substitute

from tlsconf.errors import TlsconfError
from tlsconf.targets.envoy import FILE

TARGET = "envoy"
EXAMPLES = hardening.examples(30)
CASES = sorted(name for name, field in FIELDS.items() if "traefik" in field.targets)
FORMATTER = "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"
_PRINTABLE = re.compile(r"[\x20-\x7e]*")


def render(spec: dict[str, Any]) -> tuple[str, Any] | TlsconfError:
    import json

    from tlsconf import policy, targets
    from tlsconf.specfile import parse_spec

    try:
        loaded = parse_spec("h.yaml", json.dumps(spec, ensure_ascii=True).encode())
        return targets.render(TARGET, loaded, policy.resolve(loaded)).files[FILE], loaded.spec
    except TlsconfError as error:
        return error


def leaves(node: Any) -> list[str]:
    """Every key and string leaf, after loading."""
    if isinstance(node, dict):
        return [*node, *(s for v in node.values() for s in leaves(v))]
    if isinstance(node, list):
        return [s for item in node for s in leaves(item)]
    return [node] if isinstance(node, str) else []


_YAML12 = YAML(typ="safe", pure=False)


def load(text: str) -> Any:
    """JSON under the comment header, and the same as YAML 1.2 and YAML 1.1 (PyYAML)."""
    import json

    yaml11 = pytest.importorskip("yaml")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    data = json.loads(body)
    assert _YAML12.load(text) == data
    assert yaml11.load(text, Loader=getattr(yaml11, "CSafeLoader", yaml11.SafeLoader)) == data
    return data


_baselines: dict[tuple[str, str], tuple[Any, str]] = {}


def baseline(name: str, wildcard: bool) -> tuple[Any, str]:
    field = FIELDS[name]
    placeholder = ("*." if wildcard else "") + field.placeholder
    key = (name, placeholder)
    if key not in _baselines:
        result = render(spec_for(field, placeholder))
        assert not isinstance(result, TlsconfError), result
        text, model = result
        _baselines[key] = (load(text), field.value(model))
    return _baselines[key]


def check_accepted(name: str, text: str, model: Any) -> None:
    assert text.isascii()
    assert not any(c in text for c in "\r\x00\x0b\x0c\t\x7f")
    document = load(text)
    for item in leaves(document):
        assert _PRINTABLE.fullmatch(item), f"{item!r} once read"
        assert "%" not in item or item == FORMATTER, item
    value = FIELDS[name].value(model)
    base, placeholder = baseline(name, name == "domain" and value.startswith("*."))
    if name in ("upstream", "acme_upstream"):
        # Envoy takes host and port apart, and an IP makes the cluster STATIC: put the
        # placeholder's socket address back and mask the cluster's resolver fields.
        want = split(placeholder)
        assert unsplit(document, split(value), want) == unsplit(base, want, want), (
            f"the output differs from the placeholder's beyond {value!r}")
        return
    assert document == substitute(base, [(placeholder, value)]), (
        f"the output differs from the placeholder's beyond {value!r}")


def split(address: str) -> dict[str, Any]:
    host, _, port = address.rpartition(":")
    return {"address": host.strip("[]"), "port_value": int(port)}


def unsplit(node: Any, value: dict[str, Any], placeholder: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if node == {"socket_address": value}:
            return {"socket_address": placeholder}
        return {k: unsplit(v, value, placeholder) for k, v in node.items()
                if k not in ("type", "dns_lookup_family")}
    if isinstance(node, list):
        return [unsplit(item, value, placeholder) for item in node]
    return node


@pytest.mark.parametrize("name", CASES)
def test_no_value_injects(name: str) -> None:
    field = FIELDS[name]
    counts = {"accepted": 0, "refused": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize=hardening.DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(field.values)
    def check(raw: str) -> None:
        result = render(spec_for(field, field.prefix + raw))
        if isinstance(result, TlsconfError):
            counts["refused"] += 1
            assert result.problems, "a refusal must carry a problem"
            for problem in result.problems:
                # The spec's Kubernetes section (keyed by upstream address) is validated too.
                assert problem.path.startswith(("sites[0]", "kubernetes")), problem
                assert "Traceback" not in problem.message
            return
        counts["accepted"] += 1
        check_accepted(name, *result)

    check()
    hardening.record(TARGET, name, counts["accepted"], counts["refused"], EXAMPLES)
    assert counts["accepted"], f"no generated {name} value was accepted: never exercised"


@pytest.mark.parametrize(("name", "value"), [
    ("header_value", "%ENVIRONMENT(HOME)%"),
    ("header_value", "%DOWNSTREAM_REMOTE_ADDRESS%"),
    ("header_value", "a\nX-Evil: 1"),
    ("header_name", "X-A: b\nX-C"),
    ("domain", "a.example.com\", \"evil.com"),
    ("location", "/a%2f..%2f"),
    ("certificate", "/etc/%ENVIRONMENT(HOME)%.pem"),
])
def test_known_injection_attempts_are_refused_at_the_field(name: str, value: str) -> None:
    result = render(spec_for(FIELDS[name], value))
    assert isinstance(result, TlsconfError), f"{value!r} was accepted"
    assert all(p.path.startswith("sites[0]") for p in result.problems)
