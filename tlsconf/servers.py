"""The real servers, run on rendered output in a scratch directory: their own offline checks, and
a start on 127.0.0.1 that `validate` reads back and `validate --live` verifies.

`check` runs the server's offline check (`nginx -t`, `haproxy -c`, `envoy --mode validate`,
`caddy validate`; Traefik has none). `running` is a context manager: it checks, starts the
server in the foreground in its own process group, waits (bounded) until it is ready — every
listening port open, and for Traefik, Envoy and Caddy everything the configuration defines read
back from their API or admin interface on a loopback port of its own — and yields an `Outcome`;
leaving the block stops the server, also on an error or KeyboardInterrupt (SIGTERM, then SIGKILL
for the whole group after 5 s).

`move=True` (plain `validate`) moves the listeners of Traefik, Envoy and Caddy to 127.0.0.1 free
ports in the started copy; `validate --live` renders sites that are on loopback already.
Every argv is a list, every wait has a deadline, and the output is only ever read, never run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from msgspec import Struct

STOP_TIMEOUT = 5.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Traefik's API serves lists in pages (`per_page`, default 100) and names the next one in
# `X-Next-Page` (`1` after the last). Every page is read, up to a bound: 1000 pages of 100.
ROUTERS_PER_PAGE = 100
MAX_ROUTER_PAGES = 1000


class Outcome(Struct, frozen=True):
    target: str
    ok: bool
    summary: str  # one line
    details: str = ""  # the server's own output, when it failed
    missing_binary: bool = False
    unchecked: bool = False  # part of the output could not be checked at all


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _run(target: str, argv: list[str], cwd: Path, timeout: float,
         env: dict[str, str] | None = None) -> Outcome:
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False, env=env)
    except subprocess.TimeoutExpired:
        return Outcome(target, False, f"{Path(argv[0]).name} did not finish in {timeout:g} s")
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode == 0:
        last = output.splitlines()[-1] if output else "configuration is valid"
        return Outcome(target, True, f"{Path(argv[0]).name} {argv[1]}: {last}")
    if target == "caddy":  # Caddy logs JSON lines: the errors are the ones that say so
        output = "\n".join(ln for ln in output.splitlines() if '"error"' in ln)
        return Outcome(target, False, "caddy refused the configuration", output)
    return Outcome(target, False, f"{Path(argv[0]).name} refused the configuration", output)


def _caddy_env(root: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(root), "XDG_DATA_HOME": str(root / "data"),
            "XDG_CONFIG_HOME": str(root / "config")}


def _nginx_main(root: Path) -> Path:
    """A main config that includes the rendered conf.d files (foreground, logs to stderr)."""
    temp = root / "temp"
    temp.mkdir(exist_ok=True)
    lines = [f"pid {root / 'nginx.pid'};", "error_log stderr;", "daemon off;", "events {}",
             "http {", "    access_log off;"]
    lines += [f"    {kind}_temp_path {temp / kind};"
              for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]
    lines += [f"    include {root / 'nginx' / 'conf.d'}/*.conf;", "}"]
    main = root / "nginx-main.conf"
    main.write_text("\n".join(lines) + "\n")
    return main


def check(target: str, binary: str, root: Path, timeout: float) -> Outcome | None:
    """The server's offline check of the rendered files under `root`; None for Traefik."""
    if target == "nginx":
        main = _nginx_main(root)
        return _run("nginx", [binary, "-t", "-p", f"{root}/", "-c", str(main)], root, timeout)
    if target == "haproxy":
        return _run(target, [binary, "-c", "-f", str(root / "haproxy" / "haproxy.cfg")], root,
                    timeout)
    if target == "envoy":
        return _run(target, [binary, "--mode", "validate", "-c",
                             str(root / "envoy" / "envoy.yaml"), "-l", "error"], root, timeout)
    if target == "caddy":
        return _run(target, [binary, "validate", "--config", str(root / "caddy" / "caddy.json")],
                    root, timeout, _caddy_env(root))
    return None


def json_body(path: Path) -> Any:
    """A rendered JSON document under its `#` comment header."""
    text = path.read_text()
    return json.loads("".join(ln for ln in text.splitlines(True) if not ln.startswith("#")))


class _Start(Struct, frozen=True):
    """How to start one target on the rendered files, and how to tell it is ready."""

    argv: list[str]
    ready: Callable[[], tuple[bool, str]]  # (ready, what is still missing)
    summary: Callable[[], str]
    failed: str  # the summary when it is not ready in time or logs errors
    env: dict[str, str] | None = None


