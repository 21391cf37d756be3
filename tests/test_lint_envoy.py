"""`tlsconf lint` reads Envoy static bootstraps (YAML and JSON): one subject per TLS filter
chain, findings at the key or list item to change, Envoy's defaults for what is unset, and exit
2 for what Envoy itself would refuse or tlsconf cannot read (never a clean exit 0)."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from tests.lint.baselines import ENVOY
from tests.lint.files import write
from tlsconf.cli import app
from tlsconf.errors import Location
from tlsconf.ingest import detect, envoy, found_kind
from tlsconf.lint.model import SERVER_DEFAULT

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()
NOT_LINTED = "1 error(s): the input(s) above were not linted\n"
TLS_PARAMS = ("static_resources.listeners[0].filter_chains[0].transport_socket.typed_config."
              "common_tls_context.tls_params")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def edit(*edits: tuple[str, str], text: str = ENVOY) -> str:
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


UPSTREAM = """\
      type: STATIC
      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
          sni: backend.internal
"""
# TLS 1.0 minimum, a CBC suite, HSTS max-age=300, an unverified upstream.
WEAK = edit(("tls_minimum_protocol_version: TLSv1_2", "tls_minimum_protocol_version: TLSv1_0"),
            ("                    - ECDHE-RSA-CHACHA20-POLY1305\n",
             "                    - ECDHE-RSA-CHACHA20-POLY1305\n"
             "                    - ECDHE-RSA-AES128-SHA\n"),
            ("max-age=63072000; includeSubDomains", "max-age=300"),
            ("      type: STATIC\n", UPSTREAM))
NO_HSTS = ENVOY[:ENVOY.index("                  response_headers_to_add:\n")] \
    + ENVOY[ENVOY.index("                http_filters"):]


def test_a_strong_bootstrap_is_clean() -> None:
    assert run("lint", "--no-cert-checks", "--fail-on", "info", write("envoy.yaml", ENVOY)) \
        == (0, "", "")


def test_weak_settings_are_found_where_they_are_written() -> None:
    assert run("lint", "--no-cert-checks", write("envoy.yaml", WEAK)) == (1, (
        "envoy.yaml:14:19: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"
        "envoy.yaml:23:23: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA\n"
        "envoy.yaml:43:39: TLS503 [warning] HSTS max-age=300 is below 63072000\n"
        "envoy.yaml:63:7: TLS701 [error] TLS to the upstream is not verified\n"), "")


def test_the_json_form_is_read_the_same_with_its_own_positions() -> None:
    text = json.dumps(yaml.safe_load(WEAK), indent=2) + "\n"
    lines = text.splitlines()
    assert lines[25].strip() == '"tls_minimum_protocol_version": "TLSv1_0",'  # line 26
    assert lines[89].strip() == '"value": "max-age=300"'  # line 90
    assert run("lint", "--no-cert-checks", write("envoy.json", text)) == (1, (
        "envoy.json:26:21: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)\n"
        "envoy.json:35:23: TLS209 [warning] CBC/SHA-1 MAC suites enabled: ECDHE-RSA-AES128-SHA\n"
        "envoy.json:90:36: TLS503 [warning] HSTS max-age=300 is below 63072000\n"
        "envoy.json:156:9: TLS701 [error] TLS to the upstream is not verified\n"), "")


def test_missing_hsts_is_reported_at_the_virtual_host_that_serves_without_it() -> None:
    assert run("lint", "--no-cert-checks", write("envoy.yaml", NO_HSTS)) == (
        1, "envoy.yaml:35:23: TLS501 [warning] no Strict-Transport-Security header is sent\n", "")
    # a route-level header covers its route; a virtual host that only redirects is not judged
    route_level = edit(("                          route: {cluster: app}\n",
                        "                          route: {cluster: app}\n"
                        "                          response_headers_to_add:\n"
                        "                            - header: {key: strict-transport-security, "
                        "value: max-age=63072000}\n"), text=NO_HSTS)
    assert run("lint", "--no-cert-checks", write("envoy.yaml", route_level)) == (0, "", "")


def test_bracket_groups_are_judged_member_by_member() -> None:
    text = edit(("- ECDHE-RSA-AES256-GCM-SHA384", "- '[ECDHE-RSA-AES256-GCM-SHA384|AES128-SHA]'"))
    assert run("lint", "--no-cert-checks", write("envoy.yaml", text)) == (1, (
        "envoy.yaml:20:23: TLS208 [warning] suites without forward secrecy (static RSA/DH key "
        "exchange) enabled: AES128-SHA\n"), "")


def test_unset_keys_are_envoys_defaults() -> None:
    text = edit(*((line, "") for line in (
        "                  tls_minimum_protocol_version: TLSv1_2\n",
        "                  tls_maximum_protocol_version: TLSv1_3\n",
        "                  ecdh_curves: [X25519MLKEM768, X25519, P-256, P-384]\n")),
        (ENVOY[ENVOY.index("                  cipher_suites:\n"):ENVOY.index(
            "                  ecdh_curves")], ""))
    (site,) = [s for s in envoy.ingest("envoy.yaml", text) if s.site.domains]
    tls = site.site.tls
    assert (tls.protocols, tls.curves) == (("TLSv1.2", "TLSv1.3"),
                                           ("X25519MLKEM768", "X25519", "prime256v1"))
    assert tls.ciphers == envoy.DEFAULT_CIPHERS
    assert {k: (o.kind, o.location) for k, o in site.site.origins.items()
            if k in ("protocols", "ciphers", "curves")} == {
        k: (SERVER_DEFAULT, Location("envoy.yaml", 10, 13))
        for k in ("protocols", "ciphers", "curves")}
    assert run("lint", "--no-cert-checks", write("envoy.yaml", text)) == (1, (
        "envoy.yaml:10:13: TLS105 [warning] protocol versions are not set: no tls_params "
        "versions: Envoy's default (TLS 1.2 to 1.3)\n"
        "envoy.yaml:10:13: TLS215 [warning] cipher suites are not set: no cipher_suites: "
        "Envoy's default server list (ECDHE with AES-GCM or ChaCha20)\n"), "")


def test_client_verification_tickets_and_the_default_chain() -> None:
    optional = edit(("                alpn_protocols: [h2, http/1.1]\n",
                     "                alpn_protocols: [h2, http/1.1]\n"
                     "                validation_context: {trusted_ca: {filename: /etc/ca.pem}}\n"))
    (site,) = [s for s in envoy.ingest("envoy.yaml", optional) if s.site.domains]
    assert (site.facts.client_auth_optional, site.facts.where["client_auth_optional"]) == (
        True, Location("envoy.yaml", 28, 17))
    required = edit(("DownstreamTlsContext\n",
                     "DownstreamTlsContext\n              require_client_certificate: true\n"),
                    text=optional)
    (site,) = [s for s in envoy.ingest("envoy.yaml", required) if s.site.domains]
    assert site.facts.client_auth_optional is False
    static_keys = edit(("DownstreamTlsContext\n", "DownstreamTlsContext\n"
                        "              session_ticket_keys: {keys: [{filename: /etc/t.key}]}\n"))
    assert run("lint", "--no-cert-checks", write("envoy.yaml", static_keys)) == (1, (
        "envoy.yaml:12:15: TLS405 [warning] session tickets are on with keys that are not "
        "rotated\n"), "")
    default = edit(("          filter_chain_match: {server_names: [example.com]}\n", ""))
    assert run("lint", "--no-cert-checks", "--fail-on", "info", write("envoy.yaml", default)) \
        == (1, "envoy.yaml:6:11: TLS704 [info] handshakes without SNI or with an unknown name "
               "are served with this site's certificate\n", "")


def test_port_80_without_a_redirect() -> None:
    text = edit(("redirect: {https_redirect: true}", "route: {cluster: app}"))
    assert run("lint", "--no-cert-checks", write("envoy.yaml", text)) == (
        1, "envoy.yaml:54:23: TLS507 [warning] plain HTTP is served without a redirect to "
           "https\n", "")
    # no virtual host on port 80 for the domain (Envoy answers 404): at the first one there
    other_host = edit(('domains: ["*"]', "domains: [other.example.com]"))
    assert run("lint", "--no-cert-checks", write("envoy.yaml", other_host))[1] == (
        "envoy.yaml:54:23: TLS507 [warning] plain HTTP is served without a redirect to https\n")


@pytest.mark.parametrize(("edits", "message"), [
    ((("tls_minimum_protocol_version: TLSv1_2", "tls_minimum_protocol_version: TLSv1_9"),),
     f"envoy.yaml:14:49: {TLS_PARAMS}.tls_minimum_protocol_version: unknown TLS version "
     "'TLSv1_9': Envoy refuses the config; allowed: TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, "
     "TLSv1_3\n"),
    ((("- ECDHE-RSA-AES256-GCM-SHA384", "- RC4-SHA"),),
     f"envoy.yaml:20:23: {TLS_PARAMS}.cipher_suites[3]: BoringSSL (Envoy) has no cipher suite "
     "'RC4-SHA': Envoy refuses the config; allowed: AES128-GCM-SHA256, AES128-SHA, "
     "AES256-GCM-SHA384, AES256-SHA, DES-CBC3-SHA, ECDHE-ECDSA-AES128-GCM-SHA256, "
     "ECDHE-ECDSA-AES128-SHA, ECDHE-ECDSA-AES128-SHA256, ECDHE-ECDSA-AES256-GCM-SHA384, "
     "ECDHE-ECDSA-AES256-SHA, ECDHE-ECDSA-CHACHA20-POLY1305, ECDHE-PSK-AES128-CBC-SHA, "
     "ECDHE-PSK-AES256-CBC-SHA, ECDHE-PSK-CHACHA20-POLY1305, ECDHE-RSA-AES128-GCM-SHA256, "
     "ECDHE-RSA-AES128-SHA, ECDHE-RSA-AES128-SHA256, ECDHE-RSA-AES256-GCM-SHA384, "
     "ECDHE-RSA-AES256-SHA, ECDHE-RSA-CHACHA20-POLY1305, PSK-AES128-CBC-SHA, "
     "PSK-AES256-CBC-SHA\n"),
    ((("P-384]", "X448]"),),
     f"envoy.yaml:23:64: {TLS_PARAMS}.ecdh_curves[3]: BoringSSL (Envoy) has no group 'X448': "
     "Envoy refuses the config; allowed: X25519MLKEM768, X25519, P-256, prime256v1, P-384, "
     "P-521\n"),
    ((("transport_sockets.tls.v3.DownstreamTlsContext",
       "transport_sockets.tls.v2.DownstreamTlsContext"),),
     "envoy.yaml:11:24: static_resources.listeners[0].filter_chains[0].transport_socket."
     "typed_config.@type: unknown transport socket type 'type.googleapis.com/envoy.extensions."
     "transport_sockets.tls.v2.DownstreamTlsContext'; tlsconf reads: type.googleapis.com/envoy."
     "extensions.transport_sockets.tls.v3.DownstreamTlsContext, type.googleapis.com/envoy."
     "extensions.transport_sockets.raw_buffer.v3.RawBuffer\n"),
    ((("  listeners:\n    - name: https", "  listeners:\n    https:\n    - name: https"),),
     "envoy.yaml:2:3: static_resources.listeners: expected a list, found a mapping\n"),
])
def test_what_envoy_refuses_or_tlsconf_cannot_read_is_exit_2(
        edits: tuple[tuple[str, str], ...], message: str) -> None:
    assert run("lint", write("envoy.yaml", edit(*edits))) == (2, "", message + NOT_LINTED)


def test_a_file_without_static_resources_is_exit_2() -> None:
    admin = "admin:\n  address: {socket_address: {address: 127.0.0.1, port_value: 9901}}\n"
    assert run("lint", "--kind", "envoy", write("envoy.yaml", admin)) == (2, "", (
        "envoy.yaml:1:1: no `static_resources`: tlsconf reads Envoy's static bootstrap "
        "(listeners and clusters in the file)\n" + NOT_LINTED))
    assert run("lint", "--kind", "envoy", write("e.yaml", "static_resources: {}\n")) == (2, "", (
        "e.yaml:1:1: static_resources: no `listeners` and no `clusters`: nothing to judge\n"
        + NOT_LINTED))


def test_detection_and_directory_search() -> None:
    assert detect("x/envoy.yaml", ENVOY) == "envoy"
    assert detect("x/bootstrap.json", '{\n  "static_resources": {}\n}\n') == "envoy"
    assert found_kind("x/package.json", '{"name": "app", "version": "1.0.0"}') is None
    write("deploy/envoy/envoy.json", json.dumps(yaml.safe_load(WEAK), indent=2))
    write("deploy/package.json", '{"name": "app", "scripts": {"start": "node ."}}\n')
    write("deploy/tsconfig.json", '{"compilerOptions": {"strict": true}}\n')
    code, out, err = run("lint", "--no-cert-checks", "deploy")
    assert (code, err) == (1, "")
    assert {line.split(":", 1)[0] for line in out.splitlines()} == {"deploy/envoy/envoy.json"}
    with pytest.raises(Exception, match="neither an Envoy bootstrap"):
        detect("x/package.json", '{"name": "app"}')
    # a ConfigMap carrying a bootstrap is a manifest (not read, unless asked for as k8s)
    config_map = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: envoy}\ndata:\n"
                  "  envoy.yaml: |\n" + "".join(f"    {line}\n" for line in ENVOY.splitlines()))
    assert detect("x/configmap.yaml", config_map) == "k8s"
    assert found_kind("x/configmap.yaml", config_map) is None


def test_the_port_80_virtual_host_is_the_one_envoy_picks() -> None:
    """An exact domain beats a wildcard, the longest wildcard beats a shorter one and `*`."""
    def port80(*vhosts: tuple[str, bool]) -> str:
        body = "".join(
            f"                    - name: v{i}\n                      domains: [\"{domains}\"]\n"
            "                      routes:\n                        - match: {prefix: /}\n"
            + ("                          redirect: {https_redirect: true}\n" if redirects
               else "                          route: {cluster: app}\n")
            for i, (domains, redirects) in enumerate(vhosts))
        start = ENVOY.index("                    - name: redirect\n")
        return ENVOY[:start] + body + ENVOY[ENVOY.index("  clusters:\n"):]

    for vhosts, redirected in (
            ((("*", False), ("example.com", True)), True),
            ((("*.com", True), ("*", False)), True),
            ((("*", True), ("*.com", False)), False),
            ((("*.com", False), ("*ample.com", True)), True),
            ((("other.example.com", True),), False)):
        (site,) = [s for s in envoy.ingest("envoy.yaml", port80(*vhosts)) if s.site.domains]
        assert site.facts.http_redirect is redirected, vhosts


def test_proto_json_camel_case_keys_are_read_too() -> None:
    camel = edit(("static_resources:", "staticResources:"), ("filter_chains:", "filterChains:"),
                 ("common_tls_context:", "commonTlsContext:"), ("tls_params:", "tlsParams:"),
                 ("tls_minimum_protocol_version: TLSv1_2", "tlsMinimumProtocolVersion: TLSv1_0"))
    assert detect("envoy.yaml", camel) == "envoy"
    code, out, _ = run("lint", "--no-cert-checks", write("envoy.yaml", camel))
    assert (code, out.splitlines()[0]) == (1, (
        "envoy.yaml:14:19: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by RFC 8996; "
        "Mozilla intermediate allows TLSv1.2 TLSv1.3)"))
