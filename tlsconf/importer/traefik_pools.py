"""Traefik import, the key-level half: lookups and fates of keys (with everything under them),
and a service → its pool (servers with weights, failover backups, weighted members, health
check, strategy)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from msgspec import Struct, field

from tlsconf.errors import Location, Path, TlsconfError
from tlsconf.importer import sites as common
from tlsconf.importer.entries import Log
from tlsconf.importer.model import Fate
from tlsconf.ingest import traefik as ingest
from tlsconf.ingest.structured import dotted

LB_KEYS = ("servers", "healthcheck", "strategy", "passhostheader")


def get(doc: ingest.Doc, node: Any, path: Path, *keys: str) -> tuple[Any, Path]:
    for key in keys:
        node, path = doc.get(node, path, key)
    return node, path


def keys(doc: ingest.Doc, node: Any, path: Path) -> Iterator[Path]:
    """Every key path of the document (list items by index), parents before children."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from keys(doc, value, (*path, key))
    elif isinstance(node, list) and any(isinstance(v, dict) for v in node):
        for index, value in enumerate(node):
            yield from keys(doc, value, (*path, index))


def mark(doc: ingest.Doc, log: Log, path: Path, detail: str, spec_path: str = "",
         fate: Fate = "mapped") -> None:
    """`path` and every key under it not marked yet get the same fate."""
    node: Any = doc.data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else (
            node[part] if isinstance(node, list) and isinstance(part, int) else None)
    log.mark(doc.locate(path), dotted(path), fate, detail, spec_path)
    for sub in keys(doc, node, path):  # a key below with a fate of its own keeps it
        if not log.has(doc.locate(sub)):
            log.mark(doc.locate(sub), dotted(sub), fate, detail)


class Pool(Struct):
    upstreams: list[dict[str, object]] = field(default_factory=list)
    where: list[Location] = field(default_factory=list)  # each upstream's url
    check: dict[str, object] | None = None
    check_at: Location | None = None
    balance: str | None = None

    def into(self, draft: common.SiteDraft, base: Path, at: Location) -> None:
        draft.set(base, self.upstreams, at)
        for n, where in enumerate(self.where):
            draft.origin((*base, n), where)


def duration(text: object) -> int | None:
    """A Go duration Traefik takes (`10s`, `1m`, `1m30s`, `500ms`) → whole seconds (>= 1)."""
    parts = re.findall(r"(\d+)(ms|s|m|h)", str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        return None
    total = sum(int(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u] for n, u in parts)
    return max(1, min(3600, round(total)))


def weight(doc: ingest.Doc, node: Any, path: Path) -> int:
    value, value_path = doc.get(node, path, "weight")
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TlsconfError.single(doc.value(value_path), dotted(value_path),
                                  f"weight {value!r}: a whole number of at least 0")
    return value


def service_pool(doc: ingest.Doc, log: Log, name: str, used: Path, share: int = 1) -> Pool:
    """A service → its pool (upstreams, health check, balance); `share` multiplies the
    weights (a member of a weighted service)."""
    service, path = get(doc, doc.data, (), "http", "services", name)
    if service is None:
        raise TlsconfError.single(doc.locate(used), dotted(used), (
            f"service {name!r} is not defined in this file (another provider's?): its "
            "servers are unknown"))
    failover, fo_path = doc.get(service, path, "failover")
    if failover is not None:
        main = service_pool(doc, log, str(doc.get(failover, fo_path, "service")[0]), fo_path)
        backup = service_pool(doc, log, str(doc.get(failover, fo_path, "fallback")[0]), fo_path)
        mark(doc, log, fo_path, "upstreams (fallback servers are backups)")
        main.upstreams += [{**u, "backup": True} for u in backup.upstreams]
        main.where += backup.where
        return main
    weighted, w_path = doc.get(service, path, "weighted")
    if weighted is not None:
        members, members_path = doc.get(weighted, w_path, "services")
        out = Pool()
        for index, item in enumerate(members if isinstance(members, list) else []):
            member, _ = doc.get(item, (*members_path, index), "name")
            got = service_pool(doc, log, str(member), w_path,
                             share * weight(doc, item, (*members_path, index)))
            out.upstreams += got.upstreams
            out.where += got.where
        mark(doc, log, w_path, "upstreams (each service's servers with its weight)")
        log.note(doc.locate(w_path), "weighted services flattened into one pool")
        return out
    lb, lb_path = doc.get(service, path, "loadBalancer")
    servers, servers_path = doc.get(lb, lb_path, "servers")
    found = Pool()
    for index, item in enumerate(servers if isinstance(servers, list) else []):
        url, url_path = doc.get(item, (*servers_path, index), "url")
        match = re.fullmatch(r"http://([^/]+?)/?", str(url or ""))
        if match is None:
            raise TlsconfError.single(doc.value(url_path), dotted(url_path), (
                f"server url {url!r}: the spec's upstreams are plain http://host:port"))
        share = weight(doc, item, (*servers_path, index)) * share
        if share == 0:
            mark(doc, log, (*servers_path, index), "weight 0 (takes no traffic)", fate="dropped")
            continue
        upstream: dict[str, object] = {"address": match.group(1)}
        if share != 1:
            upstream["weight"] = min(share, 256)
        found.upstreams.append(upstream)
        found.where.append(doc.locate(url_path))
    for key in lb if isinstance(lb, dict) else ():
        if str(key).lower() not in LB_KEYS:
            mark(doc, log, (*lb_path, key), f"{key}: no spec field (the spec's pools have weights, "
                  "backups, balance and health checks)", fate="dropped")
    check, check_path = doc.get(lb, lb_path, "healthCheck")
    if isinstance(check, dict):
        check_url, _ = doc.get(check, check_path, "path")
        every, every_path = doc.get(check, check_path, "interval")
        seconds = 30 if every is None else duration(every)  # Traefik's default: 30s
        if seconds is None:
            raise TlsconfError.single(doc.value(every_path), dotted(every_path),
                                      f"interval {every!r}: a Go duration such as 10s or 1m")
        found.check = {"path": str(check_url or "/"), "interval": seconds}
        found.check_at = doc.locate(check_path)
        mark(doc, log, check_path, "health_check")
    strategy, strategy_path = doc.get(lb, lb_path, "strategy")
    if strategy is not None:
        found.balance = "least_conn" if str(strategy).lower() == "p2c" else None
        mark(doc, log, strategy_path, "balance")
    pass_host, pass_path = doc.get(lb, lb_path, "passHostHeader")
    if pass_host is False:
        mark(doc, log, pass_path, "tlsconf always passes the Host header", fate="dropped")
    mark(doc, log, lb_path, "upstreams")
    return found
