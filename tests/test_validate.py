"""`tlsconf validate`: the real servers' own checks on rendered output, with placeholders for
certificate files this machine does not have."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tlsconf import servers
from tlsconf import validate as validate_module
from tlsconf.cli import app

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_bundled_examples_pass_on_all_three_servers(
    example: str, nginx_bin: str, haproxy_bin: str, traefik_bin: str
) -> None:
    code, out, err = run(str(EXAMPLES / example))
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["nginx", "haproxy", "traefik"]
    assert all(": ok: " in line for line in lines), lines


def test_a_config_the_server_refuses_fails_with_its_message(tmp_path: Path, nginx_bin: str) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        (EXAMPLES / "seed.yaml").read_text().replace("127.0.0.1:8080", "no-such-host.invalid:8080")
    )
    code, out, err = run(str(spec), "--target", "nginx")
    assert code == 1 and out == ""
    assert err.startswith("nginx: FAILED: nginx refused the configuration\n")
    assert 'host not found in upstream "no-such-host.invalid:8080"' in err


def test_missing_binary_is_an_error_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate_module, "find_binary", lambda name: None)
    code, _, err = run(str(EXAMPLES / "seed.yaml"), "--target", "haproxy")
    assert code == 2
    assert err == (
        "haproxy: FAILED: haproxy is not installed (looked on PATH, in /usr/sbin "
        "and next to Python); install it to validate\n"
    )


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_bundled_examples_pass_on_envoy(example: str, envoy_bin: str) -> None:
    code, out, err = run(str(EXAMPLES / example), "--target", "envoy")
    assert code == 0, err
    clusters = {"seed.yaml": 1, "multi-site.yaml": 6, "mtls.yaml": 1}[example]
    assert out == (f"envoy: ok: envoy --mode validate: OK; started on 127.0.0.1 with 2 "
                   f"listener(s) and {clusters} cluster(s)\n")


def test_a_bootstrap_envoy_refuses_fails_with_its_message(tmp_path: Path, envoy_bin: str) -> None:
    from tlsconf import policy, targets
    from tlsconf.specfile import load_spec

    loaded = load_spec(str(EXAMPLES / "seed.yaml"))
    sites = validate_module._with_placeholders(policy.resolve(loaded), tmp_path / "placeholders")
    text = targets.render("envoy", loaded, sites).files["envoy/envoy.yaml"]
    (tmp_path / "envoy").mkdir()
    (tmp_path / "envoy" / "envoy.yaml").write_text(text.replace('"P-384"', '"X448"'))
    outcome = servers.check("envoy", envoy_bin, tmp_path, 30.0)
    assert outcome is not None and not outcome.ok
    assert outcome.summary == "envoy refused the configuration"
    assert "Failed to initialize ECDH curves X25519MLKEM768:X25519:P-256:X448" in outcome.details


def test_missing_envoy_is_an_error_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate_module, "find_binary", lambda name: None)
    code, out, err = run(str(EXAMPLES / "seed.yaml"), "--target", "envoy")
    assert (code, out) == (2, "")
    assert err == (
        "envoy: FAILED: envoy is not installed (looked on PATH, in /usr/sbin "
        "and next to Python); install it to validate\n"
    )


@pytest.mark.parametrize("example", ["seed.yaml", "mtls.yaml"])
def test_bundled_examples_pass_on_caddy(example: str, caddy_bin: str) -> None:
    code, out, err = run(str(EXAMPLES / example), "--target", "caddy")
    assert (code, err) == (0, "")
    assert out == ("caddy: ok: caddy validate: Valid configuration; started on 127.0.0.1 with 2 "
                   "server(s)\n")


def test_a_config_caddy_refuses_fails_with_its_message(tmp_path: Path, caddy_bin: str) -> None:
    from tlsconf import policy, targets
    from tlsconf.specfile import load_spec

    loaded = load_spec(str(EXAMPLES / "seed.yaml"))
    sites = validate_module._with_placeholders(policy.resolve(loaded), tmp_path / "placeholders")
    text = targets.render("caddy", loaded, sites).files["caddy/caddy.json"]
    (tmp_path / "caddy").mkdir()
    # Go's own constant name, which Caddy does not take (it wants the `_SHA256` spelling)
    short = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"
    (tmp_path / "caddy" / "caddy.json").write_text(text.replace(f'"{short}_SHA256"', f'"{short}"'))
    outcome = servers.check("caddy", caddy_bin, tmp_path, 30.0)
    assert outcome is not None and not outcome.ok
    assert outcome.summary == "caddy refused the configuration"
    assert f"unsupported cipher suite: {short}" in outcome.details


def test_missing_caddy_is_an_error_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate_module, "find_binary", lambda name: None)
    code, out, err = run(str(EXAMPLES / "seed.yaml"), "--target", "caddy")
    assert (code, out) == (2, "")
    assert err == (
        "caddy: FAILED: caddy is not installed (looked on PATH, in /usr/sbin "
        "and next to Python); install it to validate\n"
    )


def test_weak_specs_never_reach_a_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise AssertionError("a server check ran on a refused spec")

    monkeypatch.setattr(servers, "_run", boom)
    spec = tmp_path / "weak.yaml"
    spec.write_text(
        (EXAMPLES / "seed.yaml")
        .read_text()
        .replace(
            "key: /etc/ssl/private/mydomain.key}",
            "key: /etc/ssl/private/mydomain.key, protocols: [TLSv1, TLSv1.2]}",
        )
    )
    code, _, err = run(str(spec), "--target", "nginx")
    assert code == 1 and "TLS102 [error]" in err


def test_scratch_directory_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nginx_bin: str
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert run(str(EXAMPLES / "seed.yaml"), "--target", "nginx")[0] == 0
    assert list(tmp_path.iterdir()) == []
