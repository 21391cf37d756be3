"""nginx renderer: golden output per example and per version gate, and refusals."""

from __future__ import annotations

from pathlib import Path

import crossplane
import pytest
from goldens import GOLDEN, assert_golden

from tlsconf import policy
from tlsconf.errors import TlsconfError
from tlsconf.render import Rendered
from tlsconf.specfile import parse_spec
from tlsconf.targets import nginx

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

SITE = """\
sites:
  - name: shop
    domains: [shop.example.com]
    tls: {certificate: /etc/ssl/c.pem, key: /etc/ssl/k.pem%s}
    upstreams: [{address: 127.0.0.1:8080}]
"""


def render_text(text: str, **kw: bool) -> Rendered:
    loaded = parse_spec("s.yaml", text.encode())
    return nginx.render(loaded, policy.resolve(loaded), **kw)


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_examples_match_golden(example: str) -> None:
    path = EXAMPLES / f"{example}.yaml"
    loaded = parse_spec(f"examples/{example}.yaml", path.read_bytes())
    rendered = nginx.render(loaded, policy.resolve(loaded), main_config=True)
    assert_golden(rendered.files, GOLDEN / "nginx" / example)


@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("nginx-1.18", "{version: '1.18', openssl: '1.1.1'}"),
        ("nginx-1.22", "{version: '1.22', openssl: '3.0'}"),
        ("nginx-1.24", "{version: '1.24', openssl: '3.0'}"),
        ("nginx-1.26-openssl-3.5", "{version: '1.26', openssl: '3.5'}"),
    ],
)
def test_version_gates_match_golden(name: str, targets: str) -> None:
    rendered = render_text(SITE % "" + f"targets:\n  nginx: {targets}\n")
    assert_golden(rendered.files, GOLDEN / "nginx-gates" / name)


def test_gates_change_exactly_the_gated_directives() -> None:
    old = render_text(SITE % "" + "targets: {nginx: {version: '1.22'}}\n").text()
    new = render_text(SITE % "" + "targets: {nginx: {version: '1.26', openssl: '3.5'}}\n").text()
    assert "listen 0.0.0.0:443 ssl http2;" in old and "http2 on;" not in old
    assert "listen 0.0.0.0:443 ssl;" in new and "    http2 on;" in new
    assert "ssl_session_tickets off;" in old and "ssl_session_tickets on;" in new
    assert "ssl_ecdh_curve X25519:prime256v1:secp384r1;" in old
    assert "ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1:secp384r1;" in new


def test_output_parses_back_with_crossplane(tmp_path: Path) -> None:
    rendered = render_text((EXAMPLES / "multi-site.yaml").read_text())
    for name, text in rendered.files.items():
        path = tmp_path / Path(name).name
        path.write_text(text)
        payload = crossplane.parse(str(path), single=True, check_ctx=False, check_args=False)
        assert payload["status"] == "ok", payload["errors"]


def test_modern_omits_tls12_ciphers() -> None:
    text = render_text(SITE % ", profile: modern").text()
    assert "ssl_protocols TLSv1.3;" in text
    assert "ssl_ciphers" not in text
    assert (
        "ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
        "TLS_CHACHA20_POLY1305_SHA256;" in text
    )


def test_overrides_replace_profile_values() -> None:
    text = render_text(
        SITE % ", protocols: [TLSv1.3], ciphersuites: [TLS_AES_256_GCM_SHA384], curves: [secp384r1]"
    ).text()
    assert "ssl_protocols TLSv1.3;" in text
    assert "ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;" in text
    assert "ssl_ecdh_curve secp384r1;" in text


def test_iana_cipher_names_render_as_openssl_names() -> None:
    text = render_text(SITE % ", ciphers: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]").text()
    assert "ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;" in text


def test_explicit_mlkem_on_openssl_30_is_an_error_naming_the_field() -> None:
    with pytest.raises(TlsconfError) as info:
        render_text(SITE % ", curves: [X25519MLKEM768, X25519]")
    assert [str(p) for p in info.value.problems] == [
        "s.yaml:4:69: sites[0].tls.curves: X25519MLKEM768 needs OpenSSL >= 3.5; "
        "targets.nginx.openssl is 3.0"
    ]


def test_different_policies_on_one_listener_are_refused() -> None:
    two = SITE % ", profile: modern" + SITE.replace("sites:\n", "").replace("shop", "blog") % ""
    with pytest.raises(TlsconfError) as info:
        render_text(two)
    assert [str(p) for p in info.value.problems] == [
        "s.yaml:6:5: sites[1]: site 'blog' shares the listener 0.0.0.0:443 with 'shop' but "
        "differs in protocols, ciphers; nginx applies these per listener, not per SNI name. "
        "Give the site its own listen port or address, or the same TLS settings."
    ]


def test_different_policies_on_different_ports_are_fine() -> None:
    two = (
        SITE % ", profile: modern"
        + SITE.replace("sites:\n", "").replace("shop", "blog") % ""
        + "    listen: {https_port: 8443, http_port: 8080}\n"
    )
    text = render_text(two).text()
    assert "listen 0.0.0.0:8443 ssl default_server http2;" in text
    assert "return 301 https://$host:8443$request_uri;" in text


def test_ip_hash_with_backup_is_refused() -> None:
    spec = SITE % "" + "    balance: ip_hash\n"
    spec = spec.replace(
        "[{address: 127.0.0.1:8080}]",
        "[{address: 127.0.0.1:8080}, {address: 127.0.0.1:8081, backup: true}]",
    )
    with pytest.raises(TlsconfError) as info:
        render_text(spec)
    assert "cannot combine `balance: ip_hash` with `backup: true`" in str(info.value)


def test_values_with_spaces_and_quotes_are_quoted_and_escaped() -> None:
    spec = (SITE % "").replace("/etc/ssl/c.pem", "'/etc/ssl/my certs/c.pem'")
    spec += "    headers: {X-Note: 'say \"hi\" \\ bye'}\n"  # one backslash in the value
    text = render_text(spec).text()
    assert 'ssl_certificate "/etc/ssl/my certs/c.pem";' in text
    assert 'add_header X-Note "say \\"hi\\" \\\\ bye" always;' in text


def test_output_is_deterministic() -> None:
    spec = (EXAMPLES / "multi-site.yaml").read_text()
    assert render_text(spec).files == render_text(spec).files
