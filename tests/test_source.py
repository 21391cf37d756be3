"""The YAML layer: positions for every value, and refusal of what a spec never needs."""

from __future__ import annotations

import time

import pytest

from tlsconf import source
from tlsconf.errors import TlsconfError
from tlsconf.source import DEFAULT_MAX_BYTES, decode, load, read_bytes


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
    # The older libyaml of ruamel.yaml.clib refused this valid YAML 1.2; PyYAML's libyaml 0.2
    # reads it as YAML 1.2 does.
    doc = load("s.yaml", "upstreams: [{address: 127.0.0.1:8080}]\n")
    assert doc.data == {"upstreams": [{"address": "127.0.0.1:8080"}]}
    assert source._c_parser() is not None  # the libyaml path, not the pure-Python fallback


def flow_site(i: int) -> str:
    """One site in the README's flow style: `:` inside plain scalars in [ ] and { }."""
    return (f"  - name: s{i}\n"
            f"    domains: [s{i}.example.com, api.s{i}.example.com]\n"
            f"    tls: {{certificate: /etc/ssl/s{i}.pem, key: /etc/ssl/s{i}.key}}\n"
            f"    upstreams: [{{address: 10.0.{i // 250}.{i % 250 + 1}:8080, weight: 2}},"
            f" {{address: [s{i}.internal:80, x:y], weight: 1}}]\n")


def flow_spec(sites: int, tail: str = "") -> str:
    return "sites:\n" + "".join(flow_site(i) for i in range(sites)) + tail


def expected_site(i: int) -> dict[str, object]:
    return {"name": f"s{i}", "domains": [f"s{i}.example.com", f"api.s{i}.example.com"],
            "tls": {"certificate": f"/etc/ssl/s{i}.pem", "key": f"/etc/ssl/s{i}.key"},
            "upstreams": [{"address": f"10.0.{i // 250}.{i % 250 + 1}:8080", "weight": 2},
                          {"address": [f"s{i}.internal:80", "x:y"], "weight": 1}]}


# About 10 KiB, over 256 KiB (where the YAML 1.2 retry used to stop) and over 1 MiB.
SIZES = (60, 1700, 6500)


def test_flow_style_spec_means_the_same_at_every_size() -> None:
    docs = []
    for sites in SIZES:
        text = flow_spec(sites)
        assert len(text) > {60: 10_000, 1700: 256 * 1024, 6500: 1024 * 1024}[sites]
        doc = load("s.yaml", text)
        assert doc.data == {"sites": [expected_site(i) for i in range(sites)]}
        docs.append(doc)
    small = docs[0]
    for doc in docs[1:]:  # the first 60 sites: the same text, so the same positions
        for table, small_table in ((doc.values, small.values), (doc.keys, small.keys)):
            assert {p: m for p, m in table.items() if len(p) < 2 or p[1] < 60} == small_table
    last = docs[-1]
    line = 1 + 4 * 6499 + 4  # the last site's upstreams line
    upstreams = flow_site(6499).splitlines()[3]
    assert last.values[("sites", 6499, "upstreams", 0, "address")] == (
        line, upstreams.index("10.0.25.250:8080") + 1)
    assert last.values[("sites", 6499, "upstreams", 1, "address", 1)] == (
        line, upstreams.index("x:y") + 1)


@pytest.mark.parametrize("sites", SIZES)
def test_syntax_errors_are_the_same_at_every_size(sites: int) -> None:
    # libyaml's remaining refusal of flow-style YAML 1.2 (`:` right before `}`), reported the
    # same way whatever follows it.
    text = flow_spec(3) + "  - {name: x, address: 10.0.0.1:}\n" + \
        "".join(flow_site(i) for i in range(3, sites))
    with pytest.raises(TlsconfError) as caught:
        load("s.yaml", text)
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:14:32: YAML syntax error: found unexpected ':' (inside [ ] or { }, a plain "
        "value cannot have ':' right before , [ ] { } or ?; quote it)"]


def test_surrogate_escapes_are_refused_with_their_position() -> None:
    # JSON writes U+1F600 as "\\ud83d\\ude00"; libyaml refuses escaped surrogates (no character
    # has that code point), at every size. Written as itself, the character loads.
    assert refused('a: "x\\ud83d\\ude00"\n') == (
        "s.yaml:1:8: YAML syntax error: found invalid Unicode character escape code")
    assert load("s.yaml", 'a: "x\U0001F600"\n').data == {"a": "x\U0001F600"}


def test_large_hostile_file_is_refused_in_bounded_time() -> None:
    # Within 1 MiB of the 16 MiB limit, flow style throughout, broken at its very end: one
    # linear pass of libyaml, never a second, slower reading (ruamel's pure parser: ~60 s).
    block = "".join(flow_site(i) for i in range(1000))
    text = "sites:\n" + block * (DEFAULT_MAX_BYTES // len(block) - 1)
    text += "  - {address: [10.0.0.1:8080\n"
    assert DEFAULT_MAX_BYTES - 1024 * 1024 < len(text) <= DEFAULT_MAX_BYTES
    started = time.process_time()  # CPU time: the machine may be busy with other work
    with pytest.raises(TlsconfError) as caught:
        load("s.yaml", text)
    elapsed = time.process_time() - started
    assert [str(p) for p in caught.value.problems] == [
        f"s.yaml:{text.count(chr(10)) + 1}:1: YAML syntax error: did not find expected ',' or ']'"]
    assert elapsed < 30, elapsed


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
        ("a: \x80\n", "s.yaml:1:4: character U+0080 is not allowed"),  # C1: libyaml's reader
        ("a: \x9f\n", "s.yaml:1:4: character U+009F is not allowed"),  # gave no position
        ("a: \uffff\n", "s.yaml:1:4: character U+FFFF is not allowed"),
        (b"a: \xff\n", "s.yaml:1:4: invalid UTF-8 (byte 0xff)"),
    ],
)
def test_refusals_name_the_position(text: str | bytes, message: str) -> None:
    assert refused(text).startswith(message)


def test_deep_nesting_refused_quickly() -> None:
    started = time.perf_counter()
    assert refused("a: " + "[" * 30 + "]" * 30 + "\n") == (
        "s.yaml:1:27: nesting deeper than 24 levels is not allowed")
    # libyaml's own limit (1000 levels) stops its look-ahead before the builder sees it.
    assert refused("a: " + "[" * 5000 + "]" * 5000 + "\n") == (
        "s.yaml:1:1003: nesting deeper than 24 levels is not allowed")
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
