"""The YAML layer: positions for every value, and refusal of what a spec never needs."""

from __future__ import annotations

import time

import pytest

from tlsconf.errors import TlsconfError
from tlsconf.source import PURE_RETRY_CHARS, decode, load, read_bytes


def refused(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(TlsconfError) as info:
        load("s.yaml", decode("s.yaml", data))
    return str(info.value)


def test_positions_of_values_and_keys() -> None:
    doc = load("s.yaml", "sites:\n  - name: a\n    domains: [a.com, 'b.com']\n")
    assert doc.data == {"sites": [{"name": "a", "domains": ["a.com", "b.com"]}]}
    assert doc.values[("sites", 0, "name")] == (2, 11)
    assert doc.values[("sites", 0, "domains", 1)] == (3, 22)
    assert doc.keys[("sites", 0, "domains")] == (3, 5)
    assert str(doc.locate(("sites", 0, "domains", 7))) == "s.yaml:3:14"


def test_yaml_12_core_schema() -> None:
    doc = load("s.yaml", "a: on\nb: no\nc: 0o17\nd: 0x1f\ne: ~\nf: True\ng: '1'\nh: 1.5\n")
    assert doc.data == {
        "a": "on",
        "b": "no",
        "c": 15,
        "d": 31,
        "e": None,
        "f": True,
        "g": "1",
        "h": 1.5,
    }


def test_flow_mapping_with_colon_in_plain_scalar_is_yaml_12() -> None:
    # libyaml refuses this valid YAML 1.2; the pure parser is the fallback.
    doc = load("s.yaml", "upstreams: [{address: 127.0.0.1:8080}]\n")
    assert doc.data == {"upstreams": [{"address": "127.0.0.1:8080"}]}


def test_large_file_refused_by_libyaml_is_not_reread_slowly() -> None:
    # The pure parser reads ~0.4 MB/s: above PURE_RETRY_CHARS libyaml's error stands, with the
    # way out; at the limit the same text is still read as YAML 1.2.
    line = "upstreams: [{address: 127.0.0.1:8080}]\n"
    padding = "# " + "x" * 97 + "\n"
    at_limit = (padding * (PURE_RETRY_CHARS // len(padding)))[: PURE_RETRY_CHARS - len(line)]
    at_limit = at_limit[: at_limit.rfind("\n") + 1]
    assert load("s.yaml", at_limit + line).data == {"upstreams": [{"address": "127.0.0.1:8080"}]}
    over = padding * (PURE_RETRY_CHARS // len(padding) + 1) + line
    lines = over.count("\n")
    with pytest.raises(TlsconfError) as caught:
        load("s.yaml", over)
    assert str(caught.value.problems[0]) == (
        f"s.yaml:{lines}:32: YAML syntax error: found unexpected ':' (read as YAML 1.1: a file "
        "over 256 KiB is not re-read with the slower YAML 1.2 parser; inside [ ] or { }, quote "
        "a value that contains ':')"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x 1\nb: *x\n", "s.yaml:1:4: a: YAML anchors (&name) are not allowed"),
        ("a: !!python/object:os.system 1\n", "s.yaml:1:4: a: explicit YAML tags"),
        ("a: !custom 1\n", "s.yaml:1:4: a: explicit YAML tags (!custom) are not allowed"),
        ("<<: {a: 1}\n", "s.yaml:1:1: YAML merge keys (<<) are not allowed"),
        ("a: 1\na: 2\n", "s.yaml:2:1: a: duplicate key 'a'"),
        ("%YAML 1.2\n---\na: 1\n", "s.yaml:1:1: YAML directives"),
        ("a: 1\n---\nb: 2\n", "s.yaml:2:1: only one YAML document is allowed per file"),
        ("- 1\n", "s.yaml:1:1: the top level must be a mapping with `sites`"),
        ("", "s.yaml:1:1: the file is empty"),
        ("a: [1, 2\n", "s.yaml:2:1: YAML syntax error"),
        ("? [a]\n: 1\n", "s.yaml:1:3: mapping keys must be strings, not mappings"),
        ("a: 1\nb: \u2028\n", "s.yaml:2:4: character U+2028 is not allowed"),
        ("a: 1\x00\n", "s.yaml:1:5: character U+0000 is not allowed"),
        (b"a: \xff\n", "s.yaml:1:4: invalid UTF-8 (byte 0xff)"),
    ],
)
def test_refusals_name_the_position(text: str | bytes, message: str) -> None:
    assert refused(text).startswith(message)


def test_deep_nesting_refused_quickly() -> None:
    started = time.perf_counter()
    assert "nesting deeper than" in refused("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert time.perf_counter() - started < 1.0


def test_alias_bomb_refused_at_first_anchor() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(9)
    )
    started = time.perf_counter()
    assert "YAML anchors" in refused(bomb)
    assert time.perf_counter() - started < 1.0


def test_oversized_file_refused_before_reading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing it
    with pytest.raises(TlsconfError) as info:
        read_bytes(str(big))
    assert "the limit is 16777216" in str(info.value)
