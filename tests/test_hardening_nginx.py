"""No spec value can inject anything into nginx output (property tests).

For every field that reaches nginx config, hypothesis draws values from an alphabet weighted
toward the characters nginx's tokenizer treats specially. Every value is either refused with a
clean error naming the field, or rendered so that crossplane parses the output into exactly the
directive tree a benign value gives, with the value as exactly one argument, equal to the
validated value. `TLSCONF_HYPOTHESIS_EXAMPLES=10000` runs the dedicated long run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import crossplane
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import hardening

from tlsconf import policy
from tlsconf.errors import TlsconfError
from tlsconf.specfile import parse_spec
from tlsconf.targets import nginx

EXAMPLES = hardening.examples(150)
SPECIAL = list(hardening.NGINX_SPECIAL)
ALPHABET = hardening.alphabet(SPECIAL)
# Random text, and near-valid names with one special character inside.
VALUES = st.one_of(st.text(ALPHABET, min_size=1, max_size=40),
                   hardening.near_valid(SPECIAL, ALPHABET))

BASE = {
    "name": "s",
    "domains": ["a.example.com"],
    "tls": {"certificate": "/etc/ssl/c.pem", "key": "/etc/ssl/k.pem"},
    "upstreams": [{"address": "127.0.0.1:8080"}],
    "acme_webroot": "/var/www/acme",
    "headers": {"X-Test": "ok"},
    "locations": [{"path": "/api/", "upstreams": [{"address": "127.0.0.1:9000"}]}],
}

# field → (how to put a value in the site, spec path of the value, directive that carries it)
FIELDS: dict[str, tuple[Callable[[dict[str, Any], str], None], tuple[Any, ...], str]] = {
    "domain": (lambda s, v: s.__setitem__("domains", [v]), ("domains", 0), "server_name"),
    "certificate": (lambda s, v: s["tls"].__setitem__("certificate", v), ("tls", "certificate"),
                    "ssl_certificate"),
    "key": (lambda s, v: s["tls"].__setitem__("key", v), ("tls", "key"), "ssl_certificate_key"),
    "acme_webroot": (lambda s, v: s.__setitem__("acme_webroot", v), ("acme_webroot",), "root"),
    "header_value": (lambda s, v: s.__setitem__("headers", {"X-Test": v}), ("headers", "X-Test"),
                     "add_header"),
    "header_name": (lambda s, v: s.__setitem__("headers", {v: "ok"}), ("headers",), "add_header"),
    "location": (lambda s, v: s["locations"][0].__setitem__("path", v),
                 ("locations", 0, "path"), "location"),
    "upstream_host": (lambda s, v: s.__setitem__("upstreams", [{"address": f"{v}:8080"}]),
                      ("upstreams", 0, "address"), "server"),
}


def spec_text(site: dict[str, Any]) -> bytes:
    # JSON is YAML: every value becomes a double-quoted scalar with escapes, so the YAML
    # layer is not what is being tested here; the renderer is.
    return json.dumps({"sites": [site]}, ensure_ascii=True).encode()


def shape(files: dict[str, str], tmp: Path) -> list[Any]:
    """Directive tree of every file: names, nesting and argument counts, plus all arguments."""
    out = []
    for name in sorted(files):
        path = tmp / name.replace("/", "_")
        path.write_text(files[name])
        payload = crossplane.parse(str(path), single=True, check_ctx=False, check_args=False,
                                   comments=False)
        assert payload["status"] == "ok", payload["errors"]
        out.append(_tree(payload["config"][0]["parsed"]))
    return out


def _tree(block: list[dict[str, Any]]) -> list[Any]:
    return [(d["directive"], len(d["args"]), _tree(d.get("block", []))) for d in block]


def nginx_unescape(arg: str) -> str:
    """crossplane already turns \\" into ", but keeps \\\\ where nginx reads one backslash
    (ngx_conf_read_token unescapes \\\\, \\" and \\' inside quotes)."""
    return arg.replace("\\\\", "\\")


def args_of(files: dict[str, str], tmp: Path, directive: str) -> list[list[str]]:
    found: list[list[str]] = []

    def walk(block: list[dict[str, Any]]) -> None:
        for d in block:
            if d["directive"] == directive:
                found.append([nginx_unescape(a) for a in d["args"]])
            walk(d.get("block", []))

    for name in sorted(files):
        path = tmp / name.replace("/", "_")
        path.write_text(files[name])
        payload = crossplane.parse(str(path), single=True, check_ctx=False, check_args=False)
        walk(payload["config"][0]["parsed"])
    return found


def render(site: dict[str, Any]) -> tuple[dict[str, str], Any] | TlsconfError:
    try:
        loaded = parse_spec("h.yaml", spec_text(site))
        return nginx.render(loaded, policy.resolve(loaded)).files, loaded.spec.sites[0]
    except TlsconfError as error:
        return error


def _validated(site_model: Any, path: tuple[Any, ...]) -> str:
    value: Any = site_model
    for part in path:
        value = value[part] if isinstance(part, int) or isinstance(value, dict) else getattr(
            value, part)
    if isinstance(value, dict):  # header_name: the key
        (value,) = value.keys()
    return str(value)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    result = render(json.loads(json.dumps(BASE)))
    assert not isinstance(result, TlsconfError)
    return shape(result[0], tmp_path_factory.mktemp("base"))


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_no_value_injects_into_nginx(field: str, baseline: list[Any], tmp_path: Path) -> None:
    put, path, directive = FIELDS[field]
    accepted: list[str] = []
    prefix = {"certificate": "/", "key": "/", "acme_webroot": "/", "location": "/"}.get(field, "")

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(VALUES)
    def check(raw: str) -> None:
        site = json.loads(json.dumps(BASE))
        put(site, prefix + raw)
        result = render(site)
        if isinstance(result, TlsconfError):
            assert result.problems, "a refusal must carry a problem"
            for problem in result.problems:
                assert problem.path.startswith("sites[0]"), problem
                assert "Traceback" not in problem.message
            return
        files, model = result
        accepted.append(raw)
        text = "".join(files.values())
        assert text.isascii() and not any(c in text for c in "\r\x00\x0b\x0c")
        assert shape(files, tmp_path) == baseline
        value = _validated(model, path)
        carried = [args for args in args_of(files, tmp_path, directive) if value in args]
        assert carried, f"{value!r} is not one argument of any {directive}"

    check()
    assert accepted, f"no generated {field} value was accepted: the property was never exercised"


@pytest.mark.parametrize(
    "value",
    ["/etc/ssl/my certs/c.pem", "/etc/ssl/c;ssl_engine x.pem", "/etc/ssl/c.pem\nssl_engine x",
     "/etc/ssl/$ssl_engine.pem", "/etc/ssl/c\".pem", "/etc/ssl/#c.pem", "/etc/ssl/c{.pem"],
)
def test_known_injection_attempts(value: str, tmp_path: Path) -> None:
    site = json.loads(json.dumps(BASE))
    site["tls"]["certificate"] = value
    result = render(site)
    if value == "/etc/ssl/my certs/c.pem":
        assert not isinstance(result, TlsconfError)
        assert args_of(result[0], tmp_path, "ssl_certificate") == [[value]]
    else:
        assert isinstance(result, TlsconfError)
        assert [p.path for p in result.problems] == ["sites[0].tls.certificate"]


def test_determinism_across_hash_seeds(tmp_path: Path) -> None:
    import subprocess
    import sys

    spec = Path(__file__).resolve().parent.parent / "examples" / "multi-site.yaml"
    outputs = set()
    for seed in ("0", "1", "12345"):
        proc = subprocess.run(
            [sys.executable, "-m", "tlsconf", "render", str(spec), "--target", "nginx"],
            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, timeout=60,
            check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1
