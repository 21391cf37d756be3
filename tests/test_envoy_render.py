"""Envoy renderer: golden output per example, the translation to BoringSSL's names, SNI filter
chains and the no-SNI default, the HTTP plumbing, every refusal with its field, the injection
check, and the Envoy Gateway ClientTrafficPolicy carrying the same TLS parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from goldens import GOLDEN, assert_golden
from ruamel.yaml import YAML

from tlsconf import policy, suites
from tlsconf.errors import TlsconfError
from tlsconf.escape import UnsafeValue
from tlsconf.render import Rendered
from tlsconf.specfile import parse_spec
from tlsconf.targets import envoy, gateway_api
from tlsconf.targets.envoy import Formatted, dump
from tlsconf.targets.envoy_tls import BORINGSSL_CIPHERS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SITE = """\
sites:
  - name: shop
    domains: [shop.example.com]
    tls: {certificate: /etc/ssl/c.pem, key: /etc/ssl/k.pem%s}
    upstreams: [{address: 127.0.0.1:8080}]
"""
BLOG = """\
  - name: blog
    domains: [blog.example.com, "*.blog.example.com"]
    tls: {certificate: /etc/ssl/b.pem, key: /etc/ssl/bk.pem%s}
    upstreams: [{address: 127.0.0.1:8090}]
