"""No spec value can inject anything into HAProxy output (property tests).

The pattern of test_hardening_nginx.py, with an independent reader of HAProxy's syntax
(`support.haproxy_tokens`, written from the configuration manual §2.2 and `parse_line()`, and
checked against the real HAProxy below). For every field that reaches `haproxy.cfg` or a
crt-list, hypothesis draws values weighted toward the characters HAProxy treats specially. Every
value is either refused with a clean error naming the field, or rendered so that:

- both files tokenize without error, nothing is dropped after a CR, no word expands an
  environment variable, and every line has at most 64 words;
- the sections, directives and word counts are exactly those a benign value of the same kind
  gives (nothing added, removed or split);
- the validated value is exactly one word wherever the field is written (for a header value,
  one log-format word whose literal text is the value, with no `%` expression).

`TLSCONF_HYPOTHESIS_EXAMPLES=10000` runs the dedicated long run; `TLSCONF_HARDENING_STATS=FILE`
appends accepted/refused counts per field as JSON lines.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import hardening
from support.haproxy_tokens import (
    LogFormatExpression,
    TokenError,
    crt_list,
    log_format_text,
    sections,
    tokenize,
    tokenize_line,
)

from tlsconf import policy
from tlsconf.errors import TlsconfError
from tlsconf.specfile import parse_spec
from tlsconf.targets import haproxy

EXAMPLES = hardening.examples(60)
DERANDOMIZE = hardening.DERANDOMIZE
SPECIAL = list(hardening.NGINX_SPECIAL + "[]")
ALPHABET = hardening.alphabet(SPECIAL)
# Random text, names, and near-valid values with one special character inside.
VALUES = st.one_of(st.text(ALPHABET, min_size=1, max_size=40), hardening.NAMES,
                   hardening.near_valid(SPECIAL, ALPHABET))
PORTS = hardening.ports("+80", "080", "0x50", "")
# Whole upstream addresses, and bracketed IPv6 addresses with a special character inside.
ADDRESSES = hardening.addresses(VALUES, PORTS, st.builds(
    lambda ip, c: f"[{ip}{c}]:8080", st.ip_addresses(v=6).map(str), st.sampled_from(SPECIAL)))

CERT = "/etc/ssl/c.pem"
BASE: dict[str, Any] = {
    "name": "s",
    "domains": ["a.example.com"],
    "tls": {"certificate": CERT, "key": CERT + ".key", "dhparam": "/etc/ssl/dh.pem",
            "client_auth": {"ca": "/etc/ssl/ca.pem"}},
    "upstreams": [{"address": "127.0.0.1:8080"}],
    "acme_upstream": "127.0.0.1:8402",
    "health_check": {"path": "/health"},
    "headers": {"X-Test": "ok"},
    "locations": [{"path": "/api/", "upstreams": [{"address": "127.0.0.1:9000"}]}],
}


def _set(*path: str | int) -> Callable[[dict[str, Any], str], None]:
    def put(site: dict[str, Any], value: str) -> None:
        node: Any = site
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return put


@dataclass(frozen=True)
class Field:
    put: Callable[[dict[str, Any], str], None]
    value: Callable[[Any], str]  # the validated value, read from the Site model
    check: Callable[[Parsed, str], None]  # where the value must be, as exactly one word
    values: Any = VALUES
    prefix: str = ""
    spec: dict[str, Any] | None = None  # top-level spec keys (targets...)


@dataclass
class Parsed:
    cfg: list[Any]  # support.haproxy_tokens.Section
    crt: list[Any]  # CrtListEntry of every crt-list file

    def lines(self, keyword: str) -> list[list[str]]:
        return [line.args for s in self.cfg for line in s.lines if line.args[0] == keyword]


def _in_lines(keyword: str, *, wildcard: Callable[[str], str] | None = None
              ) -> Callable[[Parsed, str], None]:
    def check(parsed: Parsed, value: str) -> None:
        word = wildcard(value) if wildcard and value.startswith("*.") else value
        carried = [args for args in parsed.lines(keyword) if word in args]
        assert carried, f"{word!r} is not one word of any {keyword} line"

    return check


def _regex(domain: str) -> str:
    return "^[^.]+" + "".join(f"[.]{label}" for label in domain[2:].split(".")) + "$"


def _domain_check(parsed: Parsed, value: str) -> None:
    assert any(value in e.filters for e in parsed.crt), f"{value!r} is not a crt-list filter"
    word = _regex(value) if value.startswith("*.") else value
    # The name matchers (SNI, Host) of the HTTPS and HTTP frontends, with the value as one of
    # the patterns after their flags.
    matchers = ("ssl_fc_sni", "req.hdr(host),field(1,:)")
    acl = [args for args in parsed.lines("http-request")
           if any(m in args for m in matchers) and word in args[args.index("{"):]]
    assert len(acl) == 3, f"{word!r}: expected in 3 ACL lines, found {acl}"


def _certificate_check(parsed: Parsed, value: str) -> None:
    assert [e.certificate for e in parsed.crt] == [value]


def _ca_check(parsed: Parsed, value: str) -> None:
    (entry,) = parsed.crt
    i = entry.options.index("ca-file")
    assert entry.options[i + 1] == value


def _header_value_check(parsed: Parsed, value: str) -> None:
    lines = [a for a in parsed.lines("http-after-response") if a[2] == "X-Test"]
    assert lines and all(len(a) == 4 for a in lines)
    assert all(log_format_text(a[3]) == value for a in lines)


def _header_name_check(parsed: Parsed, value: str) -> None:
    lines = [a for a in parsed.lines("http-after-response") if a[2] == value]
    assert lines and all(log_format_text(a[3]) == "ok" for a in lines)


def _key_check(parsed: Parsed, value: str) -> None:
    assert parsed.lines("load") == [["load", "crt", CERT, "key", value]]


def _upstream_check(name: str) -> Callable[[Parsed, str], None]:
    def check(parsed: Parsed, value: str) -> None:
        assert [name, value] in [a[1:3] for a in parsed.lines("server")]

    return check


def _site_name_check(parsed: Parsed, value: str) -> None:
    assert ["backend", [f"tlsconf_{value}"]] in [[s.keyword, s.args] for s in parsed.cfg]
    assert any(f"str({value})" in a for a in parsed.lines("http-request"))


FIELDS: dict[str, Field] = {
    "domain": Field(_set("domains"), lambda m: m.domains[0], _domain_check),
    "certificate": Field(_set("tls", "certificate"), lambda m: m.tls.certificate,
                         _certificate_check, prefix="/"),
    "key": Field(_set("tls", "key"), lambda m: m.tls.key, _key_check, prefix="/",
                 spec={"targets": {"haproxy": {"version": "3.0"}}}),
    "client_ca": Field(_set("tls", "client_auth", "ca"), lambda m: m.tls.client_auth.ca,
                       _ca_check, prefix="/"),
    "dhparam": Field(_set("tls", "dhparam"), lambda m: m.tls.dhparam,
                     _in_lines("ssl-dh-param-file"), prefix="/"),
    "header_value": Field(lambda s, v: s.__setitem__("headers", {"X-Test": v}),
                          lambda m: m.headers["X-Test"], _header_value_check),
    "header_name": Field(lambda s, v: s.__setitem__("headers", {v: "ok"}),
                         lambda m: next(iter(m.headers)), _header_name_check),
    "location": Field(lambda s, v: s["locations"][0].__setitem__("path", v),
                      lambda m: m.locations[0].path, _in_lines("use_backend"), prefix="/"),
    "health_check": Field(_set("health_check", "path"), lambda m: m.health_check.path,
                          _in_lines("http-check"), prefix="/"),
    "upstream": Field(lambda s, v: s.__setitem__("upstreams", [{"address": v}]),
                      lambda m: m.upstreams[0].address, _upstream_check("s1"),
                      values=ADDRESSES),
    "acme_upstream": Field(_set("acme_upstream"), lambda m: m.acme_upstream,
                           _upstream_check("acme"), values=ADDRESSES),
    "site_name": Field(_set("name"), lambda m: m.name, _site_name_check),
}
# A field whose value is a list in the spec.
LISTS = {"domain"}


def site_for(field: Field, raw: str | None, name: str) -> dict[str, Any]:
    site = json.loads(json.dumps(BASE))
    if raw is not None:
        value = field.prefix + raw
        field.put(site, [value] if name in LISTS else value)  # type: ignore[arg-type]
    return site


def render(field: Field, site: dict[str, Any]) -> tuple[dict[str, str], Any] | TlsconfError:
    spec = {"sites": [site], **(field.spec or {})}
    try:
        loaded = parse_spec("h.yaml", json.dumps(spec, ensure_ascii=True).encode())
        return haproxy.render(loaded, policy.resolve(loaded)).files, loaded.spec.sites[0]
    except TlsconfError as error:
        return error


def parse(files: dict[str, str]) -> Parsed:
    crt = [entry for name in sorted(files) if "crt-list" in name
           for entry in crt_list(files[name])]
    return Parsed(sections(files["haproxy/haproxy.cfg"]), crt)


def shape(files: dict[str, str]) -> list[Any]:
    """Sections, directives and word counts of the config, and the crt-list line shapes."""
    cfg = [(s.keyword, len(s.args), [(line.args[0], len(line.words)) for line in s.lines])
           for s in sections(files["haproxy/haproxy.cfg"])]
    crt = [(len(e.options), len(e.filters)) for name in sorted(files) if "crt-list" in name
           for e in crt_list(files[name])]
    return [cfg, crt]


def clean(files: dict[str, str]) -> None:
    """No byte HAProxy reads specially outside what tlsconf wrote itself."""
    for name, text in files.items():
        assert text.isascii() and not any(c in text for c in "\r\x00\x0b\x0c\t"), name
    for line in tokenize(files["haproxy/haproxy.cfg"]):
        assert not line.dropped, f"line {line.number}: text after a CR or NUL"
        assert not any(w.expansions for w in line.words), f"line {line.number} expands $VAR"


_baselines: dict[tuple[str, bool], list[Any]] = {}


def baseline(name: str, wildcard: bool) -> list[Any]:
    """The shape a benign value of the same kind gives (a wildcard domain has its own lines)."""
    key = (name, wildcard)
    if key not in _baselines:
        field = FIELDS[name]
        raw = "*.b.example.com" if wildcard else None
        result = render(field, site_for(field, raw, name) if raw else site_for(field, None, name))
        assert not isinstance(result, TlsconfError), result
        _baselines[key] = shape(result[0])
    return _baselines[key]


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_no_value_injects_into_haproxy(name: str) -> None:
    field = FIELDS[name]
    counts = {"accepted": 0, "refused": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(field.values)
    def check(raw: str) -> None:
        result = render(field, site_for(field, raw, name))
        if isinstance(result, TlsconfError):
            counts["refused"] += 1
            assert result.problems, "a refusal must carry a problem"
            for problem in result.problems:
                assert problem.path.startswith("sites[0]"), problem
                assert "Traceback" not in problem.message
            return
        counts["accepted"] += 1
        files, model = result
        clean(files)
        value = field.value(model)
        assert shape(files) == baseline(name, name == "domain" and value.startswith("*."))
        field.check(parse(files), value)

    check()
    hardening.record("haproxy", name, counts["accepted"], counts["refused"], EXAMPLES)
    assert counts["accepted"], f"no generated {name} value was accepted: never exercised"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("header_value", "a #b; c \"d\" \\e 'f' @g"),
        ("header_value", "x\" if TRUE\nhttp-request deny"),
        ("header_value", "${HOME}"),
        ("header_value", "%[env(HOME)]"),
        ("header_value", "a\rb"),
        ("certificate", "/etc/ssl/a b.pem"),
        ("certificate", "/etc/ssl/a.pem [verify none]"),
        ("certificate", "/etc/ssl/#a.pem"),
        ("client_ca", "/etc/ssl/ca.pem] [verify none"),
        ("dhparam", "/etc/ssl/dh pem"),
        ("domain", "a.example.com !b.example.com"),
        ("domain", "a.example.com }"),
        ("upstream", "127.0.0.1:0"),
        ("upstream", "::1:8080"),
        ("upstream", "127.0.0.1:+1"),
        ("upstream", "*.example.com:80"),
        ("location", "/api/ } || { always_true"),
    ],
)
def test_known_injection_attempts(name: str, value: str) -> None:
    field = FIELDS[name]
    site = json.loads(json.dumps(BASE))
    field.put(site, [value] if name in LISTS else value)  # type: ignore[arg-type]
    result = render(field, site)
    accepted = {"a #b; c \"d\" \\e 'f' @g", "/etc/ssl/dh pem"}
    if value in accepted:
        assert not isinstance(result, TlsconfError), result
        clean(result[0])
        field.check(parse(result[0]), value)
    else:
        assert isinstance(result, TlsconfError), value
        assert {p.path.split(".")[0] for p in result.problems} == {"sites[0]"}


@settings(max_examples=EXAMPLES * 5, deadline=None, database=None, derandomize=DERANDOMIZE)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from(SPECIAL),
               max_size=60))
def test_escapers_alone_give_one_word(value: str) -> None:
    """Whatever string reaches an escaper (the second line of defence, after the grammar) is
    refused, or is read back by HAProxy's rules as exactly itself: one word, no expansion."""
    from tlsconf import escape

    printable = all(0x20 <= ord(c) <= 0x7E for c in value)
    for escaper, decode in ((escape.haproxy, str), (escape.haproxy_log_format, log_format_text)):
        try:
            token = escaper(value)
        except escape.UnsafeValue:
            assert not printable or (escaper is escape.haproxy and "%" in value)
            continue
        line = tokenize_line(f"keyword {token}")
        assert len(line.words) == 2 and not line.words[1].expansions, (value, token)
        assert decode(line.words[1].text) == value and line.comment is None
    try:
        word = escape.haproxy_crt_list(value)
    except escape.UnsafeValue:
        return
    (entry,) = crt_list(f"{word} [alpn h2] a.example.com\n")
    assert (entry.certificate, entry.options, entry.filters) == (
        value, ("alpn", "h2"), ("a.example.com",))


