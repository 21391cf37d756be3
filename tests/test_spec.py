"""Spec validation: every broken spec gets `file:line:col: path: message`, and valid specs are
normalised (IDNA, canonical addresses) exactly."""

from __future__ import annotations

import pytest

from tlsconf.errors import TlsconfError
from tlsconf.specfile import LoadedSpec, parse_spec

SITE = """\
sites:
  - name: shop
    domains: [shop.example.com]
    tls: {certificate: /etc/ssl/c.pem, key: /etc/ssl/k.pem}
    upstreams: [{address: 127.0.0.1:8080}]
"""


def parse(text: str) -> LoadedSpec:
    return parse_spec("s.yaml", text.encode())


def errors(text: str) -> list[str]:
    with pytest.raises(TlsconfError) as info:
        parse(text)
    return [str(p) for p in info.value.problems]


def test_seed_scenario_is_valid_with_secure_defaults() -> None:
    spec = parse(SITE).spec
    site = spec.sites[0]
    assert spec.version == 1
    assert site.redirect_http is True and site.http2 is True
    assert site.hsts.enabled and site.hsts.max_age is None  # from the profile in `policy`
    assert site.listen.address == "0.0.0.0" and site.listen.https_port == 443


def test_domains_are_lowercased_and_idna_encoded() -> None:
    spec = parse(
        SITE.replace("[shop.example.com]", "[Shop.Example.COM, bücher.example, '*.ex.com']")
    )
    assert spec.spec.sites[0].domains == ["shop.example.com", "xn--bcher-kva.example", "*.ex.com"]


def test_upstream_addresses_are_canonical() -> None:
    text = SITE.replace(
        "[{address: 127.0.0.1:8080}]",
        "[{address: '[2001:DB8:0::10]:8080'}, {address: app.example.com:80}]",
    )
    ups = parse(text).spec.sites[0].upstreams
    assert [u.address for u in ups] == ["[2001:db8::10]:8080", "app.example.com:80"]


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            "name: shop",
            "name: Shop_1",
            "s.yaml:2:11: sites[0].name: 'Shop_1' must be 1-32 characters of a-z, 0-9 and '-'",
        ),
        (
            "/etc/ssl/c.pem",
            "certs/c.pem",
            "s.yaml:4:24: sites[0].tls.certificate: 'certs/c.pem' must be an absolute path",
        ),
        (
            "/etc/ssl/k.pem",
            "'/etc/ssl/k.pem;evil'",
            "s.yaml:4:45: sites[0].tls.key: '/etc/ssl/k.pem;evil' may only contain",
        ),
        (
            "127.0.0.1:8080",
            "127.0.0.1:0",
            "s.yaml:5:27: sites[0].upstreams[0].address: '127.0.0.1:0' port must be 1-65535",
        ),
        (
            "127.0.0.1:8080",
            "'2001:db8::1:80'",
            "s.yaml:5:27: sites[0].upstreams[0].address: '2001:db8::1:80' must be HOST:PORT",
        ),
        (
            "[shop.example.com]",
            "[shop.example.com.]",
            "s.yaml:3:15: sites[0].domains[0]: 'shop.example.com.' must not end with a dot",
        ),
        (
            "[shop.example.com]",
            "['*.com']",
            "s.yaml:3:15: sites[0].domains[0]: '*.com' a wildcard needs at least two labels",
        ),
        (
            "[shop.example.com]",
            "[a.*.example.com]",
            "s.yaml:3:15: sites[0].domains[0]: 'a.*.example.com' a wildcard is only allowed",
        ),
        (
            "[shop.example.com]",
            "[10.0.0.1]",
            "s.yaml:3:15: sites[0].domains[0]: '10.0.0.1' must be a DNS name, not an IP address",
        ),
        (
            "[shop.example.com]",
            "[]",
            "s.yaml:3:14: sites[0].domains: List should have at least 1 item",
        ),
        (
            "    upstreams",
            "    upstream: 1\n    upstreams",
            "s.yaml:5:5: sites[0].upstream: unknown field; allowed: name, domains, listen, tls",
        ),
    ],
)
def test_one_clear_error_per_problem(replace: str, by: str, expected: str) -> None:
    found = errors(SITE.replace(replace, by, 1))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found[0]


