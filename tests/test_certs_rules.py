"""The TLS8xx rules over real inputs: a spec (or nginx/HAProxy config) naming generated
files is ingested like `tlsconf lint` does, and every certificate rule is run on it.

Each rule has a case that must trigger it — and nothing else in the family — and the clean
case must trigger none; a meta-test checks every rule has its case."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from test_certs_factory import (
    PKI,
    Issued,
    certificate,
    dh_params_pem,
    make_pki,
    new_key,
    pem,
    write_private,
)

from tlsconf.certs.generate import key_pem
from tlsconf.config import Settings
from tlsconf.errors import Location
from tlsconf.ingest import ingest
from tlsconf.lint.engine import judging_profile
from tlsconf.rules.base import Context
from tlsconf.rules.certificates import RULES

DAY = dt.timedelta(days=1)


@dataclass
class Site:
    """What a case writes: the certificate file's contents, the key, and spec extras."""

    certs: list[Issued]
    key: bytes | None
    key_mode: int = 0o600
    domains: tuple[str, ...] = ("app.example.com",)
    profile: str = "intermediate"
    tls_extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    rule: str
    name: str
    message: str
    location: Location


def spec_text(cert: Path, key: Path, site: Site) -> str:
    extra = "".join(f"      {k}: {v}\n" for k, v in site.tls_extra.items())
    return (
        "sites:\n"
        "  - name: app\n"
        f"    domains: [{', '.join(site.domains)}]\n"
        "    tls:\n"
        f"      certificate: {cert}\n"
        f"      key: {key}\n"
        f"      profile: {site.profile}\n"
        f"{extra}"
        '    upstreams: [{address: "127.0.0.1:8080"}]\n'
    )


def run_rules(path: Path, settings: Settings | None = None, kind: str | None = None
              ) -> list[Result]:
    settings = settings or Settings()
    _, subjects, _ = ingest(str(path), kind)
    out = []
    for subject in subjects:
        ctx = Context(judging_profile(subject, settings), settings, settings.now())
        for rule in RULES:
            for hit in rule.check(subject, ctx):
                out.append(Result(rule.id, rule.name, hit.message,
                                  hit.location or subject.locate(hit.field)))
    return out


def write_spec(tmp_path: Path, site: Site) -> Path:
    cert = tmp_path / "site.pem"
    cert.write_bytes(pem(*(i.cert for i in site.certs)))
    key = tmp_path / "site.key"
    if site.key is not None:
        write_private(key, site.key, site.key_mode)
    spec = tmp_path / "app.tlsconf.yaml"
    spec.write_text(spec_text(cert, key, site))
    return spec


@pytest.fixture(scope="module")
def pki() -> PKI:
    return make_pki()


def _key(issued: Issued) -> bytes:
    return key_pem(issued.key).encode()


def good(pki: PKI, **kw: object) -> Site:
    leaf = pki.leaf(**kw)  # type: ignore[arg-type]
    return Site([leaf, pki.intermediate, pki.root], _key(leaf))


def _dh(tmp: Path, bits: int) -> str:
    path = tmp / f"dh{bits}.pem"
    path.write_bytes(dh_params_pem(bits))
    return str(path)


def _encrypted(issued: Issued) -> bytes:
    return issued.key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.BestAvailableEncryption(b"secret"))


def _with(site: Site, **changes: object) -> Site:
    for name, value in changes.items():
        setattr(site, name, value)
    return site