def test_tokenizer_follows_the_manual() -> None:
    """§2.2 examples and the corner cases the escaper relies on."""
    assert tokenize_line('a "b c" \'d e\' f\\ g').args == ["a", "b c", "d e", "f g"]
    assert tokenize_line("a#b c").args == ["a"]
    assert tokenize_line('"a#b c"').args == ["a#b c"]
    assert tokenize_line("a\\#b").args == ["a#b"]
    assert tokenize_line('"\\"q\\" back\\\\slash"').args == ['"q" back\\slash']
    assert tokenize_line("'\\\"'").args == ['\\"']  # strong quoting: no escapes
    line = tokenize_line('"$HOME ${USER} \\$X" $Y')
    assert line.args == ["${HOME} ${USER} $X", "$Y"] and line.words[0].expansions == (
        "HOME", "USER")
    assert tokenize_line("a b\rc d").args == ["a", "b"]
    assert tokenize_line("a b\rc d").dropped == "c d"
    assert tokenize_line('"\\x41\\t"').args == ["A\t"]
    assert tokenize_line("a\\qb").args == ["a\\qb"]
    assert tokenize_line('a "" b').args == ["a", "", "b"]
    with pytest.raises(TokenError):
        tokenize_line('"open')
    with pytest.raises(TokenError):
        tokenize_line('"$1"')
    with pytest.raises(TokenError):
        tokenize_line(" ".join(["w"] * 65))
    entries = crt_list("# c\n/a.pem [alpn h2 ca-file /c#d] x.com *.y.com\n/b.pem z.com\n")
    assert [(e.certificate, e.options, e.filters) for e in entries] == [
        ("/a.pem", ("alpn", "h2", "ca-file", "/c#d"), ("x.com", "*.y.com")),
        ("/b.pem", (), ("z.com",)),
    ]
    with pytest.raises(TokenError):
        crt_list("[a] b\n")
    assert log_format_text("100%% a\\b") == "100% a\\b"
    with pytest.raises(LogFormatExpression):
        log_format_text("%[src]")