"""
INTERMEDIATE = [
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
]


def render_text(text: str) -> Rendered:
    loaded = parse_spec("s.yaml", text.encode())
    return envoy.render(loaded, policy.resolve(loaded))


def problems(text: str) -> list[str]:
    with pytest.raises(TlsconfError) as info:
        render_text(text)
    return [str(p) for p in info.value.problems]


def document(rendered: Rendered) -> Any:
    """The bootstrap as Envoy reads it: YAML (the JSON body under the comment header)."""
    return YAML(typ="safe", pure=True).load(rendered.files[envoy.FILE])


def listeners(rendered: Rendered) -> dict[str, Any]:
    return {item["name"]: item for item in document(rendered)["static_resources"]["listeners"]}


def context(chain: dict[str, Any]) -> Any:
    return chain["transport_socket"]["typed_config"]


def chains(rendered: Rendered, listener: str = "https_0-0-0-0_443") -> dict[str, Any]:
    return {c["name"]: c for c in listeners(rendered)[listener]["filter_chains"]}


def manager(chain: dict[str, Any]) -> Any:
    return chain["filters"][0]["typed_config"]


# -- golden files -----------------------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_examples_match_golden(example: str) -> None:
    path = EXAMPLES / f"{example}.yaml"
    loaded = parse_spec(f"examples/{example}.yaml", path.read_bytes())
    try:
        rendered = envoy.render(loaded, policy.resolve(loaded))
        files = dict(rendered.files)
        if rendered.warnings:
            files["warnings.txt"] = "".join(f"{w}\n" for w in rendered.warnings)
    except TlsconfError as error:
        files = {"errors.txt": "".join(f"{p}\n" for p in error.problems)}
    assert_golden(files, GOLDEN / "envoy" / example)


def test_output_is_deterministic() -> None:
    text = (EXAMPLES / "multi-site.yaml").read_bytes()
    first = parse_spec("m.yaml", text)
    second = parse_spec("m.yaml", text)
    assert (envoy.render(first, policy.resolve(first)).files
            == envoy.render(second, policy.resolve(second)).files)


# -- TLS parameters in BoringSSL's vocabulary --------------------------------------------------


def test_intermediate_tls_context() -> None:
    chain = chains(render_text(SITE % ""))["shop"]
    assert chain["filter_chain_match"] == {"server_names": ["shop.example.com"]}
    assert context(chain) == {
        "@type": envoy.DOWNSTREAM_TLS,
        "common_tls_context": {
            "tls_params": {
                "tls_minimum_protocol_version": "TLSv1_2",
                "tls_maximum_protocol_version": "TLSv1_3",
                "cipher_suites": INTERMEDIATE,
                "ecdh_curves": ["X25519MLKEM768", "X25519", "P-256", "P-384"],
            },
            "tls_certificates": [{"certificate_chain": {"filename": "/etc/ssl/c.pem"},
                                  "private_key": {"filename": "/etc/ssl/k.pem"}}],
            "alpn_protocols": ["h2", "http/1.1"],
        },
        "prefer_client_ciphers": True,
        "disable_stateless_session_resumption": False,
        "session_timeout": "86400s",
    }


def test_modern_has_no_tls12_suites_and_old_prefers_the_server_order() -> None:
    modern = context(chains(render_text(SITE % ", profile: modern"))["shop"])
    assert modern["common_tls_context"]["tls_params"] == {
        "tls_minimum_protocol_version": "TLSv1_3",
        "tls_maximum_protocol_version": "TLSv1_3",
        "ecdh_curves": ["X25519MLKEM768", "X25519", "P-256", "P-384"],
    }
    rendered = render_text(SITE % ", profile: old")
    old = context(chains(rendered)["shop"])
    params = old["common_tls_context"]["tls_params"]
    assert params["tls_minimum_protocol_version"] == "TLSv1_0"
    assert old["prefer_client_ciphers"] is False
    assert len(params["cipher_suites"]) == 17
    assert set(params["cipher_suites"]) <= BORINGSSL_CIPHERS
    assert [str(w) for w in rendered.warnings] == [
        "s.yaml:2:5: sites[0].tls.ciphers: left out ECDHE-ECDSA-AES256-SHA384, "
        "ECDHE-RSA-AES256-SHA384, AES128-SHA256, AES256-SHA256 from the Mozilla old suites: "
        "BoringSSL (Envoy) cannot negotiate them"
    ]


def test_boringssl_table_names_known_suites() -> None:
    for name in BORINGSSL_CIPHERS:
        suite = suites.lookup(name)
        assert suite is not None and suite.openssl == name and not suite.tls13


def test_what_boringssl_cannot_do_is_an_error_naming_the_field() -> None:
    assert problems(SITE % ", ciphers: [ECDHE-RSA-AES128-GCM-SHA256, DHE-RSA-AES128-GCM-SHA256, "
                           "ECDHE-RSA-AES256-SHA384]") == [
        "s.yaml:4:70: sites[0].tls.ciphers: BoringSSL (Envoy) cannot negotiate "
        "DHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES256-SHA384; remove them"
    ]
    assert problems(SITE % ", ciphersuites: [TLS_AES_256_GCM_SHA384]") == [
        "s.yaml:4:75: sites[0].tls.ciphersuites: BoringSSL (Envoy) always negotiates exactly "
        "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 in TLS 1.3 "
        "and cannot be configured; remove the override"
    ]
    assert problems(SITE % ", curves: [X448, X25519, ffdhe2048]") == [
        "s.yaml:4:69: sites[0].tls.curves: BoringSSL (Envoy) cannot use X448, ffdhe2048; it "
        "offers X25519MLKEM768, X25519, prime256v1, secp384r1, secp521r1"
    ]
    assert problems(SITE % ", protocols: [SSLv3, TLSv1.2]") == [
        "s.yaml:4:72: sites[0].tls.protocols: BoringSSL (Envoy) has no SSLv3"
    ]
    assert problems(SITE % ", protocols: [TLSv1, TLSv1.2]") == [
        "s.yaml:4:72: sites[0].tls.protocols: Envoy takes a minimum and a maximum version; "
        "TLSv1, TLSv1.2 leaves a gap"
    ]


def test_the_same_tls13_suites_in_another_order_are_accepted() -> None:
    same = SITE % (", ciphersuites: [TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256, "
                   "TLS_AES_256_GCM_SHA384]")
    assert "shop" in chains(render_text(same))


def test_explicit_curves_keep_their_order_in_envoy_names() -> None:
    params = context(chains(render_text(SITE % ", curves: [secp521r1, prime256v1]"))["shop"])
    assert params["common_tls_context"]["tls_params"]["ecdh_curves"] == ["P-521", "P-256"]


def test_tickets_off_timeout_and_settings_envoy_ignores() -> None:
    rendered = render_text(SITE % ", session_tickets: false, session_timeout: 3600, "
                                  "dhparam: /etc/ssl/dh.pem")
    tls = context(chains(rendered)["shop"])
    assert tls["disable_stateless_session_resumption"] is True
    assert tls["session_timeout"] == "3600s"
    assert [str(w) for w in rendered.warnings] == [
        "s.yaml:4:117: sites[0].tls.dhparam: ignored: BoringSSL (Envoy) has no DHE suites"
    ]


def test_client_auth_required_and_optional() -> None:
    required = context(chains(render_text(
        SITE % ", client_auth: {ca: /etc/ssl/ca.pem}"))["shop"])
    assert required["require_client_certificate"] is True
    assert required["common_tls_context"]["validation_context"] == {
        "trusted_ca": {"filename": "/etc/ssl/ca.pem"}}
    optional = context(chains(render_text(
        SITE % ", client_auth: {ca: /etc/ssl/ca.pem, mode: optional}" + "    http2: false\n"
    ))["shop"])
    assert optional["require_client_certificate"] is False
    assert optional["common_tls_context"]["alpn_protocols"] == ["http/1.1"]


def test_target_version_and_openssl() -> None:
    assert problems(SITE % "" + "targets: {envoy: {version: '1.30'}}\n") == [
        "s.yaml:6:28: targets.envoy.version: tlsconf renders for Envoy >= 1.36; '1.30' is older"
    ]
    assert problems(SITE % "" + "targets: {envoy: {openssl: '3.5'}}\n") == [
        "s.yaml:6:28: targets.envoy.openssl: Envoy is built with BoringSSL, not OpenSSL; "
        "remove it"
    ]


# -- SNI filter chains and clients without SNI -------------------------------------------------


def test_each_site_has_its_own_chain_and_no_default_refuses_unknown_names() -> None:
    rendered = render_text(SITE % "" + BLOG % ", profile: modern")
    https = listeners(rendered)["https_0-0-0-0_443"]
    assert https["listener_filters"] == [envoy.TLS_INSPECTOR]
    assert "default_filter_chain" not in https
    by_name = chains(rendered)
    assert by_name["blog"]["filter_chain_match"] == {
        "server_names": ["blog.example.com", "*.blog.example.com"]}
    assert (context(by_name["blog"])["common_tls_context"]["tls_params"]
            ["tls_minimum_protocol_version"]) == "TLSv1_3"
    assert (context(by_name["shop"])["common_tls_context"]["tls_params"]
            ["tls_minimum_protocol_version"]) == "TLSv1_2"


def test_default_server_gets_the_default_chain_with_its_policy_for_every_host() -> None:
    rendered = render_text(SITE % "" + BLOG % ", profile: modern" + "    default_server: true\n")
    https = listeners(rendered)["https_0-0-0-0_443"]
    default = https["default_filter_chain"]
    assert "filter_chain_match" not in default
    assert context(default) == context(chains(rendered)["blog"])
    vhosts = manager(default)["route_config"]["virtual_hosts"]
    assert [(v["name"], v["domains"]) for v in vhosts] == [("blog", ["*"])]


def test_another_sites_host_on_a_chain_gets_421() -> None:
    rendered = render_text(SITE % "" + BLOG % "")
    vhosts = manager(chains(rendered)["shop"])["route_config"]["virtual_hosts"]
    assert vhosts == [
        {"name": "shop", "domains": ["shop.example.com"], "routes": [{
            "match": {"prefix": "/"},
            "route": {"cluster": "tlsconf_shop", "timeout": "0s", "idle_timeout": "60s"}}]},
        envoy.MISDIRECTED,
    ]


def test_two_default_servers_on_one_listener_are_refused() -> None:
    spec = (SITE % "" + "    default_server: true\n" + BLOG % "" + "    default_server: true\n")
    assert problems(spec) == [
        "s.yaml:7:5: sites[1].default_server: 'shop' is already the default server of "
        "0.0.0.0:443"
    ]


def test_listener_conflicts_are_refused() -> None:
    spec = SITE % "" + "    listen: {https_port: 8443, http_port: 8443}\n"
    assert problems(spec) == [
        "s.yaml:2:5: sites[0].listen.http_port: 0.0.0.0:8443 is also an HTTPS listener"
    ]
    spec = SITE % "" + BLOG % "" + "    listen: {address: 127.0.0.1}\n"
    assert problems(spec) == [
        "s.yaml:6:5: sites[1].listen.address: Envoy cannot bind both 0.0.0.0:443 and "
        "127.0.0.1:443: a wildcard address takes the port on every address; use one address "
        "per port"
    ]


# -- HTTP plumbing -----------------------------------------------------------------------------


def test_headers_forwarding_and_redirect() -> None:
    spec = SITE % "" + "    headers: {X-Frame-Options: DENY}\n    listen: {https_port: 8443}\n"
    rendered = render_text(spec)
    hcm = manager(chains(rendered, "https_0-0-0-0_8443")["shop"])
    assert hcm["use_remote_address"] is True and hcm["xff_num_trusted_hops"] == 0
    assert hcm["route_config"]["request_headers_to_add"] == [{
        "header": {"key": "X-Real-IP", "value": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"},
        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]
    assert hcm["route_config"]["response_headers_to_add"] == [
        {"header": {"key": "Strict-Transport-Security", "value": "max-age=63072000; "
                    "includeSubDomains"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"},
        {"header": {"key": "X-Frame-Options", "value": "DENY"},
         "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"},
    ]
    http = listeners(rendered)["http_0-0-0-0_80"]
    vhosts = manager(http["filter_chains"][0])["route_config"]["virtual_hosts"]
    assert vhosts == [{"name": "shop", "domains": ["shop.example.com"], "routes": [{
        "match": {"prefix": "/"},
        "redirect": {"https_redirect": True, "response_code": "MOVED_PERMANENTLY",
                     "port_redirect": 8443}}]}]


def test_acme_upstream_on_port_80_and_webroot_refused() -> None:
    rendered = render_text(SITE % "" + "    acme_upstream: 127.0.0.1:8402\n")
    http = listeners(rendered)["http_0-0-0-0_80"]
    routes = manager(http["filter_chains"][0])["route_config"]["virtual_hosts"][0]["routes"]
    assert routes[0] == {"match": {"prefix": "/.well-known/acme-challenge/"},
                         "route": {"cluster": "tlsconf_shop_acme"}}
    assert routes[1]["redirect"]["https_redirect"] is True
    assert problems(SITE % "" + "    acme_webroot: /var/www/acme\n") == [
        "s.yaml:6:19: sites[0].acme_webroot: Envoy cannot serve files; keep ACME http-01 working "
        "with `acme_upstream` (a local certbot --standalone or lego on a loopback port) instead"
    ]


def test_no_port_80_listener_without_redirect_or_acme() -> None:
    rendered = render_text(SITE % "" + "    redirect_http: false\n")
    assert sorted(listeners(rendered)) == ["https_0-0-0-0_443"]


def test_clusters_weights_backup_health_checks_and_balance() -> None:
    spec = SITE.replace(
        "upstreams: [{address: 127.0.0.1:8080}]",
        "upstreams: [{address: 127.0.0.1:8080}, {address: 'app.internal:8081', weight: 3}, "
        "{address: '[::1]:8082', backup: true}]\n"
        "    health_check: {path: /healthz, interval: 7}\n    balance: ip_hash\n"
        "    websocket: true") % ""
    rendered = render_text(spec)
    (cluster,) = document(rendered)["static_resources"]["clusters"]
    assert cluster == {
        "name": "tlsconf_shop",
        "type": "STRICT_DNS",
        "connect_timeout": "5s",
        "lb_policy": "RING_HASH",
        "load_assignment": {
            "cluster_name": "tlsconf_shop",
            "endpoints": [
                {"priority": 0, "lb_endpoints": [
                    {"endpoint": {"address": {"socket_address": {
                        "address": "127.0.0.1", "port_value": 8080}}},
                     "load_balancing_weight": 1},
                    {"endpoint": {"address": {"socket_address": {
                        "address": "app.internal", "port_value": 8081}}},
                     "load_balancing_weight": 3}]},
                {"priority": 1, "lb_endpoints": [
                    {"endpoint": {"address": {"socket_address": {
                        "address": "::1", "port_value": 8082}}},
                     "load_balancing_weight": 1}]},
            ],
            "policy": {"overprovisioning_factor": 100000},
        },
        "dns_lookup_family": "V4_PREFERRED",
        "health_checks": [{
            "timeout": "7s", "interval": "7s", "unhealthy_threshold": 3, "healthy_threshold": 2,
            "http_health_check": {"path": "/healthz",
                                  "expected_statuses": [{"start": 200, "end": 400}]}}],
    }
    route = manager(chains(rendered)["shop"])["route_config"]["virtual_hosts"][0]["routes"][0]
    assert route["route"]["hash_policy"] == [{"connection_properties": {"source_ip": True}}]
    assert route["route"]["upgrade_configs"] == [{"upgrade_type": "websocket"}]


def test_backup_without_health_check_is_refused() -> None:
    spec = SITE.replace("upstreams: [{address: 127.0.0.1:8080}]",
                        "upstreams: [{address: 127.0.0.1:8080}, "
                        "{address: 127.0.0.1:8081, backup: true}]") % ""
    assert problems(spec) == [
        "s.yaml:5:16: sites[0].upstreams: Envoy only fails over to backup servers it has "
        "health-checked as down; add `health_check` to the site, or drop `backup`"
    ]


# -- the injection check -----------------------------------------------------------------------


def test_percent_is_refused_except_in_tlsconf_formatters() -> None:
    with pytest.raises(UnsafeValue, match="refusing to emit '%ENVIRONMENT"):
        dump("", {"value": "%ENVIRONMENT(HOME)%"})
    with pytest.raises(UnsafeValue, match="only printable ASCII"):
        dump("", {"value": "a\nb"})
    with pytest.raises(UnsafeValue, match="refusing to emit '%k'"):
        dump("", {"%k": "v"})
    assert dump("# h\n", {"value": Formatted("%DOWNSTREAM_REMOTE_ADDRESS%")}) == (
        '# h\n{\n  "value": "%DOWNSTREAM_REMOTE_ADDRESS%"\n}\n')


# -- Envoy Gateway carries the same TLS parameters ---------------------------------------------

K8S = """\
kubernetes:
  services: {"127.0.0.1:8080": {name: app, port: 80}, "127.0.0.1:8090": {name: blog, port: 80}}
