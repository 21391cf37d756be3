"""Traefik's API pager, stand-alone: `/api/http/routers` served a page at a time on 127.0.0.1.

Pages as Traefik does (pkg/api/handler.go, `pagination`): `?page=` (from 1) and `?per_page=`
(default 100), a page past the end is a 400, and `X-Next-Page` names the next page, `1` after
the last. `endless` announces a next page forever (a broken or hostile server). Runs in the
test process, or as a stand-in `traefik` binary (`python traefik_pages.py --configfile=...`).
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def serve(port: int, routers: list[dict[str, object]], endless: bool = False,
          seen: list[str] | None = None) -> ThreadingHTTPServer:
    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if seen is not None:
                seen.append(self.path)
            page = int(query.get("page", ["1"])[0])
            per_page = int(query.get("per_page", ["100"])[0])
            start = (page - 1) * per_page
            if url.path != "/api/http/routers" or (
                    start and start >= len(routers) and not endless):
                self.send_response(400)
                self.end_headers()
                return
            body = json.dumps(routers if endless else routers[start:start + per_page])
            more = endless or page * per_page < len(routers)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Next-Page", str(page + 1 if more else 1))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Pages)


def main() -> None:
    """As `traefik --configfile=STATIC`: serve the dynamic file's routers on the API port,
    leaving out those named in the environment variable `DROP` (comma-separated)."""
    import os
    from pathlib import Path

    static = json.loads(Path(sys.argv[1].split("=", 1)[1]).read_text())
    port = int(static["entryPoints"]["traefik"]["address"].rsplit(":", 1)[1])
    directory = Path(static["providers"]["file"]["directory"])
    dynamic = json.loads((directory / "tlsconf.yml").read_text())
    drop = set(os.environ.get("DROP", "").split(","))
    routers = [{"name": f"{name}@file", "status": "enabled"}
               for name in sorted(dynamic["http"]["routers"]) if name not in drop]
    serve(port, routers).serve_forever()


if __name__ == "__main__":
    main()