# Spellings whose reading by the real HAProxy the tokenizer must predict exactly.
TOKENIZER_CASES = [
    '"a #b; c \\"d\\" \\\\e \'f\' @g"',
    "'strong \\ \"x\" # y'",
    "plain\\ space\\#hash",
    '"\\x41\\x42"',
    '"$TLSCONF_PROBE and ${TLSCONF_PROBE}-\\$TLSCONF_PROBE"',
    'a\\qb',
    '"mixed"\'quotes\'bare',
    '"x" # a comment',
]


@pytest.mark.e2e
def test_tokenizer_agrees_with_the_real_haproxy(haproxy_bin: str, tmp_path: Path) -> None:
    """Each spelling becomes a response header of a running HAProxy; the header HAProxy sends
    is what the tokenizer predicts (environment expansions substituted)."""
    import http.client

    from support.procs import Server, free_port

    port = free_port()
    lines = "".join(f"    http-after-response set-header X-T{i} {case}\n"
                    for i, case in enumerate(TOKENIZER_CASES))
    cfg = tmp_path / "t.cfg"
    cfg.write_text("defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n"
                   "    timeout server 5s\nfrontend f\n"
                   f"    bind 127.0.0.1:{port}\n    http-request return status 200\n" + lines)
    env = {**os.environ, "TLSCONF_PROBE": "probe-value"}
    proc = subprocess.run([haproxy_bin, "-c", "-f", str(cfg)], capture_output=True, text=True,
                          timeout=30, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    server = Server([haproxy_bin, "-db", "-f", str(cfg)], tmp_path / "work", name="haproxy",
                    ports=[port], env=env).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/")
        got = {k.lower(): v for k, v in conn.getresponse().getheaders()}
        conn.close()
    finally:
        server.stop()
    for i, case in enumerate(TOKENIZER_CASES):
        line = tokenize_line(f"http-after-response set-header X-T{i} {case}")
        value = log_format_text(line.args[3]).replace("${TLSCONF_PROBE}", "probe-value")
        assert got[f"x-t{i}"] == value, (case, line.args)
