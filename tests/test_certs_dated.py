"""The dated certificate rules: CA/B Forum ballot SC-081v3's lifetime caps by notBefore for
publicly trusted leaves (398 / 200 / 100 / 47 days), the flat 398 days for private CAs, and
`now` (`lint --as-of`) deciding expiry. Certificates come from the e2e PKI factory
(tests/support/pki.py); "publicly trusted" is a chain that ends at a root of the system store,
so the tests make the test CA that store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.pki import CA, issue_leaf, make_ca

from tlsconf.certs import chain
from tlsconf.certs.checks import check_certificate_files, public_cap
from tlsconf.profiles import get as get_profile

UTC = dt.UTC
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CA:
    # Valid from 2025 to 2035: every notBefore the tests use is inside it.
    return make_ca(tmp_path_factory.mktemp("ca"), not_before=dt.datetime(2025, 1, 1, tzinfo=UTC))


@pytest.fixture
def public(ca: CA, monkeypatch: pytest.MonkeyPatch) -> CA:
    """The test CA as the system store: its leaves are publicly trusted."""
    store = chain.TrustStore.from_certificates([ca.cert])
    monkeypatch.setattr(chain, "system_trust_store", lambda: store)
    return ca


@pytest.fixture
def private(ca: CA, monkeypatch: pytest.MonkeyPatch) -> CA:
    """An empty system store: the test CA is a private one."""
    monkeypatch.setattr(chain, "system_trust_store", chain.TrustStore)
    return ca


def lifetime_messages(ca: CA, tmp_path: Path, not_before: dt.datetime, days: int) -> list[str]:
    leaf = issue_leaf(ca, tmp_path, f"s{days}", ["app.test"], days=days, not_before=not_before)
    issues = check_certificate_files(str(leaf.cert_path), str(leaf.key_path),
                                     domains=["app.test"], profile=get_profile("intermediate"),
                                     now=not_before + DAY)
    assert {i.check for i in issues} <= {"cert-lifetime-too-long"}, issues
    return [i.message for i in issues]


def over(not_before: dt.datetime, days: int, period: str, cap: int) -> str:
    return (f"the leaf (notBefore {not_before.date()}) is valid for {days} days; CA/B Forum "
            f"ballot SC-081v3 caps publicly trusted certificates issued {period} at {cap} days")


# (the first day of a cap, the cap before it, the cap from it)
STEPS = [(dt.date(2026, 3, 15), 398, 200), (dt.date(2027, 3, 15), 200, 100),
         (dt.date(2029, 3, 15), 100, 47)]


@pytest.mark.parametrize(("first", "before", "cap"), STEPS)
def test_public_cap_by_not_before_at_each_boundary(public: CA, tmp_path: Path, first: dt.date,
                                                   before: int, cap: int) -> None:
    on = dt.datetime(first.year, first.month, first.day, tzinfo=UTC)
    eve = on - dt.timedelta(seconds=1)  # the day before, its last second
    previous = "before 2026-03-15" if before == 398 else \
        f"from {next(d for d, _, c in STEPS if c == before)}"
    # The day before the date: the earlier cap, exactly at it and one day over.
    assert lifetime_messages(public, tmp_path / "a", eve, before) == []
    assert lifetime_messages(public, tmp_path / "b", eve, before + 1) == [
        over(eve, before + 1, previous, before)]
    # On the date: the new cap, exactly at it and one day over.
    assert lifetime_messages(public, tmp_path / "c", on, cap) == []
    assert lifetime_messages(public, tmp_path / "d", on, cap + 1) == [
        over(on, cap + 1, f"from {first}", cap)]


def test_public_cap_table() -> None:
    at = lambda y, m, d: dt.datetime(y, m, d, tzinfo=UTC)  # noqa: E731
    assert public_cap(at(2020, 9, 1)) == (398, "before 2026-03-15")
    assert public_cap(at(2026, 3, 14)) == (398, "before 2026-03-15")
    assert public_cap(at(2026, 3, 15)) == (200, "from 2026-03-15")
    assert public_cap(at(2027, 3, 15)) == (100, "from 2027-03-15")
    assert public_cap(at(2035, 1, 1)) == (47, "from 2029-03-15")


def test_private_ca_keeps_the_flat_398_days(private: CA, tmp_path: Path) -> None:
    """A leaf of a CA the system store does not hold (a `trust:` / `--ca-file` CA) is not
    publicly trusted: SC-081v3 does not apply, the flat 398-day rule does."""
    on = dt.datetime(2029, 3, 15, tzinfo=UTC)
    assert lifetime_messages(private, tmp_path / "a", on, 398) == []
    assert lifetime_messages(private, tmp_path / "b", on, 399) == [
        "the leaf is valid for 399 days; browsers refuse publicly trusted certificates valid "
        "for more than 398"]


def test_a_private_root_in_the_file_is_not_read_from_the_system_store_for_short_leaves(
        ca: CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deciding "public" costs a read of the system store; a leaf within every cap never
    needs it (the file ends at its root: nothing else reads the store)."""
    reads: list[str] = []

    def store() -> chain.TrustStore:
        reads.append("read")
        return chain.TrustStore()

    monkeypatch.setattr(chain, "system_trust_store", store)
    on = dt.datetime(2029, 3, 15, tzinfo=UTC)
    assert lifetime_messages(ca, tmp_path / "a", on, 47) == []
    assert reads == []
    assert lifetime_messages(ca, tmp_path / "b", on, 48) == []  # private: 398
    assert reads == ["read"]


def test_now_decides_expiry(ca: CA, tmp_path: Path) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    leaf = issue_leaf(ca, tmp_path, "site", ["app.test"], days=90, not_before=start)

    def checks(now: dt.datetime) -> list[str]:
        return [i.check for i in check_certificate_files(
            str(leaf.cert_path), str(leaf.key_path), domains=["app.test"],
            profile=get_profile("intermediate"), now=now)]

    assert checks(start - DAY) == ["cert-not-yet-valid"]
    assert checks(start + 30 * DAY) == []
    assert checks(start + 70 * DAY) == ["cert-expiring-soon"]
    assert checks(start + 90 * DAY) == ["cert-expired"]
