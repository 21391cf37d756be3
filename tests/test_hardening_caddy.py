"""No spec value can inject anything into the Caddy config (property tests).

The same fields and value strategies as the Traefik file target (`test_hardening_traefik`), plus
the two Caddy also renders (the ACME webroot, served by `file_server`, and the listen address,
which names the servers): every field that reaches `caddy/caddy.json` gets hypothesis values
weighted toward the characters JSON and Caddy treat specially. Every value is either refused
with a clean error naming the field, or:

- the text is ASCII without control characters (but LF) and loads as JSON;
- no key or string, once read, holds a control character, non-ASCII, `{` or `}` — Caddy expands
  `{placeholder}`s at runtime (`{env.SECRET}` in a header value would send the environment to
  clients) — except the placeholders tlsconf writes itself (`PLACEHOLDERS`, `REDIRECT`);
- the loaded document is exactly that of a benign placeholder of the same kind with the
  placeholder replaced by the validated value: the keys and leaves that held the placeholder,
  and no other, changed, each to the placeholder's text with the validated value byte for byte
  in its place (the listen address also in the servers' names, bracketed when IPv6).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import hardening
from test_hardening_traefik import FIELDS, VALUES, Field, pairs_for, spec_for, substitute

from tlsconf import policy, targets
from tlsconf.errors import TlsconfError
from tlsconf.specfile import parse_spec
from tlsconf.targets import caddy
from tlsconf.targets.caddy import FILE, SNI

TARGET = "caddy"
EXAMPLES = hardening.examples(30)


def _webroot(spec: dict[str, Any], value: str) -> None:
    site = spec["sites"][0]
    del site["acme_upstream"]
    site["acme_webroot"] = value


def _listen(spec: dict[str, Any], value: str) -> None:
    spec["sites"][0]["listen"] = {"address": value}


CADDY_FIELDS: dict[str, Field] = {
    **{name: field for name, field in FIELDS.items() if "traefik" in field.targets},
    "acme_webroot": Field(_webroot, lambda m: m.sites[0].acme_webroot, "/zq/webroot", (TARGET,),
                          prefix="/"),
    "listen_address": Field(_listen, lambda m: m.sites[0].listen.address, "127.0.0.7", (TARGET,),
                            st.one_of(VALUES, st.ip_addresses().map(str))),
}
CASES = sorted(CADDY_FIELDS)
# Every `{…}` tlsconf writes on purpose (tlsconf/targets/caddy.py): the TLS server name the
# routes match, the error route's status, X-Real-IP; and the port-80 redirect's Location.
PLACEHOLDERS = {SNI, "{http.error.status_code}", "{http.request.remote.host}"}
REDIRECT = re.compile(r"https://\{http\.request\.host\}(:[1-9][0-9]{0,4})?\{http\.request\.uri\}")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")


def render(spec: dict[str, Any]) -> tuple[str, Any] | TlsconfError:
    try:
        loaded = parse_spec("h.yaml", json.dumps(spec, ensure_ascii=True).encode())
        return targets.render(TARGET, loaded, policy.resolve(loaded)).files[FILE], loaded.spec
    except TlsconfError as error:
        return error


def strings(node: Any) -> list[str]:
    """Every key and string leaf, after loading."""
    if isinstance(node, dict):
        return [*node, *(s for v in node.values() for s in strings(v))]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


def leaves(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """Every scalar leaf by its path; keys are path parts (so a changed key is a changed path)."""
    if isinstance(node, dict):
        return {p: v for k, child in node.items() for p, v in leaves(child, (*path, k)).items()}
    if isinstance(node, list):
        return {p: v for i, child in enumerate(node) for p, v in leaves(child, (*path, i)).items()}
    return {path: node}


def pairs(name: str, placeholder: str, value: str) -> list[tuple[str, str]]:
    if name != "listen_address":
        return pairs_for(placeholder, value)
    # The address names the servers (`https_127-0-0-7_443`) and is bracketed when IPv6.
    return [(f"{kind}_{caddy._slug(placeholder, port)}", f"{kind}_{caddy._slug(value, port)}")
            for kind, port in (("https", 443), ("http", 80))] + [
        (caddy._address(placeholder, port), caddy._address(value, port)) for port in (443, 80)]


_baselines: dict[tuple[str, str], tuple[Any, str]] = {}


def baseline(name: str, wildcard: bool) -> tuple[Any, str]:
    """The loaded output of the placeholder, and its validated form."""
    field = CADDY_FIELDS[name]
    placeholder = ("*." if wildcard else "") + field.placeholder
    if (name, placeholder) not in _baselines:
        result = render(spec_for(field, placeholder))
        assert not isinstance(result, TlsconfError), result
        text, model = result
        _baselines[name, placeholder] = (json.loads(text), field.value(model))
    return _baselines[name, placeholder]


def check_accepted(name: str, text: str, model: Any) -> None:
    assert text.isascii()
    assert not any(c in text for c in "\r\x00\x0b\x0c\t\x7f")
    document = json.loads(text)
    for item in strings(document):
        assert _PRINTABLE.fullmatch(item), f"{item!r} once read"
        assert not ("{" in item or "}" in item) or item in PLACEHOLDERS or REDIRECT.fullmatch(
            item), f"Caddy would expand {item!r}"
    value = CADDY_FIELDS[name].value(model)
    base, placeholder = baseline(name, name == "domain" and value.startswith("*."))
    replace = pairs(name, placeholder, value)
    before, after = leaves(substitute(base, replace)), leaves(document)
    assert sorted(after, key=repr) == sorted(before, key=repr), (
        f"the output's shape differs from the placeholder's beyond {value!r}")
    assert after == before, f"the output differs from the placeholder's beyond {value!r}"
    assert any(value in item for item in strings(document)), f"{value!r} reached no leaf"


@pytest.mark.parametrize("name", CASES)
def test_no_value_injects(name: str) -> None:
    field = CADDY_FIELDS[name]
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
                assert str(problem).startswith(f"h.yaml:{problem.location.line}:"), problem
                assert "Traceback" not in problem.message
            return
        counts["accepted"] += 1
        check_accepted(name, *result)

    check()
    hardening.record(TARGET, name, counts["accepted"], counts["refused"], EXAMPLES)
    assert counts["accepted"], f"no generated {name} value was accepted: never exercised"


@pytest.mark.parametrize(("name", "value"), [
    ("header_value", "{env.HOME}"),
    ("header_value", "{http.request.header.Cookie}"),
    ("header_value", "a\nX-Evil: 1"),
    ("header_name", "X-{env.HOME}"),
    ("location", "/{env.HOME}/"),
    ("health_check", "/{http.vars.x}"),
    ("certificate", "/etc/{env.HOME}.pem"),
    ("acme_webroot", "/srv/{env.HOME}"),
    ("domain", "a.example.com\", \"evil.com"),
    ("upstream", "{env.UPSTREAM}:80"),
    ("listen_address", "{env.ADDR}"),
])
def test_known_injection_attempts_are_refused_at_the_field(name: str, value: str) -> None:
    result = render(spec_for(CADDY_FIELDS[name], value))
    assert isinstance(result, TlsconfError), f"{value!r} was accepted"
    assert all(p.path.startswith(("sites[0]", "kubernetes")) for p in result.problems)


@pytest.mark.parametrize(("old", "new"), [
    ('"zq value"', '"{env.HOME}"'),  # a placeholder tlsconf did not write
    ('"zq value"', '"zq value", "extra"'),  # a second leaf
    ('"X-Real-Ip"', '"X-Real-IP"'),  # a key the value did not go to
    ('"status_code": 421', '"status_code": 200'),  # a leaf the value did not go to
    ('"zq value"', '"zq valu"'),  # not the validated value
])
def test_the_checker_catches_a_tampered_document(old: str, new: str) -> None:
    text, model = render(spec_for(CADDY_FIELDS["header_value"], "zq value"))  # type: ignore[misc]
    check_accepted("header_value", text, model)
    with pytest.raises(AssertionError):
        check_accepted("header_value", text.replace(old, new), model)
