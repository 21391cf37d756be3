"""`tlsconf validate --live`: the real server on loopback, verified while it runs, always stopped.

`validate.live` is driven here with a probe of the test's own (what the live server answered,
and on which ports), so the start, the loopback move, the stub upstream and the stop are checked
apart from the verify engine; the CLI end to end is in test_verify_targets_e2e.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.procs import port_open
from support.tlsprobe import http_get, https_get

from tlsconf import policy, servers
from tlsconf.policy import SitePolicy
from tlsconf.specfile import load_spec
from tlsconf.validate import live

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HSTS = "max-age=63072000; includeSubDomains"

pytestmark = pytest.mark.e2e


def answers(served: tuple[SitePolicy, ...]) -> list[tuple[Any, ...]]:
    """Per site: its ports, then the answers to GET / and GET /%zz, and the redirect."""
    out: list[tuple[Any, ...]] = []
    for site in served:
        name = site.domains[0]
        ok = https_get(site.https_port, name, "/")
        missing = https_get(site.https_port, name, "/%zz")
        redirect = http_get(site.http_port, "/a?b=c", host=name)
        out.append((site.address, site.https_port, site.http_port,
                    ok.status, ok.body, ok.headers.get("strict-transport-security"),
                    missing.status, missing.headers.get("strict-transport-security"),
                    redirect.status, redirect.headers.get("location")))
    return out


@pytest.mark.parametrize("target", ["nginx", "haproxy", "traefik", "envoy", "caddy"])
def test_live_serves_the_spec_on_loopback_and_stops(target: str, request: pytest.FixtureRequest
                                                    ) -> None:
    request.getfixturevalue(f"{target}_bin")
    loaded = load_spec(str(EXAMPLES / "seed.yaml"))
    result = live(loaded, policy.resolve(loaded), target, answers, timeout=30)
    assert result.outcome.ok, result.outcome
    assert result.verified is not None
    [(address, https, http, *seen)] = result.verified
    assert result.moves == (f"0.0.0.0:443 -> 127.0.0.1:{https}", f"0.0.0.0:80 -> 127.0.0.1:{http}")
    # `/%zz`: nginx answers 400 itself, HAProxy and Envoy pass it to the stub upstream, which
    # answers 400 too; Go's net/http (Traefik, Caddy) answers 400 before any handler: no HSTS.
    bad_request_hsts = None if target in ("traefik", "caddy") else HSTS
    assert (address, *seen) == (
        "127.0.0.1", 200, servers.STUB_BODY, HSTS, 400, bad_request_hsts,
        301, f"https://mydomain.com:{https}/a?b=c")
    assert not port_open(https) and not port_open(http)


def test_an_interrupted_verify_still_stops_the_server(nginx_bin: str) -> None:
    loaded = load_spec(str(EXAMPLES / "seed.yaml"))
    seen: list[int] = []

    def interrupted(served: tuple[SitePolicy, ...]) -> None:
        seen.append(served[0].https_port)
        assert port_open(seen[0])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        live(loaded, policy.resolve(loaded), "nginx", interrupted)
    assert len(seen) == 1 and not port_open(seen[0])


def test_a_server_that_cannot_start_is_reported_and_verify_never_runs(
    tmp_path: Path, haproxy_bin: str
) -> None:
    loaded = load_spec(str(EXAMPLES / "seed.yaml"))
    # Another process holds the port the first listener is moved to: HAProxy cannot bind it.
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    real = servers.free_port
    ports = iter([taken])

    def first_taken() -> int:
        return next(ports, None) or real()

    def never(served: tuple[SitePolicy, ...]) -> None:
        raise AssertionError("verify ran against a server that did not start")

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(servers, "free_port", first_taken)
            result = live(loaded, policy.resolve(loaded), "haproxy", never, timeout=10)
    finally:
        holder.close()
    assert (result.outcome.ok, result.verified) == (False, None)
    assert result.outcome.summary == "haproxy exited with status 1"
    assert "cannot bind socket" in result.outcome.details
