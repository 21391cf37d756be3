"""The version-gate registry (`tlsconf.gates`): its rows (golden), README's generated section,
`tlsconf gates`, and that its post-quantum column says what the renderers really write."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from goldens import GOLDEN, assert_golden
from typer.testing import CliRunner

from tlsconf import gates, names, policy, targets
from tlsconf.cli import app
from tlsconf.specfile import parse_spec
from tlsconf.targets import caddy, envoy, envoy_tls, haproxy, nginx, traefik, traefik_tls

README = Path(__file__).resolve().parent.parent / "README.md"
SPEC = """\
sites:
  - name: shop
    domains: [shop.example.com]
    tls: {certificate: /etc/ssl/c.pem, key: /etc/ssl/c.pem.key, profile: %s}
    upstreams: [{address: 127.0.0.1:8080}]
"""
# The group lists as each target writes them: nginx/HAProxy colon lists, JSON lists elsewhere.
GROUP_LISTS = {
    "nginx": r"ssl_ecdh_curve (\S+);",
    "haproxy": r"ssl-default-bind-curves (\S+)\n",
    "traefik": r'"curvePreferences": (\[[^\]]*\])',
    "envoy": r'"ecdh_curves": (\[[^\]]*\])',
    "caddy": r'"curves": (\[[^\]]*\])',
}
PROFILES = {t: ("modern", "intermediate", "old") for t in GROUP_LISTS} | {
    "caddy": ("modern", "intermediate")  # Caddy has no TLS 1.0/1.1: `old` is refused
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def group_lists(target: str, profile: str, targets_yaml: str = "") -> list[list[str]]:
    """Every group list of the target's output for a one-site spec, in OpenSSL names."""
    text = SPEC % profile + (f"targets: {{{target}: {targets_yaml}}}\n" if targets_yaml else "")
    loaded = parse_spec("s.yaml", text.encode())
    rendered = targets.render(target, loaded, policy.resolve(loaded))
    found = [m for body in rendered.files.values()
             for m in re.findall(GROUP_LISTS[target], body)]
    assert found, rendered.files
    lists = [m.split(":") if target in ("nginx", "haproxy") else json.loads(m) for m in found]
    return [[_openssl_name(target, g) for g in groups] for groups in lists]


def _openssl_name(target: str, group: str) -> str:
    table = {"traefik": {g.go: g.name for g in names.GROUPS if g.go},
             "envoy": {v: k for k, v in envoy_tls.CURVES.items()},
             "caddy": {v: k for k, v in caddy.CURVES.items()}}.get(target, {})
    return table.get(group, group)


# -- the rows ----------------------------------------------------------------------------------


def test_the_rows_match_golden() -> None:
    assert_golden({"gates.md": gates.markdown(), "gates.txt": gates.text()}, GOLDEN / "gates")


def test_the_rows_are_the_target_modules_constants() -> None:
    """Every number is the renderer's own object, not a copy of its value."""
    modules = (nginx, haproxy, traefik, traefik_tls, envoy, caddy)
    constants = [v for m in modules for v in vars(m).values() if isinstance(v, tuple)]
    constants.append(names.GROUPS_BY_NAME["X25519MLKEM768"].openssl_min)
    for gate in gates.GATES:
        assert any(gate.minimum is c for c in constants), gate
    for target in gates.TARGETS:
        assert any(target.pq_minimum is c for c in constants), target
        assert target.minimum is None or any(target.minimum is c for c in constants), target
    assert [t.default_version for t in gates.TARGETS] == [
        nginx.DEFAULT_VERSION, haproxy.DEFAULT_VERSION, traefik.DEFAULT_VERSION,
        envoy.DEFAULT_VERSION, caddy.DEFAULT_VERSION]
    assert [t.name for t in gates.TARGETS] == list(GROUP_LISTS)
    assert {g.target for g in gates.GATES} == set(GROUP_LISTS)


def test_the_pq_column() -> None:
    assert {t.name: t.pq_default for t in gates.TARGETS} == {
        "nginx": False, "haproxy": False, "traefik": True, "envoy": True, "caddy": True}
    assert gates.target_rows()[2] == (
        "traefik", "Traefik 3.7", "Traefik 3.0",
        'yes; listed first from Traefik ≥ 3.5 (`targets.traefik.version: "3.5"`)')


# -- what the column claims is what the renderers write -----------------------------------------


@pytest.mark.parametrize(
    ("target", "profile"), [(t, p) for t, ps in PROFILES.items() for p in ps])
def test_default_output_lists_the_pq_group_first_exactly_where_the_table_says(
        target: str, profile: str) -> None:
    row = next(t for t in gates.TARGETS if t.name == target)
    lists = group_lists(target, profile)
    if row.pq_default:
        assert all(groups[0] == "X25519MLKEM768" for groups in lists), lists
    else:
        assert all("X25519MLKEM768" not in groups for groups in lists), lists


@pytest.mark.parametrize("profile", ["modern", "intermediate", "old"])
@pytest.mark.parametrize("target", ["nginx", "haproxy"])
def test_openssl_35_lists_the_pq_group_first(target: str, profile: str) -> None:
    """Render only: Debian 12's OpenSSL 3.0 here cannot load this output (no `nginx -t`)."""
    lists = group_lists(target, profile, '{openssl: "3.5"}')
    assert lists == [["X25519MLKEM768", "X25519", "prime256v1", "secp384r1"]] * len(lists)
    below = group_lists(target, profile, '{openssl: "3.4"}')
    assert below == [["X25519", "prime256v1", "secp384r1"]] * len(below)


def test_traefik_lists_the_pq_group_from_its_gate_on() -> None:
    assert group_lists("traefik", "modern", '{version: "3.5"}')[0][0] == "X25519MLKEM768"
    assert "X25519MLKEM768" not in group_lists("traefik", "modern", '{version: "3.4"}')[0]


# -- README and the command --------------------------------------------------------------------


def test_readme_section_is_the_generated_one() -> None:
    text = README.read_text("utf-8")
    assert gates.markdown() in text
    assert gates.replace_section(text) == text


def test_gates_command(tmp_path: Path) -> None:
    assert run("gates") == (0, gates.text(), "")
    assert run("gates", "--markdown") == (0, gates.markdown(), "")
    assert run("gates", "--markdown", "--check", "-o", str(README)) == (0, "", "")
    doc = tmp_path / "doc.md"
    doc.write_text(f"# Doc\n\n{gates.BEGIN}\nold\n{gates.END}\n\nafter\n", "utf-8")
    assert run("gates", "--markdown", "--check", "-o", str(doc)) == (
        1, "", f"{doc}: stale; run `tlsconf gates --markdown -o {doc}`\n")
    assert run("gates", "--markdown", "-o", str(doc)) == (0, "", "")
    assert doc.read_text("utf-8") == f"# Doc\n\n{gates.markdown()}\nafter\n"
    assert run("gates", "--check", "-o", str(doc)) == (0, "", "")
    doc.write_text("# Doc\n", "utf-8")
    assert run("gates", "-o", str(doc)) == (
        2, "", f"{doc}: needs one {gates.BEGIN} line and one {gates.END} line\n")
    assert doc.read_text("utf-8") == "# Doc\n"
    assert run("gates", "--check") == (2, "", "--check: needs -o FILE\n")
