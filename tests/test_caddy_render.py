"""Caddy renderer: golden output per example, the refusals with their fields, and the
placeholder check."""

from __future__ import annotations

from pathlib import Path

import pytest
from goldens import GOLDEN, assert_golden

from tlsconf import policy
from tlsconf.errors import TlsconfError
from tlsconf.escape import UnsafeValue
from tlsconf.specfile import load_spec
from tlsconf.targets import caddy
from tlsconf.targets.caddy import Placeholder, dump

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("example", ["seed", "mtls"])
def test_golden(example: str) -> None:
    loaded = load_spec(str(EXAMPLES / f"{example}.yaml"))
    rendered = caddy.render(loaded, policy.resolve(loaded))
    assert_golden(rendered.files, GOLDEN / "caddy" / example)


def test_backup_pools_caddy_cannot_fail_over_are_refused() -> None:
    loaded = load_spec(str(EXAMPLES / "multi-site.yaml"))
    with pytest.raises(TlsconfError) as caught:
        caddy.render(loaded, policy.resolve(loaded))
    assert [str(p) for p in caught.value.problems] == [
        f"{EXAMPLES / 'multi-site.yaml'}:18:7: sites[0].upstreams: Caddy fails over in order "
        "(`first`) only: give / one non-backup server and a `health_check`, or drop `backup`"]


def test_placeholders_only_where_tlsconf_wrote_them() -> None:
    assert dump({"a": Placeholder("{http.request.host}")}) == (
        '{\n  "a": "{http.request.host}"\n}\n')
    with pytest.raises(UnsafeValue, match=r"refusing to emit '\{env.SECRET\}' into Caddy config"):
        dump({"a": "{env.SECRET}"})
    with pytest.raises(UnsafeValue):
        dump({"{env.X}": "a"})