def test_tls_values_are_checked_against_known_names() -> None:
    text = SITE.replace(
        "key: /etc/ssl/k.pem}",
        "key: /etc/ssl/k.pem, protocols: [TLSv1.2, TLSv1.4], curves: [P-256, P-999], "
        "profile: moderne}",
    )
    assert errors(text) == [
        "s.yaml:4:82: sites[0].tls.protocols[1]: Input should be 'SSLv2', 'SSLv3', 'TLSv1', "
        "'TLSv1.1', 'TLSv1.2' or 'TLSv1.3', got 'TLSv1.4'",
        "s.yaml:4:108: sites[0].tls.curves[1]: 'P-999' unknown group 'P-999'; allowed: "
        "X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519, prime256v1, secp384r1, "
        "secp521r1, X448, secp256k1, brainpoolP256r1, brainpoolP384r1, brainpoolP512r1, "
        "ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192",
        "s.yaml:4:125: sites[0].tls.profile: Input should be 'modern', 'intermediate' or 'old', "
        "got 'moderne'",
    ]


def test_strict_types_refuse_strings_for_numbers() -> None:
    assert errors(SITE + "    listen: {https_port: '443'}\n") == [
        "s.yaml:6:26: sites[0].listen.https_port: Input should be a valid integer, got '443'"
    ]


def test_errors_in_defaults_point_at_defaults_once() -> None:
    text = (
        "defaults:\n  tls: {profile: moderne}\n"
        + SITE
        + SITE.replace("sites:\n", "")
        .replace("name: shop", "name: two")
        .replace("shop.example.com", "two.example.com")
    )
    assert errors(text) == [
        "s.yaml:2:18: defaults.tls.profile: Input should be 'modern', 'intermediate' or 'old', "
        "got 'moderne'"
    ]


def test_defaults_merge_per_key_and_site_wins() -> None:
    text = "defaults:\n  tls: {profile: modern}\n  http2: false\n" + SITE.replace(
        "key: /etc/ssl/k.pem}", "key: /etc/ssl/k.pem, profile: intermediate}"
    )
    loaded = parse(text)
    site = loaded.spec.sites[0]
    assert site.tls.profile == "intermediate" and site.http2 is False
    assert loaded.source_path(("sites", 0, "http2")) == ("defaults", "http2")


def test_defaults_refuse_identity_fields() -> None:
    assert errors("defaults:\n  name: x\n" + SITE) == [
        "s.yaml:2:3: defaults.name: not a defaultable site field; allowed: listen, tls, hsts, "
        "redirect_http, acme_webroot, acme_upstream, http2, upstreams, balance, health_check, "
        "websocket, headers, locations, default_server"
    ]


def test_duplicate_names_and_domains_are_refused_with_positions() -> None:
    second = SITE.replace("sites:\n", "")
    assert errors(SITE + second) == [
        "s.yaml:6:11: sites[1].name: 'shop' is already the name of sites[0]; names must be unique",
        "s.yaml:7:15: sites[1].domains[0]: 'shop.example.com' is already served by sites[0] on "
        "the same listener",
    ]


def test_header_grammar() -> None:
    assert errors(SITE + "    headers: {X-A: 'a $host'}\n") == [
        "s.yaml:6:20: sites[0].headers.X-A: 'a $host' must not contain $, %, {, } or ` "
        "(they are expanded by the proxies)"
    ]
    assert errors(SITE + "    headers: {Strict-Transport-Security: x}\n")[0].startswith(
        "s.yaml:6:15: sites[0].headers.Strict-Transport-Security: 'Strict-Transport-Security' "
        "is set by tlsconf itself"
    )


def test_location_paths_are_plain_prefixes() -> None:
    loc = "    locations: [{path: '~ ^/x', upstreams: [{address: 127.0.0.1:1}]}]\n"
    assert errors(SITE + loc) == [
        "s.yaml:6:24: sites[0].locations[0].path: '~ ^/x' must start with '/' and contain only "
        "letters, digits and . _ ~ / - (a plain prefix: no regex, no modifiers, no query)"
    ]


def test_version_must_be_1() -> None:
    assert errors("version: 2\n" + SITE) == ["s.yaml:1:10: version: Input should be 1, got 2"]


def test_empty_cipher_list_with_tls12_is_refused() -> None:
    text = SITE.replace("key: /etc/ssl/k.pem}", "key: /etc/ssl/k.pem, ciphers: []}")
    assert errors(text) == [
        "s.yaml:4:70: sites[0].tls.ciphers: is empty but a TLS version below 1.3 is enabled; the "
        "server would fall back to its build's default ciphers. List the suites, or set "
        "protocols: [TLSv1.3]"
    ]
    assert parse(text.replace("ciphers: []", "ciphers: [], protocols: [TLSv1.3]"))
