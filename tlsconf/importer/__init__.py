"""`tlsconf import`: the explicit registry of importers, one module per source kind.

Each module exposes `load(paths: Sequence[str], settings: Settings) -> Imported`
(`tlsconf.importer.model`), raising `TlsconfError` (exit 2, file:line:col) on input it cannot
fully read. Modules are imported only when their kind is asked for, so `tlsconf --help` pays
for none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tlsconf.config import Settings
    from tlsconf.importer.model import Imported

# kind → module under tlsconf.importer
IMPORTERS: dict[str, str] = {
    "nginx": "nginx",
    "haproxy": "haproxy",
    "traefik": "traefik",
    "ingress-nginx": "ingress_nginx",
}


def loader(kind: str) -> Callable[[Sequence[str], Settings], Imported]:
    module = importlib.import_module(f"tlsconf.importer.{IMPORTERS[kind]}")
    load: Callable[[Sequence[str], Settings], Imported] = module.load
    return load