@contextlib.contextmanager
def running(target: str, binary: str, root: Path, timeout: float, *, ports: Iterable[int] = (),
            move: bool = False) -> Iterator[Outcome]:
    """Check, start and wait for `target` on the files under `root`; stop it on leaving.

    `ports` must all accept connections before the server counts as ready. The outcome is
    not ok when the check fails, the server exits, is not ready in `timeout` s or logs errors.
    """
    checked = check(target, binary, root, timeout)
    if checked is not None and not checked.ok:
        yield checked
        return
    start = _PREPARE[target](binary, root, move)
    log = root / f"{target}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(start.argv, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=start.env, start_new_session=True)
    try:
        yield _wait(target, proc, log, start, list(ports), timeout)
    finally:
        stop(proc)


def _wait(target: str, proc: subprocess.Popen[bytes], log: Path, start: _Start,
          ports: list[int], timeout: float) -> Outcome:
    deadline = time.monotonic() + timeout
    missing = "not ready"
    while proc.poll() is None:
        pending = [p for p in ports if not _port_open(p)]
        ready, missing = start.ready()
        if ready and not pending:
            break
        if pending:
            missing = "\n".join([*(f"port {p} did not open" for p in pending), missing]).strip()
        if time.monotonic() >= deadline:
            output = _errors(target, log)
            return Outcome(target, False, start.failed, "\n".join([missing, output]).strip())
        time.sleep(0.1)
    else:
        return Outcome(target, False, f"{target} exited with status {proc.returncode}",
                       _errors(target, log))
    output = _errors(target, log)
    if output:
        return Outcome(target, False, start.failed, output)
    return Outcome(target, True, start.summary())


def _errors(target: str, log: Path) -> str:
    text = log.read_text(errors="replace").strip()
    if target == "caddy":  # JSON log lines at info level too: keep the errors
        return "\n".join(ln for ln in text.splitlines() if '"error"' in ln)
    if target == "nginx":  # start-up notices go to stderr as well
        return "\n".join(ln for ln in text.splitlines() if "[notice]" not in ln)
    if target == "haproxy":  # `-db` prints its notices; warnings and alerts are what count
        return "\n".join(ln for ln in text.splitlines() if "[ALERT]" in ln or "[WARNING]" in ln)
    return text


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, wait up to 5 s, then SIGKILL the process group (workers included)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_TIMEOUT)


# -- per target ---------------------------------------------------------------------------------
def _always() -> tuple[bool, str]:
    return True, ""


def _nginx(binary: str, root: Path, move: bool) -> _Start:
    main = root / "nginx-main.conf"
    return _Start([binary, "-p", f"{root}/", "-c", str(main)], _always,
                  lambda: "nginx -t: OK; started on 127.0.0.1",
                  "nginx did not start the configuration cleanly")


def _haproxy(binary: str, root: Path, move: bool) -> _Start:
    return _Start([binary, "-db", "-f", str(root / "haproxy" / "haproxy.cfg")], _always,
                  lambda: "haproxy -c: OK; started on 127.0.0.1",
                  "haproxy did not start the configuration cleanly")


def _traefik(binary: str, root: Path, move: bool) -> _Start:
    """Traefik with its API on a loopback port: ready when it lists every router enabled."""
    static_path = root / "traefik" / "traefik.yml"
    static = json_body(static_path)
    expected = set(json_body(root / "traefik" / "dynamic" / "tlsconf.yml")
                   .get("http", {}).get("routers", {}))
    if move:
        for entry in static.get("entryPoints", {}).values():
            entry["address"] = f"127.0.0.1:{free_port()}"
    api_port = free_port()
    # `api.insecure` serves the API on the entry point named `traefik`.
    static["entryPoints"]["traefik"] = {"address": f"127.0.0.1:{api_port}"}
    static["api"] = {"insecure": True}
    static["providers"]["file"]["directory"] = str(root / "traefik" / "dynamic")
    static["log"] = {"level": "ERROR"}
    static_path.write_text(json.dumps(static))

    def ready() -> tuple[bool, str]:
        mine = [r for r in routers(api_port) if str(r.get("name", "")).split("@", 1)[0] in expected]
        found = {str(r.get("name", "")).split("@", 1)[0] for r in mine}
        broken = [f"{r.get('name')}: {r.get('status')} {r.get('error', '')}".strip()
                  for r in mine if r.get("status") != "enabled" or r.get("error")]
        lines = [*(f"router {m} was not loaded" for m in sorted(expected - found)), *broken]
        return not lines, "\n".join(lines)

    return _Start([binary, f"--configfile={static_path}"], ready,
                  lambda: f"traefik loaded {len(expected)} routers, all enabled",
                  "traefik did not load the configuration cleanly")


def routers(port: int) -> list[dict[str, object]]:
    """Every HTTP router Traefik reports, all pages; [] when any page cannot be read."""
    found: list[dict[str, object]] = []
    page = 1
    for _ in range(MAX_ROUTER_PAGES):
        url = f"http://127.0.0.1:{port}/api/http/routers?page={page}&per_page={ROUTERS_PER_PAGE}"
        try:
            with _OPENER.open(url, timeout=1) as response:
                data = json.loads(response.read())
                following = response.headers.get("X-Next-Page", "")
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        found += data
        if not data or not following.isdigit() or int(following) <= page:
            break  # the last page (`X-Next-Page: 1`), or a server that does not page
        page = int(following)
    return found


