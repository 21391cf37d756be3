"""The nginx property of test_hardening_nginx.py for the fields it does not draw, and the
escaper on its own.

test_hardening_nginx.py covers domains, certificate and key paths, the ACME webroot, header
names and values, location paths and upstream host names. Here, with its helpers and the same
assertions: the client CA, the OCSP trusted CA, DH parameters, whole upstream addresses (IPv4,
bracketed IPv6, odd ports), the ACME upstream, resolvers, the listen address and the site name
(which names upstream blocks and output files). Then the nginx escaper by itself, on any
printable string, read back by crossplane; and the two nginx limits found while writing these
tests: a parameter over 4094 bytes (`too long parameter`) and a site named like the shared file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import crossplane
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import hardening
from test_hardening_nginx import VALUES, args_of, shape, spec_text

from tlsconf import escape, policy
from tlsconf.errors import TlsconfError
from tlsconf.specfile import parse_spec
from tlsconf.targets import nginx

EXAMPLES = hardening.examples(60)
DERANDOMIZE = hardening.DERANDOMIZE
PORTS = hardening.ports("+80", "080", "0x50", "")
ADDRESSES = hardening.addresses(VALUES, PORTS)
IPS = st.one_of(VALUES, st.ip_addresses().map(str),
                st.builds(lambda ip, c: f"{ip}{c}", st.ip_addresses().map(str),
                          st.sampled_from([";", " ", "\n", "#", "%eth0", "/24", "]"])))

BASE: dict[str, Any] = {
    "name": "s",
    "domains": ["a.example.com"],
    "tls": {"certificate": "/etc/ssl/c.pem", "key": "/etc/ssl/k.pem",
            "client_auth": {"ca": "/etc/ssl/ca.pem"}, "dhparam": "/etc/ssl/dh.pem",
            "ocsp_stapling": True, "resolvers": ["127.0.0.53"],
            "trusted_ca": "/etc/ssl/chain.pem"},
    "listen": {"address": "127.0.0.1"},
    "upstreams": [{"address": "127.0.0.1:8080"}],
    "acme_upstream": "127.0.0.1:8402",
    "headers": {"X-Test": "ok"},
    "locations": [{"path": "/api/", "upstreams": [{"address": "127.0.0.1:9000"}]}],
}


def _put(*path: str | int, wrap: bool = False) -> Callable[[dict[str, Any], str], None]:
    def put(site: dict[str, Any], value: str) -> None:
        node: Any = site
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = [value] if wrap else value

    return put


# field → (put, validated value from the Site model, directive, the argument it must be,
#          values, prefix)
FIELDS: dict[str, tuple[Any, ...]] = {
    "client_ca": (_put("tls", "client_auth", "ca"), lambda m: m.tls.client_auth.ca,
                  "ssl_client_certificate", lambda v: v, VALUES, "/"),
    "trusted_ca": (_put("tls", "trusted_ca"), lambda m: m.tls.trusted_ca,
                   "ssl_trusted_certificate", lambda v: v, VALUES, "/"),
    "dhparam": (_put("tls", "dhparam"), lambda m: m.tls.dhparam, "ssl_dhparam", lambda v: v,
                VALUES, "/"),
    "upstream": (lambda s, v: s.__setitem__("upstreams", [{"address": v}]),
                 lambda m: m.upstreams[0].address, "server", lambda v: v, ADDRESSES, ""),
    "acme_upstream": (_put("acme_upstream"), lambda m: m.acme_upstream, "proxy_pass",
                      lambda v: f"http://{v}", ADDRESSES, ""),
    "resolver": (_put("tls", "resolvers", wrap=True), lambda m: m.tls.resolvers[0], "resolver",
                 lambda v: f"[{v}]" if ":" in v else v, IPS, ""),
    "listen_address": (_put("listen", "address"), lambda m: m.listen.address, "listen",
                       lambda v: f"[{v}]:443" if ":" in v else f"{v}:443", IPS, ""),
    "site_name": (_put("name"), lambda m: m.name, "upstream", lambda v: f"tlsconf_{v}",
                  st.one_of(VALUES, hardening.NAMES), ""),
}


def render(site: dict[str, Any]) -> tuple[dict[str, str], Any] | TlsconfError:
    try:
        loaded = parse_spec("h.yaml", spec_text(site))
        return nginx.render(loaded, policy.resolve(loaded)).files, loaded.spec.sites[0]
    except TlsconfError as error:
        return error


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    result = render(json.loads(json.dumps(BASE)))
    assert not isinstance(result, TlsconfError), result
    return shape(result[0], tmp_path_factory.mktemp("base"))


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_no_value_injects_into_nginx(field: str, baseline: list[Any], tmp_path: Path) -> None:
    put, value_of, directive, argument, values, prefix = FIELDS[field]
    counts = {"accepted": 0, "refused": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(values)
    def check(raw: str) -> None:
        site = json.loads(json.dumps(BASE))
        put(site, prefix + raw)
        result = render(site)
        if isinstance(result, TlsconfError):
            counts["refused"] += 1
            assert result.problems, "a refusal must carry a problem"
            for problem in result.problems:
                assert problem.path.startswith("sites[0]"), problem
                assert "Traceback" not in problem.message
            return
        counts["accepted"] += 1
        files, model = result
        text = "".join(files.values())
        assert text.isascii() and not any(c in text for c in "\r\x00\x0b\x0c")
        got = shape({k.replace(f"/{model.name}.conf", "/s.conf"): v for k, v in files.items()},
                    tmp_path)
        assert got == baseline
        wanted = argument(value_of(model))
        carried = [a for a in args_of(files, tmp_path, directive) if wanted in a]
        assert carried, f"{wanted!r} is not one argument of any {directive}"

    check()
    hardening.record("nginx", field, counts["accepted"], counts["refused"], EXAMPLES)
    assert counts["accepted"], f"no generated {field} value was accepted: never exercised"


@settings(max_examples=EXAMPLES * 5, deadline=None, database=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from(
    list("\"'\\;{}#$ \t\n")), min_size=0, max_size=60))
def test_escaper_alone_gives_one_argument(tmp_path_factory: pytest.TempPathFactory,
                                          value: str) -> None:
    """Whatever string reaches the escaper (the second line of defence, after the grammar), it
    is refused or becomes exactly one argument equal to itself."""
    try:
        token = escape.nginx(value)
    except escape.UnsafeValue:
        assert "$" in value or any(not 0x20 <= ord(c) <= 0x7E for c in value)
        return
    path = tmp_path_factory.mktemp("esc") / "x.conf"
    path.write_text(f"add_header X {token};\n")
    parsed = crossplane.parse(str(path), single=True, check_ctx=False, check_args=False)
    assert parsed["status"] == "ok", parsed["errors"]
    (directive,) = parsed["config"][0]["parsed"]
    assert [a.replace("\\\\", "\\") for a in directive["args"]] == ["X", value]


def test_too_long_header_is_refused_for_nginx_only(tmp_path: Path) -> None:
    site = json.loads(json.dumps(BASE))
    site["headers"] = {"X-Long": '"' * 2047 + "a"}  # 2048 characters, 4097 bytes written
    result = render(site)
    assert isinstance(result, TlsconfError)
    assert [p.path for p in result.problems] == ["sites[0].headers.X-Long"]
    assert "4094" in result.problems[0].message
    site["headers"] = {"X-Long": '"' * 2045 + "a"}  # 4094 bytes written: nginx reads it
    assert not isinstance(render(site), TlsconfError)


def test_site_named_like_the_shared_file_is_refused() -> None:
    site = json.loads(json.dumps(BASE))
    site["name"] = "00-tlsconf"
    result = render(site)
    assert isinstance(result, TlsconfError)
    assert [p.path for p in result.problems] == ["sites[0].name"]
