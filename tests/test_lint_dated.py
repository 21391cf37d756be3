"""`--as-of DATE` and the dated / freshness rules, end to end through the CLI with exact
messages: post-quantum groups (TLS305, TLS306), a cipher list copied from Mozilla 5.7
(TLS218), certificate validity judged at the given day. Traefik versions are always explicit
(the `traefik_version` setting) so the tests hold whatever tlsconf's Traefik default is."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support.pki import issue_leaf, make_ca
from typer.testing import CliRunner

from tests.lint.baselines import HAPROXY, INTERMEDIATE_CIPHERS, NGINX, SPEC, TRAEFIK
from tests.lint.files import write
from tlsconf.cli import app

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()
DHE = "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
PQ_SPEC_TARGETS = ('targets:\n  nginx: {openssl: "3.5"}\n  haproxy: {openssl: "3.5"}\n'
                   '  traefik: {version: "3.5"}\n')


def findings(*args: str, rules: tuple[str, ...]) -> tuple[int, list[str]]:
    """Exit code and `file:line:col: ID [severity] message` of the findings of `rules`."""
    result = runner.invoke(app, ["lint", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return result.exit_code, [
        f"{f['file']}:{f['line']}:{f['column']}: {f['rule']} [{f['severity']}] {f['message']}"
        for f in report["findings"] if f["rule"] in rules]


def settings(**values: str) -> None:
    write(".tlsconf.yaml", "".join(f'{k}: "{v}"\n' for k, v in values.items()))


# -- post-quantum groups -------------------------------------------------------------------

PQ_CURVES = "[X25519MLKEM768, X25519, CurveP256, CurveP384]"  # the Traefik baseline's
CLASSICAL_TRAEFIK = TRAEFIK.replace(PQ_CURVES, "[X25519, CurveP256, CurveP384]")
assert CLASSICAL_TRAEFIK != TRAEFIK
PQ_MISSING = ("the pinned group list leaves out X25519MLKEM768 (hybrid post-quantum key "
              "exchange), which {who} can offer; use {use}")


def test_pq_missing_on_configs_whose_version_can_offer_it() -> None:
    settings(openssl="3.5", traefik_version="3.5")
    files = [write("nginx.conf", NGINX), write("haproxy.cfg", HAPROXY),
             write("traefik.yml", CLASSICAL_TRAEFIK)]
    assert findings(*files, rules=("TLS305", "TLS306"))[1] == [
        "haproxy.cfg:2:5: TLS305 [warning] " + PQ_MISSING.format(
            who="OpenSSL 3.5",
            use="ssl-default-bind-curves X25519MLKEM768:X25519:prime256v1:secp384r1"),
        "nginx.conf:4:5: TLS305 [warning] " + PQ_MISSING.format(
            who="OpenSSL 3.5", use="ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1:secp384r1;"),
        "traefik.yml:24:7: TLS305 [warning] " + PQ_MISSING.format(
            who="Traefik 3.5",
            use="curvePreferences: [X25519MLKEM768, X25519, CurveP256, CurveP384]"),
    ]


def test_pq_missing_is_not_said_where_the_version_cannot_offer_it() -> None:
    settings(openssl="3.0", traefik_version="3.4")
    files = [write("nginx.conf", NGINX), write("haproxy.cfg", HAPROXY),
             write("traefik.yml", CLASSICAL_TRAEFIK)]
    assert findings(*files, rules=("TLS305", "TLS306")) == (0, [])
    # A list with the group is fine on a version that has it.
    settings(openssl="3.5", traefik_version="3.5")
    with_pq = [write("nginx.conf", NGINX.replace("X25519:", "X25519MLKEM768:X25519:")),
               write("traefik.yml", TRAEFIK)]
    assert findings(*with_pq, rules=("TLS305", "TLS306"))[1] == []


def test_pq_missing_on_a_spec_only_when_every_target_can_offer_it() -> None:
    pinned = SPEC.replace("      profile: intermediate\n",
                          "      profile: intermediate\n      curves: [X25519, prime256v1]\n")
    spec = write("site.tlsconf.yaml", PQ_SPEC_TARGETS + pinned)
    assert findings(spec, rules=("TLS305",))[1] == [
        "site.tlsconf.yaml:12:15: TLS305 [warning] " + PQ_MISSING.format(
            who="every target of this spec",
            use="curves: [X25519MLKEM768, X25519, prime256v1]")]
    # nginx on its default OpenSSL 3.0 would refuse a pinned X25519MLKEM768: nothing said.
    older = PQ_SPEC_TARGETS.replace('  nginx: {openssl: "3.5"}\n', "")
    assert findings(write("site.tlsconf.yaml", older + pinned), rules=("TLS305",))[1] == []
    # The profile's groups (not pinned): nothing said.
    assert findings(write("site.tlsconf.yaml", PQ_SPEC_TARGETS + SPEC), rules=("TLS305",)) == (
        0, [])


def test_pq_only_group_list_is_an_error() -> None:
    settings(openssl="3.5", traefik_version="3.5")
    files = [write("nginx.conf", NGINX.replace("X25519:prime256v1:secp384r1", "X25519MLKEM768")),
             write("traefik.yml", TRAEFIK.replace(PQ_CURVES, "[X25519MLKEM768]"))]
    message = ("every group is post-quantum (X25519MLKEM768): clients without ML-KEM cannot "
               "connect; add a classical fallback: ")
    assert findings(*files, rules=("TLS305", "TLS306")) == (1, [
        "nginx.conf:4:5: TLS306 [error] " + message
        + "ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1;",
        "traefik.yml:24:7: TLS306 [error] " + message
        + "curvePreferences: [X25519MLKEM768, X25519, CurveP256]"])


# -- Mozilla 5.7 ---------------------------------------------------------------------------

CURRENT = "this is Mozilla intermediate 5.7; current is 6.0: "


@pytest.mark.parametrize(("as_of", "said"), [("2026-04-05", False), ("2026-04-06", True)])
def test_mozilla_57_list_is_named_from_60s_date(as_of: str, said: bool) -> None:
    old = f"{INTERMEDIATE_CIPHERS}:{DHE}"
    files = [write("nginx.conf", NGINX.replace(INTERMEDIATE_CIPHERS, old)),
             write("haproxy.cfg", HAPROXY.replace(INTERMEDIATE_CIPHERS, old)),
             write("site.tlsconf.yaml", SPEC.replace(
                 "      profile: intermediate\n",
                 f"      profile: intermediate\n      ciphers: [{old.replace(':', ', ')}]\n"))]
    expected = [
        f"haproxy.cfg:3:5: TLS218 [info] {CURRENT}ssl-default-bind-ciphers {INTERMEDIATE_CIPHERS}",
        f"nginx.conf:3:5: TLS218 [info] {CURRENT}ssl_ciphers {INTERMEDIATE_CIPHERS};",
        f"site.tlsconf.yaml:8:16: TLS218 [info] {CURRENT}ciphers: "
        f"[{INTERMEDIATE_CIPHERS.replace(':', ', ')}]",
    ]
    assert findings("--as-of", as_of, *files, rules=("TLS218",))[1] == (expected if said else [])


def test_the_current_list_is_not_named() -> None:
    assert findings(write("nginx.conf", NGINX), rules=("TLS218",)) == (0, [])


# -- --as-of -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["lint", "render", "validate"])
@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "2026-4-6", ""])
def test_a_bad_date_is_a_usage_error(command: str, value: str) -> None:
    spec = write("site.tlsconf.yaml", SPEC)
    result = runner.invoke(app, [command, "--as-of", value, spec])
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"--as-of: {value!r} is not a date; use YYYY-MM-DD (e.g. 2026-04-06)\n")


def test_as_of_judges_certificate_validity_at_that_day(tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "ca", not_before=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    leaf = issue_leaf(ca, tmp_path, "site", ["example.com"], days=90,
                      not_before=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    spec = write("site.tlsconf.yaml", SPEC.replace("/etc/ssl/example.pem", str(leaf.cert_path))
                 .replace("/etc/ssl/example.key", str(leaf.key_path)))
    write(".tlsconf.yaml", f"trust: [{ca.cert_path}]\n")
    rules = ("TLS804", "TLS805", "TLS806")
    assert findings("--as-of", "2026-02-01", spec, rules=rules) == (0, [])
    assert findings("--as-of", "2025-12-31", spec, rules=rules)[1] == [
        f"site.tlsconf.yaml:5:20: TLS806 [error] {leaf.cert_path}: chain certificate #2 "
        "(tlsconf test CA) is not valid until 2026-01-01 00:00 UTC",
        f"site.tlsconf.yaml:5:20: TLS806 [error] {leaf.cert_path}: the leaf certificate is not "
        "valid until 2026-01-01 00:00 UTC"]
    assert findings("--as-of", "2026-03-20", spec, rules=rules)[1] == [
        f"site.tlsconf.yaml:5:20: TLS805 [warning] {leaf.cert_path}: the leaf certificate "
        "expires in 12 day(s), on 2026-04-01 00:00 UTC; renew it"]
    assert findings("--as-of", "2026-04-01", spec, rules=rules)[1] == [
        f"site.tlsconf.yaml:5:20: TLS804 [error] {leaf.cert_path}: the leaf certificate "
        "expired on 2026-04-01 00:00 UTC"]
    # render judges at the same day: it refuses an expired certificate then, and only then.
    assert runner.invoke(app, ["render", "--as-of", "2026-02-01", spec]).exit_code == 0
    refused = runner.invoke(app, ["render", "--as-of", "2026-04-01", spec])
    assert refused.exit_code == 1 and "TLS804 [error]" in refused.stderr


@pytest.mark.parametrize(("openssl", "traefik"), [("3.5", "3.5"), ("3.0", "3.4")])
def test_rendered_output_is_pq_fresh_for_the_versions_it_was_rendered_for(
        openssl: str, traefik: str, tmp_path: Path) -> None:
    """The renderers leave X25519MLKEM768 out only where the version cannot offer it, so the
    linter, told the same versions, has nothing to say about the groups they wrote."""
    targets = (f'targets:\n  nginx: {{openssl: "{openssl}"}}\n  haproxy: {{openssl: "{openssl}"}}\n'
               f'  traefik: {{version: "{traefik}"}}\n')
    spec = write("site.tlsconf.yaml", targets + SPEC)
    for target in ("nginx", "haproxy", "traefik"):
        result = runner.invoke(app, ["render", spec, "--target", target, "-o", "out",
                                     "--allow-weak"])
        assert result.exit_code == 0, result.stderr
    files = sorted(str(p) for p in Path("out").rglob("*") if p.is_file())
    curves = "".join(Path(f).read_text() for f in files)
    assert ("X25519MLKEM768" in curves) is (openssl == "3.5")
    settings(openssl=openssl, traefik_version=traefik)
    assert findings("--no-cert-checks", *files, rules=("TLS305", "TLS306"))[1] == []


@pytest.mark.parametrize(("key", "example"), [("traefik_version", "3.7"), ("openssl", "3.0")])
def test_a_bad_version_setting_is_exit_2(key: str, example: str) -> None:
    write(".tlsconf.yaml", f"{key}: latest\n")
    result = runner.invoke(app, ["lint", write("nginx.conf", NGINX)])
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f'.tlsconf.yaml:1:1: tlsconf.{key}: must be a version such as "{example}"\n')


def test_lint_names_the_sc081_cap_of_a_publicly_trusted_leaf(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TLS815 through `lint`: the test CA stands in for the system store (a public root); the
    same leaf under a private CA (`trust:`) is judged by the flat 398 days."""
    from tlsconf.certs import chain

    start = dt.datetime(2027, 3, 15, tzinfo=dt.UTC)
    ca = make_ca(tmp_path / "ca", not_before=start - dt.timedelta(days=30))
    leaf = issue_leaf(ca, tmp_path, "site", ["example.com"], days=101, not_before=start)
    spec = write("site.tlsconf.yaml", SPEC.replace("/etc/ssl/example.pem", str(leaf.cert_path))
                 .replace("/etc/ssl/example.key", str(leaf.key_path)))
    store = chain.TrustStore.from_certificates([ca.cert])
    monkeypatch.setattr(chain, "system_trust_store", lambda: store)
    assert findings("--as-of", "2027-04-01", spec, rules=("TLS815",)) == (1, [
        f"site.tlsconf.yaml:5:20: TLS815 [warning] {leaf.cert_path}: the leaf (notBefore "
        "2027-03-15) is valid for 101 days; CA/B Forum ballot SC-081v3 caps publicly trusted "
        "certificates issued from 2027-03-15 at 100 days"])
    monkeypatch.setattr(chain, "system_trust_store", chain.TrustStore)
    write(".tlsconf.yaml", f"trust: [{ca.cert_path}]\n")
    assert findings("--as-of", "2027-04-01", spec, rules=("TLS815",)) == (0, [])