"""
EG_VERSIONS = {"TLSv1_0": "1.0", "TLSv1_1": "1.1", "TLSv1_2": "1.2", "TLSv1_3": "1.3"}


@pytest.mark.parametrize("extra", [
    "",
    ", profile: modern",
    ", profile: old",
    ", curves: [secp384r1, X25519], session_tickets: false",
    ", protocols: [TLSv1.2], ciphers: [ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-AES128-SHA]",
])
def test_envoy_gateway_policy_matches_the_bootstrap_field_by_field(extra: str) -> None:
    # Gateway API validates client certificates per port: the mTLS site gets its own.
    spec = (SITE % extra + BLOG % ", client_auth: {ca: /etc/ssl/ca.pem}"
            + "    listen: {https_port: 8443}\n" + K8S)
    loaded = parse_spec("s.yaml", spec.encode())
    sites = policy.resolve(loaded)
    bootstrap = envoy.render(loaded, sites)
    gateway = gateway_api.render(loaded, sites, impl="envoy-gateway")
    ctps = {doc["metadata"]["name"]: doc["spec"]["tls"] for doc in YAML(typ="safe", pure=True)
            .load_all(gateway.files["gateway-api/clienttrafficpolicies.yaml"])}
    found = {**chains(bootstrap), **chains(bootstrap, "https_0-0-0-0_8443")}
    assert sorted(found) == sorted(ctps) == ["blog", "shop"]
    for name, chain in found.items():
        tls = context(chain)
        params = tls["common_tls_context"]["tls_params"]
        ctp = ctps[name]
        assert ctp["minVersion"] == EG_VERSIONS[params["tls_minimum_protocol_version"]]
        assert ctp["maxVersion"] == EG_VERSIONS[params["tls_maximum_protocol_version"]]
        assert ctp.get("ciphers") == params.get("cipher_suites")
        assert ctp["ecdhCurves"] == params["ecdh_curves"]
        assert ctp["alpnProtocols"] == tls["common_tls_context"]["alpn_protocols"]
        resumption = "stateful" if tls["disable_stateless_session_resumption"] else "stateless"
        assert ctp["session"] == {"resumption": {resumption: {}}}
        assert ("clientValidation" in ctp) == ("require_client_certificate" in tls)
        if "clientValidation" in ctp:
            assert ctp["clientValidation"]["optional"] is not tls["require_client_certificate"]


def test_envoy_gateway_refuses_the_same_tls13_override() -> None:
    spec = SITE % ", ciphersuites: [TLS_AES_256_GCM_SHA384]" + K8S
    loaded = parse_spec("s.yaml", spec.encode())
    with pytest.raises(TlsconfError) as info:
        gateway_api.render(loaded, policy.resolve(loaded), impl="envoy-gateway")
    assert [str(p) for p in info.value.problems] == problems(SITE % (
        ", ciphersuites: [TLS_AES_256_GCM_SHA384]"))


# -- the command line --------------------------------------------------------------------------


def test_render_writes_the_bootstrap_and_all_leaves_envoy_out(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tlsconf.cli import app

    seed = str(EXAMPLES / "seed.yaml")
    result = CliRunner().invoke(app, ["render", seed, "-t", "envoy", "-o", str(tmp_path / "a")])
    assert result.exit_code == 0, result.stderr
    assert sorted(str(p.relative_to(tmp_path / "a")) for p in (tmp_path / "a").rglob("*")
                  if p.is_file()) == ["envoy/envoy.yaml"]
    loaded = parse_spec("examples/seed.yaml", (EXAMPLES / "seed.yaml").read_bytes())
    expected = envoy.render(loaded, policy.resolve(loaded)).files["envoy/envoy.yaml"]
    assert (tmp_path / "a" / "envoy" / "envoy.yaml").read_text() == expected
    everything = CliRunner().invoke(app, ["render", seed, "-t", "all", "-o", str(tmp_path / "b")])
    assert everything.exit_code == 0, everything.stderr
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["haproxy", "nginx", "traefik"]
