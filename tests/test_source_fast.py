"""The YAML builder's unrolled loop (`_Builder.run`) against its one-event-at-a-time reference
(`_Builder.feed`): the same data, value and key positions, and refusals, on both parsers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tlsconf import source
from tlsconf.errors import TlsconfError

ROOT = Path(__file__).resolve().parent.parent


def built(text: str, events: Any, unrolled: bool) -> tuple[str, Any]:
    builder = source._Builder("t.yaml")
    try:
        try:
            if unrolled:
                builder.run(events(text))
            else:
                for event in events(text):
                    builder.feed(event)
        except source._Refused as refused:
            raise TlsconfError([refused.problem]) from None
        doc = builder.document()
    except TlsconfError as error:
        return "refused", [str(p) for p in error.problems]
    except Exception as exc:  # the parser's own error: the same either way
        return "syntax", type(exc).__name__
    return "ok", (repr(doc.data), list(doc.values.items()), list(doc.keys.items()))


def same(text: str) -> None:
    for events in (source._c_events, source._pure_events):
        assert built(text, events, True) == built(text, events, False), events.__name__


TRICKY = [
    "",
    "sites: []\n",
    "- a\n- b\n",
    "just a scalar\n",
    "sites:\n  - name: a\n    domains: [a.example, b.example]\n",
    "sites:\n  - &x {name: a}\n  - *x\n",
    "a: &anchor 1\n",
    "a: !!str 1\n",
    "a: !custom {b: 1}\n",
    "a: !!map {b: 1}\n",
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: 1\n",
    "1: a\n",
    "null: a\n",
    "'1': a\n",
    "a: 1\na: 2\n",
    "<<: {a: 1}\n",
    "'<<': 1\n",
    "a: {<<: {b: 1}}\n",
    "--- \na: 1\n--- \nb: 2\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: [" * 30 + "]" * 30 + "\n",
    "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 30)) + "  " * 30 + "v: 1\n",
    "a: [1, 2.5, -3, 0x1f, 0o17, .inf, -.Inf, .nan, ~, null, true, False, on, no, '', \"\"]\n",
    "a: {b: [c, {d: e}], f: !!null ''}\n",
    "a: |\n  block\n  text\nb: >\n  folded\n",
    "sites:\n  - {address: 127.0.0.1:8080}\n",
    "a: [b, c\n",
    "a: b: c\n",
    "a:\n  - b\n c: d\n",
    "[a, b]: c\n",
    "a: *undefined\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_build_identically(text: str) -> None:
    same(text)


def corpus() -> list[Path]:
    files = [*ROOT.glob("examples/*.yaml"), *ROOT.glob("examples/*.yml"),
             *ROOT.glob("tests/golden/**/*.yaml"), *ROOT.glob("tests/golden/**/*.yml")]
    return sorted(p for p in files if p.is_file())


@pytest.mark.parametrize("path", corpus(), ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_yaml_builds_identically(path: Path) -> None:
    same(path.read_text("utf-8"))


KEYS = st.sampled_from(["name", "sites", "a", "b", "<<", "1", "true", "null", "x y", "é"])
SCALARS = st.one_of(
    st.sampled_from(["", "~", "null", "true", "False", "0x1F", "0o7", "-12", "+.inf", ".NaN",
                     "1e3", "10.0.0.1:8080", "on", "no", "<<", "a: b", "- x", "#c", "'q'"]),
    st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.text(max_size=8),
)
TREES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=25)


def dumped(data: Any, flow: bool | None) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, TREES, max_size=5), st.sampled_from([None, False, True]))
def test_generated_documents_build_identically(data: dict[str, Any], flow: bool | None) -> None:
    same(dumped(data, flow))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    "a", "b", ":", ": ", "- ", "\n", "  ", "[", "]", "{", "}", ",", "&x ", "*x", "!!str ",
    "!t ", "? ", "'", '"', "#", "<<", "1", "~", "---\n", "...\n", "|\n", ">\n",
]), max_size=30).map("".join))
def test_generated_fragments_build_identically(text: str) -> None:
    same(text)


def _events(text: str) -> Iterator[Any]:
    return source._c_events(text)


def test_load_uses_the_unrolled_loop() -> None:
    doc = source.load("t.yaml", "sites:\n  - name: a\n    n: 1\n")
    assert doc.data == {"sites": [{"name": "a", "n": 1}]}
    assert doc.values[("sites", 0, "n")] == (3, 8)
    assert doc.keys[("sites", 0, "n")] == (3, 5)


def reference_resolve(text: str) -> Any:
    """`source._resolve` without its first-character shortcut: the YAML 1.2 core schema."""
    if text == "" or source._NULL.fullmatch(text):
        return None
    if text in source._BOOL:
        return source._BOOL[text]
    if source._INT.fullmatch(text):
        return int(text)
    if source._INT_OCT.fullmatch(text):
        return int(text[2:], 8)
    if source._INT_HEX.fullmatch(text):
        return int(text[2:], 16)
    if source._FLOAT.fullmatch(text):
        return float(text)
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return float("inf")
    if text in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if text in (".nan", ".NaN", ".NAN"):
        return float("nan")
    return text


RESOLVED = ["", "~", "null", "Null", "NULL", "nULL", "true", "True", "TRUE", "tRUE", "false",
            "False", "FALSE", "0", "-0", "+12", "0o17", "0x1f", "0X1F", "1.5", ".5", "-.5", "5.",
            "1e3", "1E-3", "+.inf", "-.Inf", ".INF", ".nan", ".NaN", "on", "no", "yes", "n",
            "t", "f", "name", "10.0.0.1:8080", "/etc/ssl", "é", "_x", "\ufb01", "\uff11\uff12"]


@pytest.mark.parametrize("text", RESOLVED)
def test_resolve_shortcut_changes_nothing(text: str) -> None:
    assert repr(source._resolve(text)) == repr(reference_resolve(text))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(max_size=6), st.text(alphabet="0123456789+-.eExXoOinfaINFAul~tTrs_",
                                               max_size=6)))
def test_resolve_shortcut_changes_nothing_generated(text: str) -> None:
    assert repr(source._resolve(text)) == repr(reference_resolve(text))


@pytest.mark.parametrize("text", [
    "a: [b:c]\n", "a: {x: a:b}\n", "a: [a :b]\n", "a: [b:c: d]\n", "a: [{a:b}]\n",
    "upstreams: [{address: 10.0.0.1:8080, weight: 2}, {address: 'x:1'}]\n",
    "a: [http://x.example/a:b, {k: v}]\n",
])
def test_flow_colons_read_the_same_by_both_parsers(text: str) -> None:
    # The pure-Python fallback (a PyYAML without libyaml) reads flow-style colons as libyaml does.
    c_result = built(text, source._c_events, True)
    pure_result = built(text, source._pure_events, True)
    assert c_result[0] == "ok"
    assert c_result == pure_result
