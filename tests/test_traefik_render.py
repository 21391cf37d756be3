"""Traefik renderer: golden output per example and per version gate, the injection check, the
translation to Go's names, the no-SNI default, and every refusal with its field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from goldens import GOLDEN, assert_golden
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tlsconf import policy
from tlsconf.errors import TlsconfError
from tlsconf.escape import UnsafeValue
from tlsconf.render import Rendered
from tlsconf.specfile import parse_spec
from tlsconf.targets import traefik
from tlsconf.targets.traefik_yaml import Rule, check_document, dump

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GOLDEN_TRAEFIK = GOLDEN / "traefik"
STATIC = "traefik/traefik.yml"
DYNAMIC = "traefik/dynamic/tlsconf.yml"

V34 = "targets: {traefik: {version: '3.4'}}\n"  # below the default: the gates show
OCSP = ", ocsp_stapling: true, resolvers: [192.0.2.53]"  # the spec wants resolvers with it
SITE = """\
sites:
  - name: shop
    domains: [shop.example.com]
    tls: {certificate: /etc/ssl/c.pem, key: /etc/ssl/k.pem%s}
    upstreams: [{address: 127.0.0.1:8080}]
"""
BLOG = """\
  - name: blog
    domains: [blog.example.com]
    tls: {certificate: /etc/ssl/b.pem, key: /etc/ssl/bk.pem%s}
    upstreams: [{address: 127.0.0.1:8090}]
"""
# multi-site.yaml with ACME through an upstream (Traefik cannot serve a webroot), a second
# listener and OCSP: every routing feature of the target in one spec.
FULL = """\
defaults:
  tls: {profile: intermediate}
  headers:
    X-Content-Type-Options: nosniff
  acme_upstream: 127.0.0.1:8402

sites:
  - name: shop
    domains: [shop.example.com, www.shop.example.com]
    default_server: true
    tls:
      certificate: /etc/ssl/certs/shop.pem
      key: /etc/ssl/private/shop.key
    upstreams:
      - address: 127.0.0.1:8080
      - {address: 127.0.0.1:8081, weight: 2}
      - {address: "[::1]:8082", backup: true}
    balance: least_conn
    health_check: {path: /healthz, interval: 5}
    headers:
      X-Frame-Options: DENY
    locations:
      - path: /api/
        upstreams: [{address: 127.0.0.1:9000}]
      - path: /ws/
        upstreams: [{address: 127.0.0.1:9100}]
        websocket: true

  - name: blog
    domains: [blog.example.com, "*.blog.example.com"]
    tls:
      certificate: /etc/ssl/certs/blog.pem
      key: /etc/ssl/private/blog.key
    hsts: {max_age: 63072000, include_subdomains: true, preload: true}
    upstreams: [{address: 127.0.0.1:8090}]

  - name: admin
    domains: [admin.example.com]
    listen: {address: "::", https_port: 8443, http_port: 8080}
    acme_upstream: null
    tls:
      profile: modern
      certificate: /etc/ssl/certs/admin.pem
      key: /etc/ssl/private/admin.key
      ocsp_stapling: true
      resolvers: [192.0.2.53]
    upstreams: [{address: 127.0.0.1:7000}]
    balance: ip_hash

targets:
  traefik: {version: '3.6'}
