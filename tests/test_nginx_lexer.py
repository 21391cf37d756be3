"""tlsconf's nginx lexer against crossplane's: the same (token, line, quoted) stream, the same
errors at the same point, and so the same crossplane parse, on a corpus and on generated input."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import crossplane
import crossplane.lexer
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlsconf.ingest import nginx_lexer
from tlsconf.ingest.nginx_lexer import crossplane_parse, lex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

Outcome = tuple[list[tuple[str, int, bool]], tuple[str, str] | None]


def outcome(tokens: Callable[[str], Iterator[tuple[str, int, bool]]], path: str) -> Outcome:
    """Every token until the stream ends, and the error that ended it (type, message)."""
    out = []
    try:
        for token in tokens(path):
            out.append(token)
    except Exception as exc:  # compared, not hidden: crossplane raises these too
        return out, (type(exc).__name__, str(exc))
    return out, None


def same(path: Path) -> None:
    """Equal streams, and tlsconf's own scanner made ours (no fallback to crossplane's)."""
    expected = outcome(crossplane.lexer.lex, str(path))
    original = crossplane.lexer.lex
    crossplane.lexer.lex = _must_not_run  # the fallback would import it from the module
    try:
        assert outcome(lex, str(path)) == expected
    finally:
        crossplane.lexer.lex = original


def _must_not_run(filename: str) -> Iterator[tuple[str, int, bool]]:
    raise AssertionError(f"crossplane's own lexer was used for {filename}")
    yield ("", 0, False)  # pragma: no cover - makes this a generator


TRICKY = [
    "",
    "\n",
    "events {}",
    "events {}\n",
    "a b;",  # no newline at the end: all tokens are complete
    "a b",  # crossplane drops a token at the very end of the file
    "a b;\nc",
    "a 'b c' \"d e\";\n",
    "a 'it\\'s' \"say \\\"hi\\\"\" 'x\\\"y' \"x\\'y\";\n",
    "a \"unterminated;\n}\n",
    "a 'esc\\\\' b;\n",
    "a \"esc\\\\\\\" still\" b;\n",
    "a\\ b c\\;d e\\{f\\} g;\n",
    "a \\# b;\n",
    "# comment\n",
    "# comment without newline",
    "a b; # trailing comment\nc d;\n",
    "a #c d;\n",
    "a b#c;\n",
    "# comment \\\nnext line;\n",
    "# comment \\\\\nnext line;\n",
    "a b # comment with ; and { and }\n;\n",
    "a 'x'b;\n",
    "a x'y'z;\n",
    "a \"x\"\"y\";\n",
    "a \"x\"#c\n;\n",
    "\"quoted\" directive;\n",
    "a ${var} b;\n",
    "a ${var}; b;\n",
    "a ${var}{ b;\n",
    "a ${va r} b;\n",
    "a $var{ b;\n",
    "a ${var}\"q\" b;\n",
    "a ${var}$ {b};\n",
    "a ${a}${b} c;\n",
    "a \\${a} b;\n",
    "a \\\\${a} b;\n",
    "a ${a\\}b} c;\n",
    "a ${a",
    "a ${a}",
    "a $",
    "a \\",
    "a b \\",
    "a 'b\\",
    "# c \\",
    "a\tb\r\nc\rd;\r\n",
    "a\x0bb\x0cc\x1cd\x1de\x1ff\x85g\xa0h\u2028i\u3000j;\n",
    "a\\\nb;\n",
    "a \\\n b;\n",
    "a '\n\n' b;\n",
    "}\n",
    "a { b; } }\n c;\n",
    "a { b {\n",
    "a '{' '}' \"{\";\n",
    "if ($http_host ~* \"^(.*)$\") { return 301 https://$1$request_uri; }\n",
    "location ~ ^/(?<x>[a-z]+)/ { rewrite ^ /$x? last; }\n",
    "map $a $b { default 0; \"~^a\" 1; }\n",
    "\ufeffevents {}\n",
    "ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256\n    ssl_protocols TLSv1.2;\n",
    "server { listen 443 ssl; server_name {{ name }}; }\n",
    "log_format main '$remote_addr - \"$request\" ' \"$status\";\n",
    "a \xe9\u00fc\u4e2d b;\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_inputs_lex_identically(tmp_path: Path, text: str) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(text, "utf-8", newline="")
    same(path)


def test_invalid_utf8_lexes_identically(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_bytes(b"a \xff\xfe b;\nc '\xc3' d;\n")
    same(path)


def corpus() -> list[Path]:
    files = sorted(ROOT.glob("tests/**/*.conf")) + sorted(ROOT.glob("examples/**/*.conf"))
    return [p for p in files if p.is_file()]


@pytest.mark.parametrize("path", corpus(), ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_configs_lex_identically(path: Path) -> None:
    same(path)


def test_lint_baselines_and_cases_lex_identically(tmp_path: Path) -> None:
    from tests.lint.baselines import NGINX
    from tests.lint.cases import CASES

    texts = [NGINX]
    for case in CASES:
        if case.kind == "nginx":
            text = NGINX
            for old, new in case.edits:
                text = text.replace(old, new)
            texts.append(text)
    for number, text in enumerate(texts):
        path = tmp_path / f"{number}.conf"
        path.write_text(text, "utf-8")
        same(path)


def test_bench_configs_lex_identically(tmp_path: Path) -> None:
    import run as bench  # bench/run.py

    cert, key = tmp_path / "c.pem", tmp_path / "c.key"
    path = tmp_path / "nginx.conf"
    bench.make_nginx(path, 300, cert, key, tmp_path)
    same(path)


# Generated input: nginx-ish words glued with every character the lexer treats specially.
PIECES = st.sampled_from([
    "a", "server", "listen", "443", "ssl", "$host", "$", "${", "}", "{", ";", "#", "# c\n",
    "'", '"', "\\", "\\'", '\\"', "\\\\", "\\\n", "\\$", " ", "  ", "\t", "\n", "\r\n", "\r",
    "\x0b", "\x85", "\u3000", "\xa0", "é", "x y", "'q'", '"q"', "${v}", "$v{", "\\{", "\\}",
])


@settings(max_examples=1500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map("".join))
def test_generated_inputs_lex_identically(tmp_path: Path, text: str) -> None:
    path = tmp_path / "gen.conf"
    path.write_text(text, "utf-8", newline="")
    same(path)


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_arbitrary_text_lexes_identically(tmp_path: Path, text: str) -> None:
    path = tmp_path / "any.conf"
    path.write_text(text, "utf-8", errors="surrogatepass", newline="")
    same(path)


@pytest.mark.parametrize("text", [*TRICKY[:30], "http { include missing.conf; }\n",
                                  "include *.nope;\nevents {}\n", "a { include x.conf; } }\n"])
def test_parse_results_are_identical(tmp_path: Path, text: str) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(text, "utf-8", newline="")
    (tmp_path / "x.conf").write_text("x y;\n")
    options = {"catch_errors": True, "comments": True, "check_ctx": False, "check_args": False}
    ours = crossplane_parse(str(path), **options)
    theirs = crossplane.parse(str(path), **options)
    found, fail = nginx_lexer.tokens(text)
    if nginx_lexer.unterminated(found if fail is None else found[:fail]) is None:
        assert ours == theirs
    else:  # a directive cut by `}` or by the end of the file: refused, as nginx does
        assert ours["status"] == "failed"
        assert ours["errors"][0]["error"].startswith(
            ('unexpected "}": the directive before it lacks its ";"',
             'unexpected end of file, expecting ";" or "}"'))


def test_whitespace_class_is_str_isspace() -> None:
    """The lexer's `\\s` must be exactly crossplane's str.isspace() over all of Unicode."""
    import re

    pattern = re.compile(r"\s")
    assert all((pattern.match(chr(c)) is not None) == chr(c).isspace()
               for c in range(sys.maxunicode + 1))


def test_crossplane_lexer_restored_after_parse(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\n")
    crossplane_parse(str(path))
    assert crossplane.parser.lex is crossplane.lexer.lex
    assert nginx_lexer.lex is lex


@pytest.mark.parametrize("text", [
    "content_by_lua_block { ngx.say('}') }\nevents {}\n",
    "set_by_lua_block $x { return 1 }\nevents {}\n",
    "a 'content_by_lua_block';\n",
])
def test_lua_blocks_are_left_to_crossplane(tmp_path: Path, text: str) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(text, "utf-8")
    assert outcome(lex, str(path)) == outcome(crossplane.lexer.lex, str(path))
    options = {"catch_errors": True, "comments": False, "check_ctx": False, "check_args": False}
    assert crossplane_parse(str(path), **options) == crossplane.parse(str(path), **options)
