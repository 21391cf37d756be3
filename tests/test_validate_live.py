"""`tlsconf validate --live`: the real server on loopback, verified while it runs, always stopped.

`validate.live` is driven here with a probe of the test's own (what the live server answered,
and on which ports), so the start, the loopback move, the stub upstream and the stop are checked
apart from the verify engine; the CLI end to end is in test_verify_targets_e2e.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from support.procs import port_open
from support.tlsprobe import http_get, https_get
from typer.testing import CliRunner

from tlsconf import policy, servers
from tlsconf.cli import app
from tlsconf.policy import SitePolicy
from tlsconf.specfile import load_spec
from tlsconf.validate import live

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HSTS = "max-age=63072000; includeSubDomains"

pytestmark = pytest.mark.e2e


def answers(served: tuple[SitePolicy, ...], client: tuple[str, str] | None
            ) -> list[tuple[Any, ...]]:
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

    def interrupted(served: tuple[SitePolicy, ...], client: object) -> None:
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

    def never(served: tuple[SitePolicy, ...], client: object) -> None:
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


# -- the CLI -------------------------------------------------------------------------------------
MOVES = re.compile(r"^(\w+): listeners moved to loopback: 0\.0\.0\.0:443 -> 127\.0\.0\.1:(\d+), "
                   r"0\.0\.0\.0:80 -> 127\.0\.0\.1:(\d+)$", re.MULTILINE)
STARTED = {"nginx": "nginx -t: OK; started on 127.0.0.1",
           "haproxy": "haproxy -c: OK; started on 127.0.0.1",
           "traefik": "traefik loaded 1 routers, all enabled",
           "envoy": "envoy --mode validate: OK; started on 127.0.0.1 with 2 listener(s) and 1 "
                    "cluster(s)",
           "caddy": "caddy validate: Valid configuration; started on 127.0.0.1 with 2 server(s)"}


def run_live(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", *args, "--live"])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("nginx_bin", "haproxy_bin", "traefik_bin")
def test_validate_live_verifies_nginx_haproxy_and_traefik() -> None:
    code, out, err = run_live(str(EXAMPLES / "seed.yaml"))
    ports = {m[1]: (m[2], m[3]) for m in MOVES.finditer(out)}
    assert list(ports) == ["nginx", "haproxy", "traefik"]
    assert (code, err) == (0, "")
    assert out == "".join(
        f"{t}: ok: {STARTED[t]}\n"
        f"{t}: listeners moved to loopback: 0.0.0.0:443 -> 127.0.0.1:{ports[t][0]}, "
        f"0.0.0.0:80 -> 127.0.0.1:{ports[t][1]}\n"
        f"{t}: verify: as specified (1 site)\n" for t in ports)


@pytest.mark.parametrize("target", ["envoy", "caddy"])
def test_validate_live_verifies_mtls_with_the_placeholder_client(
    target: str, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue(f"{target}_bin")
    code, out, err = run_live(str(EXAMPLES / "mtls.yaml"), "--target", target)
    [(_, https, http)] = MOVES.findall(out)
    assert (code, out) == (0, f"{target}: ok: {STARTED[target]}\n"
                              f"{target}: listeners moved to loopback: 0.0.0.0:443 -> "
                              f"127.0.0.1:{https}, 0.0.0.0:80 -> 127.0.0.1:{http}\n"
                              f"{target}: verify: as specified (1 site)\n")
    # The site is TLS 1.3 only: nothing of TLS 1.2 to compare, and it says so.
    assert err == "".join(f"note: {target}: internal-api: {what} not compared: 127.0.0.1:{https} "
                          "does not speak TLS 1.2\n"
                          for what in ("resumption_ids", "resumption_tickets"))


def test_validate_live_has_nothing_to_start_for_kubernetes() -> None:
    assert run_live(str(EXAMPLES / "seed.yaml"), "--target", "gateway-api") == (
        2, "", "--live: gateway-api has no server to start; --live takes nginx, haproxy, "
               "traefik, envoy, caddy or all\n")


def test_a_site_without_redirect_needs_no_plain_listener(tmp_path: Path, envoy_bin: str) -> None:
    # Envoy renders no port-80 listener for it: readiness must not wait for one.
    spec = tmp_path / "plain.yaml"
    spec.write_text((EXAMPLES / "seed.yaml").read_text().replace(
        "    upstreams:", "    redirect_http: false\n    upstreams:", 1))
    code, out, err = run_live(str(spec), "--target", "envoy", "--allow-weak")
    assert (code, out.splitlines()[0], out.splitlines()[-1]) == (
        0, "envoy: ok: envoy --mode validate: OK; started on 127.0.0.1 with 1 listener(s) and 1 "
           "cluster(s)", "envoy: verify: as specified (1 site)")
    assert err.endswith("note: envoy: mydomain: redirect not compared: the spec does not "
                        "redirect plain HTTP (redirect_http: false)\n")
