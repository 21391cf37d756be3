"""`tlsconf validate --target traefik` reads every page of Traefik's router list.

Traefik's API serves 100 routers per page by default and names the next page in `X-Next-Page`
(`1` after the last). The pager is tested against a small server on 127.0.0.1 that pages the
way Traefik does (tests/support/traefik_pages.py), then against the real Traefik.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from support.traefik_pages import serve
from typer.testing import CliRunner

from tlsconf import servers, validate
from tlsconf.cli import app

SUPPORT = Path(__file__).resolve().parent / "support"


def router(name: str) -> dict[str, object]:
    return {"name": f"{name}@file", "status": "enabled", "entryPoints": ["websecure"]}


@pytest.fixture
def pages() -> Iterator[Any]:
    """Start a paging server: `pages(routers, endless=False)` → (port, requested paths)."""
    servers: list[ThreadingHTTPServer] = []

    def start(routers: list[dict[str, object]], endless: bool = False) -> tuple[int, list[str]]:
        seen: list[str] = []
        server = serve(0, routers, endless, seen)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server.server_address[1], seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_every_page_is_read(pages: Any) -> None:
    routers = [router(f"tlsconf_s{i:03}") for i in range(250)]
    port, seen = pages(routers)
    assert servers.routers(port) == routers
    assert seen == [f"/api/http/routers?page={n}&per_page=100" for n in (1, 2, 3)]


def test_one_page_is_one_request(pages: Any) -> None:
    routers = [router(f"tlsconf_s{i:03}") for i in range(100)]
    port, seen = pages(routers)
    assert servers.routers(port) == routers
    assert seen == ["/api/http/routers?page=1&per_page=100"]


def test_paging_is_bounded(pages: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers, "MAX_ROUTER_PAGES", 5)
    port, seen = pages([router("a")], endless=True)
    assert servers.routers(port) == [router("a")] * 5
    assert len(seen) == 5


def test_unreadable_page_reads_as_nothing(pages: Any) -> None:
    class Broken(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("X-Next-Page", "2")
            self.end_headers()
            self.wfile.write(b"[{" if "page=2" in self.path else json.dumps([router("a")]).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert servers.routers(server.server_address[1]) == []
    finally:
        server.shutdown()
        server.server_close()


def test_a_router_missing_from_page_two_fails_validation(tmp_path: Path) -> None:
    # A stand-in for the traefik binary: it reads the static config tlsconf wrote, and serves
    # the routers of the dynamic file on the API port — all but one on the second page.
    root = tmp_path / "root"
    (root / "traefik" / "dynamic").mkdir(parents=True)
    names = [f"tlsconf_s{i:03}" for i in range(150)]
    (root / "traefik" / "traefik.yml").write_text(json.dumps({
        "entryPoints": {"websecure": {"address": ":443"}}, "providers": {"file": {}}}))
    (root / "traefik" / "dynamic" / "tlsconf.yml").write_text(json.dumps({
        "http": {"routers": {name: {"rule": "Host(`x`)"} for name in names}}}))
    fake = tmp_path / "traefik"
    fake.write_text(f"#!/bin/sh\nDROP=tlsconf_s120 exec {sys.executable} "
                    f"{SUPPORT / 'traefik_pages.py'} \"$@\"\n")
    fake.chmod(0o755)
    with servers.running("traefik", str(fake), root, timeout=3) as outcome:
        assert outcome == validate.Outcome(
            "traefik", False, "traefik did not load the configuration cleanly",
            "router tlsconf_s120 was not loaded")


@pytest.mark.e2e
def test_validate_passes_with_more_routers_than_one_page(tmp_path: Path, traefik_bin: str) -> None:
    sites = "".join(
        f"  - name: s{i}\n"
        f"    domains: [s{i}.example.com]\n"
        f"    tls: {{certificate: /etc/ssl/s{i}.pem, key: /etc/ssl/s{i}.key}}\n"
        f"    upstreams: [{{address: 127.0.0.1:{8000 + i}}}]\n"
        for i in range(160)
    )
    spec = tmp_path / "s.yaml"
    spec.write_text("sites:\n" + sites)
    result = CliRunner().invoke(app, ["validate", str(spec), "--target", "traefik"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "traefik: ok: traefik loaded 160 routers, all enabled\n", "")
