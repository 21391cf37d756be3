"""Mozilla server-side TLS profiles, read from the guideline data shipped in the package.

`modern` and `intermediate` come from guideline 6.0; `old`, which 6.0 dropped, from the last
guideline that defined it (5.8). Guideline 5.7 is kept to name configurations copied from it
(TLS218). Provenance is recorded in each data file.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct

PROFILE_NAMES = ("modern", "intermediate", "old")
_FILES = {
    "modern": "mozilla-6.0.json",
    "intermediate": "mozilla-6.0.json",
    "old": "mozilla-5.8-old.json",
}


class Profile(Struct, frozen=True):
    name: str
    guideline: str
    protocols: tuple[str, ...]
    ciphers: tuple[str, ...]  # OpenSSL names, in Mozilla's order
    ciphers_iana: tuple[str, ...]
    ciphersuites: tuple[str, ...]
    curves: tuple[str, ...]
    certificate_types: tuple[str, ...]
    certificate_curves: tuple[str, ...]
    rsa_key_size: int | None
    dh_param_size: int | None
    hsts_min_age: int
    server_preferred_order: bool
    maximum_certificate_lifespan: int
    oldest_clients: tuple[str, ...]


@cache
def _data(filename: str) -> dict[str, object]:
    # Next to this module, like the templates (tlsconf.resources): importlib.resources would
    # add its import (~1 ms) to every run, for the same file.
    text = (Path(__file__).parent / "data" / filename).read_text("utf-8")
    data: dict[str, object] = json.loads(text)
    return data


@cache
def get(name: str) -> Profile:
    data = _data(_FILES[name])
    config = data["configurations"][name]  # type: ignore[index]
    return Profile(
        name=name,
        guideline=f"{float(data['version']):.1f}",  # type: ignore[arg-type]
        protocols=tuple(config["tls_versions"]),
        ciphers=tuple(config["ciphers"]["openssl"]),
        ciphers_iana=tuple(config["ciphers"]["iana"]),
        ciphersuites=tuple(config["ciphersuites"]),
        curves=tuple(config["tls_curves"]),
        certificate_types=tuple(config["certificate_types"]),
        certificate_curves=tuple(config["certificate_curves"]),
        rsa_key_size=config["rsa_key_size"],
        dh_param_size=config["dh_param_size"],
        hsts_min_age=int(config["hsts_min_age"]),
        server_preferred_order=bool(config["server_preferred_order"]),
        maximum_certificate_lifespan=int(config["maximum_certificate_lifespan"]),
        oldest_clients=tuple(config["oldest_clients"]),
    )


class Superseded(Struct, frozen=True):
    """An older guideline's cipher lists, and when the current one replaced it."""

    guideline: str  # "5.7"
    current: str  # the guideline that replaced it, "6.0"
    since: dt.date  # the day the replacement was published
    ciphers: dict[str, tuple[str, ...]]  # profile name -> TLS <= 1.2 suites, OpenSSL names


@cache
def superseded() -> Superseded:
    """Guideline 5.7 (mozilla-5.7.json): its modern and intermediate cipher lists."""
    data: Any = _data("mozilla-5.7.json")
    replaced = data["_provenance"]["superseded_by"]
    configs = data["configurations"]
    return Superseded(
        guideline=f"{float(data['version']):.1f}",
        current=str(replaced["version"]),
        since=dt.date.fromisoformat(str(replaced["date"])),
        ciphers={name: tuple(configs[name]["ciphers"]["openssl"])
                 for name in ("modern", "intermediate")},
    )


def all_profiles() -> tuple[Profile, ...]:
    return tuple(get(name) for name in PROFILE_NAMES)