# rule name → (how to build a site that has exactly that problem)
CASES: dict[str, Callable[[PKI, Path], Site]] = {
    "cert-file-unreadable": lambda p, t: _with(good(p), key=None),
    "cert-file-invalid": lambda p, t: _with(good(p), key=b"not a key"),
    "cert-key-encrypted": lambda p, t: (lambda s: _with(s, key=_encrypted(s.certs[0])))(good(p)),
    "cert-expired": lambda p, t: good(p, start=-100 * DAY, days=90),
    "cert-expiring-soon": lambda p, t: good(p, start=-80 * DAY, days=90),
    "cert-not-yet-valid": lambda p, t: good(p, start=3 * DAY),
    "cert-weak-key": lambda p, t: good(p, key=new_key("rsa", 1024)),
    "cert-key-type-not-allowed": lambda p, t: _with(good(p, key=new_key("rsa")),
                                                    profile="modern"),
    "cert-weak-signature": lambda p, t: good(p, sign_hash="sha1"),
    "cert-key-mismatch": lambda p, t: _with(good(p), key=key_pem(new_key()).encode()),
    "cert-san-mismatch": lambda p, t: _with(good(p), domains=("app.example.com",
                                                               "api.example.com")),
    "cert-self-signed": lambda p, t: (lambda s: Site([s], _key(s)))(
        certificate(new_key(), "app.example.com", sans=["app.example.com"])),
    "cert-chain-order": lambda p, t: (lambda s: _with(s, certs=s.certs[::-1]))(good(p)),
    "cert-chain-incomplete": lambda p, t: (lambda s: _with(s, certs=s.certs[:1]))(good(p)),
    "cert-lifetime-too-long": lambda p, t: good(p, days=500),
    "cert-leaf-is-ca": lambda p, t: good(p, ca=True),
    "cert-no-server-auth": lambda p, t: good(p, eku=None),
    "key-file-permissions": lambda p, t: _with(good(p), key_mode=0o640),
    "cert-must-staple-without-stapling": lambda p, t: good(p, must_staple=True),
    "dhparam-weak": lambda p, t: _with(good(p), tls_extra={"dhparam": _dh(t, 1024)}),
    "cert-serial-invalid": lambda p, t: good(p, serial=0),
    "cert-stapling-without-ocsp-url": lambda p, t: _with(good(p), tls_extra={
        "ocsp_stapling": "true", "resolvers": "[127.0.0.53]"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_triggers_alone(pki: PKI, tmp_path: Path, name: str) -> None:
    spec = write_spec(tmp_path, CASES[name](pki, tmp_path))
    results = run_rules(spec)
    assert [r.name for r in results] == [name], results
    (result,) = results
    # The finding points at the spec line that names the file, and names the file.
    assert result.location.file == str(spec) and result.location.line > 0
    assert str(tmp_path) in result.message
    assert "BEGIN" not in result.message


def test_clean_site_triggers_nothing(pki: PKI, tmp_path: Path) -> None:
    site = good(pki)
    site.tls_extra = {"dhparam": _dh(tmp_path, 2048), "ocsp_stapling": "true",
                      "resolvers": "[127.0.0.53]", "trusted_ca": str(tmp_path / "ca.pem")}
    (tmp_path / "ca.pem").write_bytes(pem(pki.root.cert))
    site.certs[0] = pki.leaf(must_staple=True, ocsp_url="http://ocsp.example.net")
    site.key = _key(site.certs[0])
    assert run_rules(write_spec(tmp_path, site)) == []


def test_every_certificate_check_is_a_rule_with_cases() -> None:
    from tlsconf.certs.issues import CHECKS

    assert sorted(r.name for r in RULES) == sorted(CHECKS) == sorted(CASES)
    assert [r.id for r in RULES] == [f"TLS8{n:02d}" for n in range(1, len(RULES) + 1)]
    for rule in RULES:
        assert rule.severity == CHECKS[rule.name].severity
        assert rule.family == "certificates"
        assert all(getattr(rule, f).strip() for f in ("summary", "why", "bad", "good", "fix"))
        assert rule.references


def test_finding_points_at_the_key_line(pki: PKI, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, _with(good(pki), key_mode=0o644))
    (result,) = run_rules(spec)
    key_line = spec.read_text().splitlines().index(f"      key: {tmp_path / 'site.key'}") + 1
    assert result.location.line == key_line


def test_site_whose_certificate_is_not_on_this_machine_is_not_judged(tmp_path: Path) -> None:
    spec = tmp_path / "app.tlsconf.yaml"
    spec.write_text(spec_text(tmp_path / "elsewhere.pem", tmp_path / "elsewhere.key",
                              Site([], None)))
    assert run_rules(spec) == []


def test_expiry_threshold_comes_from_the_settings(pki: PKI, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, good(pki, start=-50 * DAY, days=90))  # ~40 days left
    assert run_rules(spec) == []
    (result,) = run_rules(spec, Settings(cert_expiry_days=60))
    assert result.name == "cert-expiring-soon"


def test_an_edited_file_is_judged_again(pki: PKI, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, good(pki))
    assert run_rules(spec) == []
    os.chmod(tmp_path / "site.key", 0o644)
    assert [r.name for r in run_rules(spec)] == ["key-file-permissions"]
    expired = good(pki, start=-100 * DAY, days=90)
    (tmp_path / "site.pem").write_bytes(pem(*(i.cert for i in expired.certs)))
    (tmp_path / "site.key").write_bytes(_key(expired.certs[0]))
    assert sorted(r.name for r in run_rules(spec)) == ["cert-expired", "key-file-permissions"]


def test_nginx_config_names_and_files(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf(["example.com", "*.example.com"])
    cert = tmp_path / "full.pem"
    cert.write_bytes(pem(leaf.cert, pki.intermediate.cert, pki.root.cert))
    key = write_private(tmp_path / "k.pem", _key(leaf))
    conf = tmp_path / "nginx.conf"
    names = "example.com www.example.com .example.com ~^(?<x>.+)$ _"
    conf.write_text(
        "http {\n    server {\n        listen 443 ssl;\n"
        f"        server_name {names};\n"
        f"        ssl_certificate {cert};\n        ssl_certificate_key {key};\n"
        "    }\n}\n")
    assert run_rules(conf) == []
    conf.write_text(conf.read_text().replace(names, "example.com a.b.example.com"))
    (result,) = run_rules(conf)
    assert result.name == "cert-san-mismatch" and "a.b.example.com" in result.message
    assert result.location.line == 5  # ssl_certificate


def test_haproxy_bundle_and_sidecar_key(pki: PKI, tmp_path: Path) -> None:
    leaf = pki.leaf(["example.com"])
    chain_pem = pem(leaf.cert, pki.intermediate.cert, pki.root.cert)
    bundle = write_private(tmp_path / "site.pem", chain_pem + _key(leaf))
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(
        "frontend fe\n    mode http\n"
        f"    bind :443 ssl crt {bundle}\n"
        "    http-request return status 200 if { req.hdr(host) -m str example.com }\n")
    assert [r.name for r in run_rules(cfg)] == []
    # HAProxy >= 2.2: no key in the PEM, so FILE.key next to it.
    write_private(bundle, chain_pem)
    write_private(tmp_path / "site.pem.key", key_pem(new_key()).encode())
    assert [r.name for r in run_rules(cfg)] == ["cert-key-mismatch"]
    write_private(tmp_path / "site.pem.key", _key(leaf), 0o644)
    assert [r.name for r in run_rules(cfg)] == ["key-file-permissions"]


def test_the_whole_family_can_be_turned_off(pki: PKI, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, CASES["cert-expired"](pki, tmp_path))
    assert [r.name for r in run_rules(spec)] == ["cert-expired"]
    assert run_rules(spec, Settings(certificates=False)) == []
    config = tmp_path / ".tlsconf.yaml"
    config.write_text("certificates: false\n")
    from tlsconf.config import load_settings

    assert load_settings(config).certificates is False
    from typer.testing import CliRunner

    from tlsconf.cli import app

    flagged = CliRunner().invoke(app, ["lint", str(spec)])
    assert flagged.exit_code == 1 and "TLS8" in flagged.stdout
    skipped = CliRunner().invoke(app, ["lint", "--no-cert-checks", str(spec)])
    assert skipped.exit_code == 0, skipped.stdout


STAPLING_MESSAGE = "stapling does nothing: the certificate has no OCSP URL"


@pytest.mark.parametrize("ocsp_url", [None, "http://ocsp.example.net"])
def test_stapling_without_ocsp_url_in_nginx_and_haproxy(pki: PKI, tmp_path: Path,
                                                        ocsp_url: str | None) -> None:
    """`ssl_stapling on` (nginx) and `ocsp-update on` (a HAProxy crt-list line or crt-store
    load) on a certificate without an OCSP URL: TLS822; with one, or stapling off: nothing."""
    leaf = pki.leaf(["example.com"], ocsp_url=ocsp_url)
    cert = tmp_path / "full.pem"
    cert.write_bytes(pem(leaf.cert, pki.intermediate.cert, pki.root.cert))
    key = write_private(tmp_path / "k.pem", _key(leaf))
    conf = tmp_path / "nginx.conf"
    site = ("http {\n    server {\n        listen 443 ssl;\n        server_name example.com;\n"
            f"        ssl_certificate {cert};\n        ssl_certificate_key {key};\n"
            "        ssl_stapling on;\n        resolver 127.0.0.53;\n    }\n}\n")
    conf.write_text(site)
    expected = [] if ocsp_url else [("TLS822", f"{cert}: {STAPLING_MESSAGE}", 5)]
    assert [(r.rule, r.message, r.location.line) for r in run_rules(conf)] == expected
    conf.write_text(site.replace("ssl_stapling on", "ssl_stapling off"))
    assert run_rules(conf) == []
    bundle = write_private(tmp_path / "site.pem",
                           pem(leaf.cert, pki.intermediate.cert, pki.root.cert) + _key(leaf))
    crt_list = tmp_path / "crt-list.txt"
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(f"frontend fe\n    mode http\n    bind :443 ssl crt-list {crt_list}\n"
                   "    http-request return status 200\n")
    for value, fires in (("on", not ocsp_url), ("off", False)):
        crt_list.write_text(f"{bundle} [ocsp-update {value}] example.com\n")
        expected = [("TLS822", f"{bundle}: {STAPLING_MESSAGE}", 1)] if fires else []
        assert [(r.rule, r.message, r.location.line) for r in run_rules(cfg)] == expected
    # HAProxy >= 3.0: the crt-store that loads the certificate says `ocsp-update on`.
    for value, fires in (("on", not ocsp_url), ("off", False)):
        cfg.write_text(f"crt-store\n    load crt {bundle} ocsp-update {value}\n\n"
                       f"frontend fe\n    mode http\n    bind :443 ssl crt {bundle}\n"
                       "    http-request return status 200\n")
        expected = [("TLS822", f"{bundle}: {STAPLING_MESSAGE}", 6)] if fires else []
        assert [(r.rule, r.message, r.location.line) for r in run_rules(cfg)] == expected