"""


def render_text(text: str) -> Rendered:
    loaded = parse_spec("s.yaml", text.encode())
    return traefik.render(loaded, policy.resolve(loaded))


def problems(text: str) -> list[str]:
    with pytest.raises(TlsconfError) as info:
        render_text(text)
    return [str(p) for p in info.value.problems]


def document(rendered: Rendered, name: str = DYNAMIC) -> Any:
    """The file as Traefik reads it: YAML (the JSON body under the comment header)."""
    return YAML(typ="safe", pure=True).load(rendered.files[name])


def golden_files(rendered: Rendered) -> dict[str, str]:
    files = dict(rendered.files)
    if rendered.warnings:
        files["warnings.txt"] = "".join(f"{w}\n" for w in rendered.warnings)
    return files


# -- golden files -----------------------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_examples_match_golden(example: str) -> None:
    path = EXAMPLES / f"{example}.yaml"
    loaded = parse_spec(f"examples/{example}.yaml", path.read_bytes())
    try:
        files = golden_files(traefik.render(loaded, policy.resolve(loaded)))
    except TlsconfError as error:  # an example Traefik cannot serve: its refusal is the golden
        files = {"errors.txt": "".join(f"{p}\n" for p in error.problems)}
    assert_golden(files, GOLDEN_TRAEFIK / example)


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        ("3.3", SITE % "" + "targets: {traefik: {version: '3.3'}}\n"),
        ("3.4", SITE % "" + V34),
        ("3.5", SITE % "" + "targets: {traefik: {version: '3.5'}}\n"),
        ("3.5-ocsp", SITE % OCSP + "targets: {traefik: {version: '3.5'}}\n"),
        ("3.6-full", FULL),
        ("3.7", SITE % ""),  # the default target version
    ],
)
def test_version_gates_match_golden(name: str, spec: str) -> None:
    assert_golden(golden_files(render_text(spec)), GOLDEN_TRAEFIK / "gates" / name)


def options(rendered: Rendered, name: str = "tlsconf_shop") -> Any:
    return document(rendered)["tls"]["options"][name]


def test_gates_change_exactly_the_gated_settings() -> None:
    v33 = options(render_text(SITE % "" + "targets: {traefik: {version: '3.3'}}\n"))
    v34 = options(render_text(SITE % "" + V34))
    v35 = options(render_text(SITE % "" + "targets: {traefik: {version: '3.5'}}\n"))
    v37 = options(render_text(SITE % ""))  # the default
    assert "disableSessionTickets" not in v33
    assert v34 == {**v33, "disableSessionTickets": False}
    assert v34["curvePreferences"] == ["X25519", "CurveP256", "CurveP384"]
    assert v35 == {
        **v34,
        "curvePreferences": ["X25519MLKEM768", "X25519", "CurveP256", "CurveP384"],
    }
    assert v37 == v35
    assert "ocsp" not in document(render_text(SITE % ""), STATIC)
    ocsp = SITE % OCSP + "targets: {traefik: {version: '3.5'}}\n"
    assert document(render_text(ocsp), STATIC)["ocsp"] == {}


def test_gated_requests_below_the_gate_are_errors_naming_the_field() -> None:
    assert problems(SITE % OCSP + V34) == [
        "s.yaml:4:76: sites[0].tls.ocsp_stapling: OCSP stapling needs Traefik >= 3.5; "
        "targets.traefik.version is 3.4"
    ]
    assert problems(
        SITE % ", session_tickets: false" + "targets: {traefik: {version: '3.3'}}\n"
    ) == [
        "s.yaml:4:78: sites[0].tls.session_tickets: turning session tickets off needs "
        "Traefik >= 3.4 (disableSessionTickets); targets.traefik.version is 3.3"
    ]
    assert problems(SITE % ", curves: [X25519MLKEM768, X25519]" + V34) == [
        "s.yaml:4:69: sites[0].tls.curves: X25519MLKEM768: it needs Traefik >= 3.5; "
        "targets.traefik.version is 3.4"
    ]
    assert problems(SITE % "" + "targets: {traefik: {version: '2.11'}}\n") == [
        "s.yaml:6:30: targets.traefik.version: tlsconf renders Traefik v3 configuration; "
        "'2.11' is older than 3.0"
    ]


def test_session_tickets_off_on_34() -> None:
    assert options(render_text(SITE % ", session_tickets: false"))["disableSessionTickets"]


# -- translation to Go's vocabulary ------------------------------------------------------------


def test_profiles_translate_to_go_names() -> None:
    modern = options(render_text(SITE % ", profile: modern"))
    assert modern == {
        "minVersion": "VersionTLS13",
        "maxVersion": "VersionTLS13",
        "curvePreferences": ["X25519MLKEM768", "X25519", "CurveP256", "CurveP384"],
        "alpnProtocols": ["h2", "http/1.1"],
        "disableSessionTickets": False,
    }
    intermediate = options(render_text(SITE % ""))
    assert intermediate["minVersion"] == "VersionTLS12"
    assert intermediate["cipherSuites"] == [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    ]


def test_cipher_go_cannot_do_is_an_error_naming_the_field() -> None:
    spec = (
        SITE % ", ciphers: [ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES256-SHA384, "
        "DHE-RSA-AES128-GCM-SHA256]"
    )
    assert problems(spec) == [
        "s.yaml:4:70: sites[0].tls.ciphers: Go's crypto/tls (Traefik) cannot negotiate "
        "ECDHE-RSA-AES256-SHA384, DHE-RSA-AES128-GCM-SHA256; remove them"
    ]


def test_iana_cipher_names_are_accepted() -> None:
    rendered = render_text(SITE % ", ciphers: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]")
    assert options(rendered)["cipherSuites"] == ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]


def test_old_profile_drops_what_go_lacks_with_a_warning() -> None:
    rendered = render_text(SITE % ", profile: old")
    opts = options(rendered)
    assert opts["minVersion"] == "VersionTLS10"
    assert len(opts["cipherSuites"]) == 18
    assert "TLS_RSA_WITH_3DES_EDE_CBC_SHA" in opts["cipherSuites"]
    assert [str(w) for w in rendered.warnings] == [
        "s.yaml:2:5: sites[0].tls.ciphers: left out ECDHE-ECDSA-AES256-SHA384, "
        "ECDHE-RSA-AES256-SHA384, AES256-SHA256 from the Mozilla old suites: Go's crypto/tls "
        "cannot negotiate them (Mozilla's own Go list omits them too)"
    ]


def test_tls13_suites_cannot_be_chosen_in_go() -> None:
    assert problems(SITE % ", ciphersuites: [TLS_AES_256_GCM_SHA384]") == [
        "s.yaml:4:75: sites[0].tls.ciphersuites: Go's crypto/tls (Traefik) always negotiates "
        "exactly TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 "
        "in TLS 1.3 and cannot be configured; remove the override"
    ]
    same = SITE % (
        ", ciphersuites: [TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256, "
        "TLS_AES_256_GCM_SHA384]"
    )
    assert "cipherSuites" in options(render_text(same))  # accepted: the same set


def test_protocols_go_cannot_express_are_errors() -> None:
    assert problems(SITE % ", protocols: [SSLv3, TLSv1.2]") == [
        "s.yaml:4:72: sites[0].tls.protocols: Go's crypto/tls (Traefik) has no SSLv3"
    ]
    assert problems(SITE % ", protocols: [TLSv1, TLSv1.2]") == [
        "s.yaml:4:72: sites[0].tls.protocols: Traefik takes a minimum and a maximum version; "
        "TLSv1, TLSv1.2 leaves a gap"
    ]


def test_curves_go_lacks_are_errors_when_asked_for() -> None:
    assert problems(SITE % ", curves: [X448, X25519]") == [
        "s.yaml:4:69: sites[0].tls.curves: X448: Go's crypto/tls (Traefik) cannot use it"
    ]
    opts = options(render_text(SITE % ", curves: [secp521r1, prime256v1]"))
    assert opts["curvePreferences"] == ["CurveP521", "CurveP256"]


def test_settings_go_has_no_knob_for_are_warnings() -> None:
    rendered = render_text(
        SITE % ", session_timeout: 3600, prefer_server_ciphers: true, dhparam: /etc/ssl/dh.pem"
    )
    assert [w.path for w in rendered.warnings] == [
        "sites[0].tls.session_timeout",
        "sites[0].tls.prefer_server_ciphers",
        "sites[0].tls.dhparam",
    ]


def test_client_auth_and_http2() -> None:
    spec = SITE % ", client_auth: {ca: /etc/ssl/ca.pem, mode: optional}" + "    http2: false\n"
    opts = options(render_text(spec))
    assert opts["clientAuth"] == {
        "caFiles": ["/etc/ssl/ca.pem"],
        "clientAuthType": "VerifyClientCertIfGiven",
    }
    assert opts["alpnProtocols"] == ["http/1.1"]


# -- clients without SNI ------------------------------------------------------------------------


def test_one_site_sets_the_default_options_and_refuses_unknown_names() -> None:
    rendered = render_text(SITE % "")
    tls = document(rendered)["tls"]
    assert tls["options"]["default"] == {**tls["options"]["tlsconf_shop"], "sniStrict": True}
    assert tls["stores"]["default"]["defaultCertificate"] == {
        "certFile": "/etc/ssl/c.pem",
        "keyFile": "/etc/ssl/k.pem",
    }


def test_default_server_site_answers_clients_without_sni() -> None:
    spec = SITE % ", profile: modern" + BLOG % "" + "    default_server: true\n"
    tls = document(render_text(spec))["tls"]
    assert tls["options"]["default"] == {**tls["options"]["tlsconf_blog"], "sniStrict": False}
    assert tls["stores"]["default"]["defaultCertificate"]["certFile"] == "/etc/ssl/b.pem"


def test_different_policies_without_default_use_the_strictest_and_refuse() -> None:
    spec = SITE % "" + BLOG % ", profile: modern"
    tls = document(render_text(spec))["tls"]
    assert tls["options"]["default"] == {**tls["options"]["tlsconf_blog"], "sniStrict": True}
    assert tls["stores"]["default"]["defaultCertificate"]["certFile"] == "/etc/ssl/c.pem"


def test_wildcard_sites_get_the_default_options_so_they_must_match_it() -> None:
    wildcard = BLOG.replace("[blog.example.com]", "['*.blog.example.com']")
    spec = SITE % "" + "    default_server: true\n" + wildcard % ", profile: modern"
    assert problems(spec) == [
        "s.yaml:7:5: sites[1].domains: Traefik applies TLS options by exact Host() name only: "
        "the wildcard names of 'blog' get tls.options.default, which is the policy of 'shop'; "
        "give both sites the same TLS settings, or move the wildcard names to a Traefik "
        "instance of their own"
    ]
    rendered = render_text(SITE % "" + wildcard % ", profile: modern")  # no default_server
    assert document(rendered)["tls"]["options"]["default"]["minVersion"] == "VersionTLS13"


def test_second_default_server_is_refused() -> None:
    spec = SITE % "" + "    default_server: true\n" + BLOG % "" + "    default_server: true\n"
    assert problems(spec) == [
        "s.yaml:7:5: sites[1].default_server: 'shop' is already the default server: Traefik "
        "has one default certificate and one tls.options.default for every entry point"
    ]


# -- routing ------------------------------------------------------------------------------------


def test_routers_priorities_and_wildcard_regex() -> None:
    http = document(render_text(FULL))["http"]
    routers = http["routers"]
    assert routers["tlsconf_shop_1"]["rule"] == (
        "(Host(`shop.example.com`) || Host(`www.shop.example.com`)) && PathPrefix(`/api/`)"
    )
    assert routers["tlsconf_blog_wildcard"] == {
        "entryPoints": ["websecure-443"],
        "rule": "HostRegexp(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?\\.blog\\.example\\.com$`)",
        "priority": 2001,
        "service": "tlsconf_blog",
        "middlewares": ["tlsconf_blog_headers"],
        "tls": {},
    }
    priorities = {name: r["priority"] for name, r in routers.items()}
    assert priorities["tlsconf_shop_1"] > priorities["tlsconf_shop"]  # /api/ before /
    assert min(p for n, p in priorities.items() if "wildcard" not in n) > max(
        p for n, p in priorities.items() if "wildcard" in n
    )  # exact names win
    assert priorities["tlsconf_shop_acme"] > priorities["tlsconf_shop_http"]  # ACME survives
    assert http["middlewares"]["tlsconf_shop_redirect"] == {
        "redirectScheme": {"scheme": "https", "permanent": True}
    }
    assert http["services"]["tlsconf_shop"] == {
        "failover": {"service": "tlsconf_shop_main", "fallback": "tlsconf_shop_backup"}
    }
    assert http["services"]["tlsconf_shop_backup"]["loadBalancer"]["servers"] == [
        {"url": "http://[::1]:8082", "weight": 1}
    ]
    assert http["services"]["tlsconf_admin"]["loadBalancer"]["strategy"] == "hrw"


def test_wildcard_regex_matches_exactly_one_label() -> None:
    rule = document(render_text(FULL))["http"]["routers"]["tlsconf_blog_wildcard"]["rule"]
    regex = re.compile(rule[len("HostRegexp(`") : -len("`)")])
    assert regex.search("a.blog.example.com") and regex.search("x-1.blog.example.com")
    for host in (
        "blog.example.com",
        "a.b.blog.example.com",
        "ablog.example.com",
        "a.blogxexample.com",
        "-a.blog.example.com",
        "a.blog.example.com.evil",
    ):
        assert not regex.search(host), host


def test_entry_points_per_listener_and_redirects() -> None:
    static = document(render_text(FULL), STATIC)
    assert static["entryPoints"] == {
        "web-80": {"address": "0.0.0.0:80"},  # per-site routers: ACME must keep working
        "web-8080": {
            "address": "[::]:8080",
            "http": {
                "redirections": {
                    "entryPoint": {"to": "websecure-8443", "scheme": "https", "permanent": True}
                }
            },
        },
        "websecure-443": {"address": "0.0.0.0:443"},
        "websecure-8443": {"address": "[::]:8443"},
    }
    assert "api" not in static
    assert static["providers"] == {"file": {"directory": "/etc/traefik/dynamic", "watch": True}}


def test_same_port_on_two_addresses_gets_address_in_the_name() -> None:
    spec = (
        SITE % ""
        + "    listen: {address: 127.0.0.1}\n"
        + BLOG % ""
        + "    listen: {address: 127.0.0.2}\n"
    )
    names = sorted(document(render_text(spec), STATIC)["entryPoints"])
    assert names == [
        "web-127-0-0-1-80",
        "web-127-0-0-2-80",
        "websecure-127-0-0-1-443",
        "websecure-127-0-0-2-443",
    ]


def test_wildcard_and_specific_address_on_one_port_are_refused() -> None:
    spec = SITE % "" + BLOG % "" + "    listen: {address: '::1'}\n"
    assert problems(spec) == [
        "s.yaml:6:5: sites[1].listen.address: Traefik cannot bind both 0.0.0.0:443 and "
        "[::1]:443: a wildcard address takes the port on every address; use one address per "
        "port"
    ]


def test_http_port_colliding_with_an_https_port_is_refused() -> None:
    spec = SITE % "" + BLOG % "" + "    listen: {https_port: 8443, http_port: 443}\n"
    assert problems(spec) == [
        "s.yaml:6:5: sites[1].listen.http_port: 0.0.0.0:443 is also an HTTPS listener"
    ]


def test_acme_webroot_is_refused_where_it_was_written() -> None:
    text = (EXAMPLES / "multi-site.yaml").read_text().replace(
        "acme_upstream: 127.0.0.1:8402", "acme_webroot: /var/www/acme")
    assert problems(text) == [
        "s.yaml:8:17: sites[0].acme_webroot: Traefik cannot serve files; keep ACME http-01 "
        "working with `acme_upstream` (a local certbot --standalone or lego on a loopback "
        "port) instead",
        "s.yaml:8:17: sites[1].acme_webroot: Traefik cannot serve files; keep ACME http-01 "
        "working with `acme_upstream` (a local certbot --standalone or lego on a loopback "
        "port) instead",
    ]


def test_backup_needs_a_health_check_and_ip_hash_needs_36() -> None:
    backup = (SITE % "").replace(
        "[{address: 127.0.0.1:8080}]",
        "[{address: 127.0.0.1:8080}, {address: 127.0.0.1:8081, backup: true}]",
    )
    assert [p.split(": ")[1] for p in problems(backup)] == ["sites[0].upstreams"]
    assert problems(SITE % "" + "    balance: ip_hash\n" + V34) == [
        "s.yaml:6:14: sites[0].balance: ip_hash needs Traefik >= 3.6 (strategy hrw); "
        "targets.traefik.version is 3.4"
    ]
    least = render_text(
        SITE % "" + "    balance: least_conn\ntargets: {traefik: {version: '3.3'}}\n"
    )
    assert "strategy" not in document(least)["http"]["services"]["tlsconf_shop"]["loadBalancer"]
    assert [w.path for w in least.warnings] == ["sites[0].balance"]


def test_hsts_and_headers_middleware() -> None:
    spec = (
        SITE % ""
        + "    hsts: {max_age: 0, include_subdomains: false}\n"
        + "    headers: {X-Frame-Options: DENY}\n"
    )
    headers = document(
        render_text(
            spec,
        )
    )["http"]["middlewares"]["tlsconf_shop_headers"]
    assert headers == {
        "headers": {
            "customResponseHeaders": {
                "Strict-Transport-Security": "max-age=0",
                "X-Frame-Options": "DENY",
            }
        }
    }
    off = SITE % "" + "    hsts: {enabled: false}\n"
    assert "middlewares" not in document(render_text(off))["http"]


# -- output properties and the injection check ------------------------------------------------


def test_output_is_deterministic_ascii_and_parses_as_json_and_yaml() -> None:
    first, second = render_text(FULL), render_text(FULL)
    assert first.files == second.files
    for name, text in first.files.items():
        assert re.fullmatch(r"[\x20-\x7e\n]*", text), name
        assert "{{" not in text
        lines = text.splitlines()
        assert all(line.startswith("# ") for line in lines[:2])
        assert lines[0].startswith("# Generated by tlsconf")  # output.py's overwrite marker
        assert json.loads("\n".join(lines[2:])) == document(first, name)


def test_cli_dispatches_to_the_traefik_target(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tlsconf.cli import app

    result = CliRunner().invoke(
        app, ["render", str(EXAMPLES / "seed.yaml"), "--target", "traefik", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.yml")) == [
        DYNAMIC,
        STATIC,
    ]


@pytest.mark.parametrize("value", ['{{ env "HOME" }}', "a{b", "x}", "`", "tab\there", "é"])
def test_template_and_rule_characters_never_pass_the_spec_grammar(value: str) -> None:
    spec = SITE % "" + f"    headers: {{X-Note: {json.dumps(value)}}}\n"
    with pytest.raises(TlsconfError) as info:
        render_text(spec)
    assert all(p.path == "sites[0].headers.X-Note" for p in info.value.problems)


@pytest.mark.parametrize(
    "doc",
    [
        {"a": '{{ env "SECRET" }}'},
        {"a": "}"},
        {"a": ["x`y"]},
        {"a": "line\nbreak"},
        {"a": "caf\u00e9"},
        {"service": "api@internal"},
        {"middlewares": ["ok", "x@docker"]},
        {"tls": {"options": "default@file"}},
        {"name@file": {}},
        {"a{": 1},
        {"rule": Rule("Host(`{{ env }}`)")},
        {"a": 1.5},
        {"a": b"bytes"},
        {"a": None},
    ],
)
def test_pre_dump_check_refuses_unsafe_leaves(doc: dict[str, Any]) -> None:
    with pytest.raises(UnsafeValue):
        dump("# h\n", doc)


def test_pre_dump_check_allows_rules_paths_with_at_and_plain_values() -> None:
    check_document(
        {
            "rule": Rule("Host(`a.example.com`) && PathPrefix(`/x`)"),
            "certFile": "/etc/ssl/user@host/c.pem",  # '@' is only reserved in names
            "weight": 2,
            "permanent": True,
            "list": ["a", "b"],
            "empty": {},
        }
    )
    with pytest.raises(UnsafeValue):
        check_document({"rule": "Host(`a`)"})  # a plain str is not a tlsconf-built rule


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(";{}#\"'\\`$%@ \n\r\x0b\x0c\x85\u2028\u202e\0aZ9-é")),
        min_size=1,
        max_size=12,
    )
)
def test_any_header_value_is_refused_or_emitted_verbatim(value: str) -> None:
    spec = SITE % "" + f"    headers: {{X-Note: {json.dumps(value)}}}\n"
    try:
        rendered = render_text(spec)
    except TlsconfError:
        return
    headers = document(rendered)["http"]["middlewares"]["tlsconf_shop_headers"]["headers"]
    assert headers["customResponseHeaders"] == {"X-Note": value}
    assert not set(value) & set("{}`\n\r")
