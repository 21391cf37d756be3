"""pytest fixtures for the e2e tests. Load from the top-level conftest with::

    pytest_plugins = ["support.fixtures"]

Fixtures: ``pki`` (session: an ECDSA and an RSA test CA + ``pki.issue(...)``),
``upstream`` (function: a started ``Upstream``), ``port_factory`` (function: returns
distinct free ports), and ``nginx_bin`` / ``haproxy_bin`` / ``traefik_bin`` /
``envoy_bin`` / ``caddy_bin`` / ``openssl_bin`` (session: path of the binary).

Missing binaries: skipped with a reason locally, but a *failure* when ``CI=true`` --
CI must never go green because a proxy was silently not installed.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .pki import CA, KeyType, Leaf, ca_bundle, issue_leaf, make_ca
from .procs import find_binary, free_port
from .upstream import Upstream


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_binary(name: str) -> str:
    """Path of ``name``; skip (locally) or fail (CI=true) when it is not installed."""
    path = find_binary(name)
    if path is None:
        msg = f"{name} is not installed (looked on PATH, /usr/sbin, next to python)"
        if in_ci():
            pytest.fail(f"{msg}; CI=true so this is a failure, not a skip", pytrace=False)
        pytest.skip(msg)
    return path


@dataclass
class TestPKI:
    """Session PKI. ``cafile`` trusts both CAs; ``issue()`` writes into a fresh dir."""

    __test__ = False  # not a test class, despite the name

    dir: Path
    ca: CA  # ECDSA P-256: leaves get ecdsa-with-SHA256 (Mozilla modern/intermediate)
    rsa_ca: CA  # RSA 2048: leaves get sha256WithRSAEncryption (Mozilla 5.7 old)
    cafile: Path
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def issue(
        self,
        name: str,
        domains: list[str],
        *,
        key_type: KeyType = "ecdsa",
        signer: KeyType = "ecdsa",
        dir: Path | None = None,
        **kw: object,
    ) -> Leaf:
        """Issue a leaf (``issue_leaf`` kwargs: rsa_bits, days, client)."""
        target = dir or self.dir / f"leaf-{next(self._counter):03d}-{name}"
        ca = self.ca if signer == "ecdsa" else self.rsa_ca
        return issue_leaf(ca, target, name, domains, key_type=key_type, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    base = tmp_path_factory.mktemp("pki")
    ca = make_ca(base / "ca", "tlsconf test CA", key_type="ecdsa")
    rsa_ca = make_ca(base / "ca", "tlsconf test RSA CA", key_type="rsa")
    cafile = ca_bundle(base / "ca" / "bundle.pem", ca, rsa_ca)
    return TestPKI(base, ca, rsa_ca, cafile)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


_handed_out: set[int] = set()


@pytest.fixture
def port_factory() -> Callable[[], int]:
    """``port_factory()`` → a free 127.0.0.1 port not handed out before in this session."""

    def make() -> int:
        for _ in range(50):
            port = free_port()
            if port not in _handed_out:
                _handed_out.add(port)
                return port
        raise RuntimeError("could not find an unused free port")

    return make


@pytest.fixture(scope="session")
def nginx_bin() -> str:
    return require_binary("nginx")


@pytest.fixture(scope="session")
def haproxy_bin() -> str:
    return require_binary("haproxy")


@pytest.fixture(scope="session")
def traefik_bin() -> str:
    return require_binary("traefik")


@pytest.fixture(scope="session")
def envoy_bin() -> str:
    return require_binary("envoy")


@pytest.fixture(scope="session")
def caddy_bin() -> str:
    return require_binary("caddy")


@pytest.fixture(scope="session")
def openssl_bin() -> str:
    return require_binary("openssl")