def _envoy(binary: str, root: Path, move: bool) -> _Start:
    """Envoy with its admin interface on a loopback port: ready when every listener is bound
    and every cluster known (validate mode neither binds nor resolves)."""
    document = json_body(root / "envoy" / "envoy.yaml")
    resources = document["static_resources"]
    listeners = {str(item["name"]) for item in resources["listeners"]}
    clusters = {str(item["name"]) for item in resources["clusters"]}
    if move:
        for listener in resources["listeners"]:
            listener["address"]["socket_address"] = {"address": "127.0.0.1",
                                                     "port_value": free_port()}
    admin_port = free_port()
    document["admin"] = {"address": {"socket_address": {"address": "127.0.0.1",
                                                        "port_value": admin_port}}}
    live = root / "envoy" / "envoy-live.json"
    live.write_text(json.dumps(document))
    counts = [0, 0]

    def ready() -> tuple[bool, str]:
        up = _envoy_names(admin_port, "listeners", "listener_statuses")
        known = _envoy_names(admin_port, "clusters", "cluster_statuses")
        counts[:] = [len(up), len(known)]
        lines = [f"listener {n} did not start" for n in sorted(listeners - up)]
        lines += [f"cluster {n} was not loaded" for n in sorted(clusters - known)]
        return not lines, "\n".join(lines)

    # No hot restart: its shared memory would clash with any other Envoy on the machine.
    return _Start([binary, "-c", str(live), "--disable-hot-restart", "-l", "error"], ready,
                  lambda: f"envoy --mode validate: OK; started on 127.0.0.1 with {counts[0]} "
                          f"listener(s) and {counts[1]} cluster(s)",
                  "envoy did not start the configuration cleanly")


def _envoy_names(port: int, resource: str, key: str) -> set[str]:
    """Names from the admin interface's `/listeners` or `/clusters` JSON (empty when down)."""
    try:
        with _OPENER.open(f"http://127.0.0.1:{port}/{resource}?format=json",
                          timeout=1) as response:
            data = json.loads(response.read())
    except (OSError, ValueError):
        return set()
    items = data.get(key, []) if isinstance(data, dict) else []
    return {str(item.get("name", "")) for item in items if isinstance(item, dict)}


def _caddy(binary: str, root: Path, move: bool) -> _Start:
    """Caddy with its admin endpoint on a loopback port: ready when `/config/` lists every
    server."""
    document = json.loads((root / "caddy" / "caddy.json").read_text())
    servers = document["apps"]["http"]["servers"]
    if move:
        for server in servers.values():
            server["listen"] = [f"127.0.0.1:{free_port()}"]
    admin_port = free_port()
    document["admin"] = {"listen": f"127.0.0.1:{admin_port}"}
    live = root / "caddy" / "caddy-live.json"
    live.write_text(json.dumps(document))

    def ready() -> tuple[bool, str]:
        try:
            url = f"http://127.0.0.1:{admin_port}/config/apps/http/servers"
            with _OPENER.open(url, timeout=1) as response:
                data = json.loads(response.read())
        except (OSError, ValueError):
            data = {}
        found = set(data) if isinstance(data, dict) else set()
        missing = [f"server {n} did not start" for n in sorted(set(servers) - found)]
        return not missing, "\n".join(missing)

    return _Start([binary, "run", "--config", str(live)], ready,
                  lambda: f"caddy validate: Valid configuration; started on 127.0.0.1 with "
                          f"{len(servers)} server(s)", "caddy did not start the configuration",
                  env=_caddy_env(root))


_PREPARE: dict[str, Callable[[str, Path, bool], _Start]] = {
    "nginx": _nginx, "haproxy": _haproxy, "traefik": _traefik, "envoy": _envoy, "caddy": _caddy,
}


# -- a stand-in upstream ------------------------------------------------------------------------
STUB_BODY = b"tlsconf validate --live\n"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")  # `%zz`: not a percent-encoding


@contextlib.contextmanager
def stub_upstream() -> Iterator[str]:
    """An HTTP/1.1 server on a 127.0.0.1 free port for the duration of the block, answering
    every request with 200 and a fixed body — 400 for a path with an invalid percent-encoding,
    as a strict application does (verify's `GET /%zz`, which some proxies pass on) — so a live
    check needs none of the spec's backends. Yields its `host:port`."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            status = 400 if _BAD_ESCAPE.search(self.path) else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(STUB_BODY)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(STUB_BODY)

        do_GET = do_HEAD = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:  # quiet: no access log
            pass

    class Quiet(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client (a health check, a probe) that hangs up is no error here

    server = Quiet(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

