"""The TLS9xx rules on synthetic behaviours: per rule, a drift that must trigger it (exactly one
difference, with its exact message) and the untouched behaviour that must not; compare's
skips; the `Offered` universe. `test_rules_catalog` requires a case here for every TLS9 rule."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from msgspec import structs

from tlsconf.rules import all_rules
from tlsconf.verify.behaviour import NO_SNI, UNKNOWN_SNI, Behaviour, HttpAnswer, Offered, Served
from tlsconf.verify.compare import Skip, compare
from tlsconf.verify.messages import Sides, describe, items, where
from tlsconf.verify.rules import RULE_OF

HSTS = "max-age=63072000; includeSubDomains"
LEAF, CA, OTHER = "aa" * 32, "bb" * 32, "cc" * 32
OFFERED = Offered(
    protocols=frozenset({"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}),
    ciphers=frozenset({"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                       "ECDHE-ECDSA-AES128-SHA", "AES128-SHA"}),
    ciphersuites=frozenset({"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                            "TLS_AES_128_CCM_SHA256"}),
    groups=frozenset({"X25519", "prime256v1", "secp384r1", "X25519MLKEM768"}),
)
BASE = Behaviour(
    protocols=frozenset({"TLSv1.2", "TLSv1.3"}),
    ciphers=frozenset({"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"}),
    ciphersuites=frozenset({"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"}),
    groups=frozenset({"X25519", "prime256v1", "X25519MLKEM768"}),
    sni={"a.test": Served(True, (LEAF, CA)), NO_SNI: Served(False),
         UNKNOWN_SNI: Served(False)},
    client_auth="required",
    resumption_ids=True,
    resumption_tickets=True,
    alpn_h2=True,
    redirect=HttpAnswer(301, "https://a.test:8443/verify"),
    hsts={"2xx": HttpAnswer(200, hsts=HSTS), "4xx": HttpAnswer(400, hsts=HSTS)},
)
SIDES = Sides("127.0.0.1:8443", "a.test", http="127.0.0.1:8080")


def _sni(**cases: Served) -> Callable[[Behaviour], Behaviour]:
    def edit(b: Behaviour) -> Behaviour:
        return structs.replace(b, sni={**b.sni, **cases})
    return edit


def _hsts(case: str, answer: HttpAnswer) -> Callable[[Behaviour], Behaviour]:
    return lambda b: structs.replace(b, hsts={**b.hsts, case: answer})


def _set(**fields: object) -> Callable[[Behaviour], Behaviour]:
    return lambda b: structs.replace(b, **fields)


# rule name → (drift of the served behaviour, the one message it must give)
CASES: dict[str, tuple[Callable[[Behaviour], Behaviour], str]] = {
    "served-protocols-differ": (
        _set(protocols=frozenset({"TLSv1.1", "TLSv1.2", "TLSv1.3"})),
        "127.0.0.1:8443 (sni a.test) accepts TLSv1.1; the spec allows TLSv1.2, TLSv1.3"),
    "served-ciphers-differ": (
        _set(ciphers=BASE.ciphers | {"AES128-SHA"}),
        "127.0.0.1:8443 (sni a.test) accepts the TLS <= 1.2 suite(s) AES128-SHA; the spec "
        "allows ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES256-GCM-SHA384"),
    "served-tls13-suites-differ": (
        _set(ciphersuites=frozenset({"TLS_AES_128_GCM_SHA256"})),
        "127.0.0.1:8443 (sni a.test) refuses the TLS 1.3 suite(s) TLS_AES_256_GCM_SHA384; the "
        "spec allows TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384"),
    "served-groups-differ": (
        _set(groups=frozenset({"X25519", "prime256v1", "secp384r1"})),
        "127.0.0.1:8443 (sni a.test) accepts the group(s) secp384r1 offered alone and refuses "
        "the group(s) X25519MLKEM768 offered alone; the spec allows X25519, X25519MLKEM768, "
        "prime256v1"),
    "served-sni-differs": (
        _sni(**{NO_SNI: Served(True, (LEAF, CA))}),
        "127.0.0.1:8443 (no SNI) completes the handshake; the spec refuses it"),
    "served-client-auth-differs": (
        _set(client_auth="optional"),
        "127.0.0.1:8443 (sni a.test) serves clients without a certificate (optional); the spec "
        "requires one"),
    "served-resumption-differs": (
        _set(resumption_tickets=False),
        "127.0.0.1:8443 (sni a.test) does not resume TLS 1.2 sessions by session ticket; the "
        "spec does"),
    "served-certificate-differs": (
        _sni(**{"a.test": Served(True, (OTHER, CA))}),
        "127.0.0.1:8443 (sni a.test) serves the chain sha256 cccccccccccccccc…, "
        "bbbbbbbbbbbbbbbb…; the spec's certificate file holds aaaaaaaaaaaaaaaa…, "
        "bbbbbbbbbbbbbbbb…"),
    "served-redirect-differs": (
        _set(redirect=HttpAnswer(404)),
        "127.0.0.1:8080 (Host a.test) answers GET /verify with 404 and no Location; the spec "
        "expects 301 to https://a.test:8443/verify"),
    "served-hsts-differs": (
        _hsts("4xx", HttpAnswer(400)),
        "127.0.0.1:8443 (sni a.test) sends no Strict-Transport-Security on 4xx answers; the "
        "spec sends \"max-age=63072000; includeSubDomains\""),
    "served-alpn-differs": (
        _set(alpn_h2=False),
        "127.0.0.1:8443 (sni a.test) does not choose h2 when offered h2 and http/1.1; the spec "
        "does"),
}


def _messages(served: Behaviour, sides: Sides = SIDES) -> list[tuple[str, str]]:
    result = compare(BASE, served, OFFERED)
    return [(RULE_OF[d.aspect], describe(d, sides)) for d in result.differences]


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_triggers_once_with_its_message(name: str) -> None:
    rule = next(r for r in all_rules() if r.name == name)
    drift, message = CASES[name]
    assert _messages(drift(BASE)) == [(rule.id, message)]


def test_the_same_behaviour_triggers_nothing() -> None:
    assert compare(BASE, BASE, OFFERED).differences == ()
    # No client certificate given on either side: skipped (run.py notes none: nothing to make)
    assert compare(BASE, BASE, OFFERED).skipped == (Skip("client_cert_accepted", "", "both"),)


def test_every_tls9_rule_has_a_case() -> None:
    assert sorted(CASES) == sorted(r.name for r in all_rules() if r.id.startswith("TLS9"))


def test_sets_are_judged_within_what_the_client_offered() -> None:
    """DES-CBC3-SHA accepted but not offerable (the client cannot say it) is no difference;
    a reference that allows a suite the client cannot offer is no refusal either."""
    served = structs.replace(BASE, ciphers=BASE.ciphers | {"DES-CBC3-SHA"})
    reference = structs.replace(BASE, ciphersuites=BASE.ciphersuites | {"TLS_SM4_GCM_SM3"})
    assert compare(BASE, served, OFFERED).differences == ()
    assert compare(reference, BASE, OFFERED).differences == ()


def test_a_field_none_on_either_side_is_a_skip_never_silent() -> None:
    expected = structs.replace(BASE, resumption_tickets=None, redirect=None)
    served = structs.replace(BASE, hsts={"2xx": BASE.hsts["2xx"]}, alpn_h2=None,
                             redirect=HttpAnswer(404))
    result = compare(expected, served, OFFERED)
    assert result.differences == ()
    assert result.skipped == (Skip("client_cert_accepted", "", "both"),
                              Skip("resumption_tickets", "", "expected"),
                              Skip("alpn_h2", "", "served"), Skip("redirect", "", "expected"),
                              Skip("hsts", "4xx", "served"))


def test_a_chain_in_another_order_says_so() -> None:
    served = _sni(**{"a.test": Served(True, (CA, LEAF))})(BASE)
    assert _messages(served) == [(
        "TLS908", "127.0.0.1:8443 (sni a.test) serves the same certificates in another order: "
                  "sha256 bbbbbbbbbbbbbbbb…, aaaaaaaaaaaaaaaa…; the spec's certificate file "
                  "holds aaaaaaaaaaaaaaaa…, bbbbbbbbbbbbbbbb…")]


def test_differential_wording_names_the_other_endpoint() -> None:
    sides = Sides("127.0.0.1:8443", "a.test", "127.0.0.1:9443")
    drifts = [CASES[n][0] for n in ("served-protocols-differ", "served-sni-differs",
                                    "served-certificate-differs", "served-client-auth-differs")]
    served = BASE
    for drift in drifts:
        served = drift(served)
    assert [m for _, m in _messages(served, sides)] == [
        "127.0.0.1:8443 (sni a.test) accepts TLSv1.1; 127.0.0.1:9443 accepts TLSv1.2, TLSv1.3",
        "127.0.0.1:8443 (sni a.test) serves the chain sha256 cccccccccccccccc…, "
        "bbbbbbbbbbbbbbbb…; 127.0.0.1:9443 serves aaaaaaaaaaaaaaaa…, bbbbbbbbbbbbbbbb…",
        "127.0.0.1:8443 (no SNI) completes the handshake; 127.0.0.1:9443 refuses it",
        "127.0.0.1:8443 (sni a.test) serves clients without a certificate (optional); "
        "127.0.0.1:9443 requires a client certificate",
    ]


def test_items_carry_every_name_in_full() -> None:
    drift = _set(ciphers=frozenset({"AES128-SHA", "ECDHE-ECDSA-AES128-SHA"}))(BASE)
    (diff,) = compare(BASE, drift, OFFERED).differences
    assert items(diff) == ("+AES128-SHA", "+ECDHE-ECDSA-AES128-SHA",
                           "-ECDHE-ECDSA-AES128-GCM-SHA256", "-ECDHE-ECDSA-AES256-GCM-SHA384")


def test_the_same_drift_on_several_cases_is_one_difference() -> None:
    """Another certificate on every domain, HSTS gone from every answer: one finding each."""
    base = structs.replace(BASE, sni={**BASE.sni, "www.a.test": Served(True, (LEAF, CA))})
    served = structs.replace(
        base, sni={**base.sni, "a.test": Served(True, (OTHER,)),
                   "www.a.test": Served(True, (OTHER,)), UNKNOWN_SNI: Served(True, (OTHER,))},
        hsts={"2xx": HttpAnswer(204), "4xx": HttpAnswer(400)})
    result = compare(base, served, OFFERED)
    assert [describe(d, SIDES) for d in result.differences] == [
        "127.0.0.1:8443 (sni a.test, www.a.test) serves the chain sha256 cccccccccccccccc…; the "
        "spec's certificate file holds aaaaaaaaaaaaaaaa…, bbbbbbbbbbbbbbbb…",
        "127.0.0.1:8443 (unknown SNI verify-unknown.invalid) completes the handshake; the spec "
        "refuses it",
        "127.0.0.1:8443 (sni a.test) sends no Strict-Transport-Security on 2xx and 4xx answers; "
        "the spec sends \"max-age=63072000; includeSubDomains\"",
    ]


def test_a_client_certificate_refused_is_tls906() -> None:
    base = structs.replace(BASE, client_cert_accepted=True)
    result = compare(base, structs.replace(base, client_cert_accepted=False), OFFERED)
    assert [(RULE_OF[d.aspect], describe(d, SIDES)) for d in result.differences] == [(
        "TLS906", "127.0.0.1:8443 (sni a.test) refuses GET / with the --client-cert given; the "
                  "spec's client_auth.ca should accept it")]
    assert compare(base, BASE, OFFERED).skipped == (Skip("client_cert_accepted", "", "served"),)


def test_where_names_the_sni_case() -> None:
    assert where("[::1]:443", NO_SNI) == "[::1]:443 (no SNI)"
    assert where("[::1]:443", f"a.test, b.test, {NO_SNI}, {UNKNOWN_SNI}") == \
        "[::1]:443 (sni a.test, b.test; no SNI; unknown SNI verify-unknown.invalid)"
    assert where("[::1]:443", UNKNOWN_SNI) == "[::1]:443 (unknown SNI verify-unknown.invalid)"
    assert where("[::1]:443", "a.test") == "[::1]:443 (sni a.test)"
