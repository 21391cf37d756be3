"""The complete configurations (`--main-config` nginx.conf, haproxy.cfg) keep Debian's process
hardening: started by root (as the suite runs, see README), the real servers' workers do not
run as root."""

from __future__ import annotations

import os
import pwd
import stat
import time
from pathlib import Path

import pytest
from support.procs import Server, free_port, start_haproxy
from typer.testing import CliRunner

from tlsconf.cli import app

pytestmark = pytest.mark.e2e


def spec_for(tmp_path: Path, leaf, port: int, targets: str) -> Path:  # type: ignore[no-untyped-def]
    spec = tmp_path / "site.yaml"
    spec.write_text(
        "sites:\n"
        "  - name: shop\n"
        "    domains: [shop.test]\n"
        f"    tls: {{certificate: {leaf.cert_path}, key: {leaf.cert_path}.key}}\n"
        f"    listen: {{address: 127.0.0.1, https_port: {port}, http_port: {free_port()}}}\n"
        "    upstreams:\n"
        "      - address: 127.0.0.1:9\n"
        f"targets:\n{targets}"
    )
    return spec


def render(spec: Path, out: Path, *args: str) -> None:
    result = CliRunner().invoke(app, ["render", str(spec), "-o", str(out), *args])
    assert result.exit_code == 0, result.output


def uids(pid: int) -> tuple[int, ...]:
    """Real, effective, saved and file-system uid of a process (/proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return tuple(int(field) for field in line.split()[1:])
    raise AssertionError(f"no Uid line for {pid}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def leaf_with_key_beside(pki):  # type: ignore[no-untyped-def]
    leaf = pki.issue("shop", ["shop.test"])
    Path(f"{leaf.cert_path}.key").write_bytes(leaf.key_path.read_bytes())
    os.chmod(f"{leaf.cert_path}.key", 0o600)
    return leaf


def test_nginx_main_config_workers_run_as_www_data(pki, nginx_bin, tmp_path: Path  # type: ignore[no-untyped-def]
                                                   ) -> None:
    logs, port = tmp_path / "logs", free_port()
    logs.mkdir()
    spec = spec_for(tmp_path, leaf_with_key_beside(pki), port,
                    f"  nginx: {{pid: {logs}/nginx.pid, error_log: {logs}/error.log, "
                    f"access_log: {logs}/access.log}}\n")
    out = tmp_path / "out"
    render(spec, out, "--main-config")
    conf = (out / "nginx" / "nginx.conf").read_text()
    assert "\nuser www-data;\n" in conf
    argv = [nginx_bin, "-p", f"{tmp_path}/", "-c", str(out / "nginx" / "nginx.conf"),
            "-g", "daemon off;", "-e", "stderr"]
    with Server(argv, tmp_path / "work", name="nginx", ports=[port]) as server:
        assert server.pid is not None
        deadline = time.monotonic() + 10
        while not (workers := children(server.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers, server.logs()
        www = pwd.getpwnam("www-data").pw_uid
        assert [uids(pid) for pid in workers] == [(www, www, www, www)] * len(workers)
        assert uids(server.pid)[0] == 0  # the master keeps root to bind ports and reload
        assert (logs / "nginx.pid").read_text().strip() == str(server.pid)
        assert (logs / "error.log").is_file()


def test_haproxy_drops_to_haproxy_in_its_chroot_with_a_stats_socket(
    pki, haproxy_bin, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    jail, run_dir, port = tmp_path / "jail", tmp_path / "run", free_port()
    jail.mkdir()
    run_dir.mkdir()
    spec = spec_for(tmp_path, leaf_with_key_beside(pki), port,
                    f"  haproxy: {{chroot: {jail}, stats_socket: {run_dir}/admin.sock}}\n")
    out = tmp_path / "out"
    render(spec, out, "--target", "haproxy")
    cfg = (out / "haproxy" / "haproxy.cfg").read_text()
    assert "\n    user haproxy\n    group haproxy\n    daemon\n" in cfg
    with start_haproxy(out / "haproxy" / "haproxy.cfg", tmp_path / "work", [port]) as server:
        assert server.pid is not None
        user = pwd.getpwnam("haproxy")
        assert uids(server.pid) == (user.pw_uid,) * 4
        assert os.readlink(f"/proc/{server.pid}/root") == str(jail)
        socket = os.stat(run_dir / "admin.sock")
        assert stat.S_ISSOCK(socket.st_mode) and stat.S_IMODE(socket.st_mode) == 0o660
