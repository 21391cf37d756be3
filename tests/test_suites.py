"""Tests for tlsconf.suites: the suite table and OpenSSL cipher-string expansion."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tlsconf.suites import (
    SUITES,
    TLS13_SUITES,
    CipherStringError,
    Suite,
    expand,
    lookup,
    unknown_tokens,
)

DATA = Path(__file__).resolve().parent.parent / "tlsconf" / "data"
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="no openssl binary on PATH")


def names(suites: tuple[Suite, ...]) -> list[str | None]:
    return [s.openssl for s in suites]


# --- the table ------------------------------------------------------------------------------------


def test_table_size_and_uniqueness() -> None:
    assert len(SUITES) == 261
    assert len({s.code for s in SUITES}) == len(SUITES)
    assert len({s.iana for s in SUITES}) == len(SUITES)
    assert len({s.openssl for s in SUITES}) == len(SUITES)
    assert [s.code for s in SUITES] == sorted(s.code for s in SUITES)


def test_lookup_both_ways() -> None:
    for s in SUITES:
        assert lookup(s.iana) is s
        assert s.openssl is not None
        assert lookup(s.openssl) is s
    assert lookup("ecdhe-rsa-aes128-gcm-sha256") is None  # exact and case-sensitive
    assert lookup("NO-SUCH-SUITE") is None
    # OpenSSL 1.0.2 spelled these EDH-; 1.1.0 renamed them DHE-.
    assert lookup("EDH-RSA-DES-CBC3-SHA") is lookup("DHE-RSA-DES-CBC3-SHA")
    assert lookup("EDH-DSS-DES-CBC3-SHA") is lookup("DHE-DSS-DES-CBC3-SHA")


def test_rows_exact() -> None:
    assert lookup("ECDHE-RSA-AES128-GCM-SHA256") == Suite(
        iana="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        openssl="ECDHE-RSA-AES128-GCM-SHA256",
        code=0xC02F,
        min_protocol="TLSv1.2",
        kx="ECDHE",
        auth="RSA",
        enc="AESGCM",
        bits=128,
        mac="AEAD",
        export=False,
        go="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    )
    assert lookup("TLS_RSA_EXPORT_WITH_RC4_40_MD5") == Suite(
        iana="TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        openssl="EXP-RC4-MD5",
        code=0x0003,
        min_protocol="SSLv3",
        kx="RSA",
        auth="RSA",
        enc="RC4",
        bits=40,
        mac="MD5",
        export=True,
        go=None,
    )
    assert lookup("DES-CBC3-SHA") == Suite(
        iana="TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        openssl="DES-CBC3-SHA",
        code=0x000A,
        min_protocol="SSLv3",
        kx="RSA",
        auth="RSA",
        enc="3DES",
        bits=112,
        mac="SHA1",
        export=False,
        go="TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    )
    assert lookup("ECDH-RSA-AES128-SHA") == Suite(
        iana="TLS_ECDH_RSA_WITH_AES_128_CBC_SHA",
        openssl="ECDH-RSA-AES128-SHA",
        code=0xC00E,
        min_protocol="TLSv1",
        kx="ECDH",
        auth="ECDH",
        enc="AES",
        bits=128,
        mac="SHA1",
        export=False,
        go=None,
    )
    assert lookup("AECDH-AES128-SHA") == Suite(
        iana="TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        openssl="AECDH-AES128-SHA",
        code=0xC018,
        min_protocol="TLSv1",
        kx="ECDHE",
        auth="anon",
        enc="AES",
        bits=128,
        mac="SHA1",
        export=False,
        go=None,
    )


def test_tls13_suites() -> None:
    assert [(s.code, s.iana, s.openssl) for s in TLS13_SUITES] == [
        (0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
        (0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
        (0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"),
        (0x1304, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256"),
        (0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256"),
    ]
    for s in TLS13_SUITES:
        assert (s.min_protocol, s.kx, s.auth, s.mac) == ("TLSv1.3", "ANY", "ANY", "AEAD")
        assert s.tls13 and s.aead and s.forward_secret
    assert [s.go for s in TLS13_SUITES] == [
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        None,
        None,
    ]


def test_derived_properties() -> None:
    def props(name: str) -> tuple[bool, bool, bool, bool, bool]:
        s = lookup(name)
        assert s is not None
        return (s.forward_secret, s.aead, s.tls13, s.anonymous, s.null_cipher)

    assert props("ECDHE-ECDSA-CHACHA20-POLY1305") == (True, True, False, False, False)
    assert props("DHE-RSA-AES128-SHA") == (True, False, False, False, False)
    assert props("AES128-GCM-SHA256") == (False, True, False, False, False)
    assert props("ADH-AES128-SHA") == (True, False, False, True, False)
    assert props("NULL-SHA256") == (False, False, False, False, True)
    assert props("AECDH-NULL-SHA") == (True, False, False, True, True)
    assert props("ECDH-ECDSA-AES128-GCM-SHA256") == (False, True, False, False, False)
    assert props("ECDHE-PSK-AES128-CBC-SHA256") == (True, False, False, False, False)
    assert props("SRP-AES-128-CBC-SHA") == (False, False, False, False, False)
    assert props("TLS_AES_256_GCM_SHA384") == (True, True, True, False, False)


def test_weak_families_are_known() -> None:
    # The suites an OpenSSL 3 build no longer has, but a linter must still recognise.
    for name in ("RC4-MD5", "RC4-SHA", "DES-CBC-SHA", "DES-CBC3-SHA", "EXP-DES-CBC-SHA",
                 "EXP-RC2-CBC-MD5", "IDEA-CBC-SHA", "SEED-SHA", "DH-RSA-AES128-SHA",
                 "ECDH-ECDSA-RC4-SHA", "KRB5-DES-CBC3-SHA", "PSK-RC4-SHA", "ADH-DES-CBC-SHA",
                 "SRP-3DES-EDE-CBC-SHA", "GOST2001-GOST89-GOST89"):
        assert lookup(name) is not None, name
    assert {s.export for s in SUITES if s.bits == 40} == {True}
    assert sum(s.export for s in SUITES) == 13


# --- Mozilla guideline data -----------------------------------------------------------------------

# Mozilla 5.7 had these DHE suites (intermediate and old) that 5.8 dropped.
MOZILLA_57_ONLY = {
    "DHE-RSA-AES128-GCM-SHA256": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "DHE-RSA-AES256-GCM-SHA384": "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "DHE-RSA-CHACHA20-POLY1305": "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "DHE-RSA-AES128-SHA256": "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "DHE-RSA-AES256-SHA256": "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
}

# Mozilla's `go` list for `old` (5.7 and 5.8 agree): the IANA list minus what Go cannot do.
MOZILLA_OLD_GO = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
]
MOZILLA_INTERMEDIATE_GO = MOZILLA_OLD_GO[:6]


def mozilla_profiles() -> dict[str, dict[str, object]]:
    profiles: dict[str, dict[str, object]] = {}
    for file in ("mozilla-6.0.json", "mozilla-5.8-old.json"):
        doc = json.loads((DATA / file).read_text())
        for name, conf in doc["configurations"].items():
            profiles[f"{file}:{name}"] = conf
    return profiles


def test_mozilla_names_map_onto_each_other() -> None:
    profiles = mozilla_profiles()
    assert sorted(profiles) == [
        "mozilla-5.8-old.json:old",
        "mozilla-6.0.json:intermediate",
        "mozilla-6.0.json:modern",
    ]
    for key, conf in profiles.items():
        ciphers = conf["ciphers"]
        assert isinstance(ciphers, dict)
        by_openssl = [lookup(n) for n in ciphers["openssl"]]
        by_iana = [lookup(n) for n in ciphers["iana"]]
        assert None not in by_openssl and None not in by_iana, key
        assert by_openssl == by_iana, key
        suites = conf["ciphersuites"]
        assert isinstance(suites, list)
        assert [lookup(n) for n in suites] == list(TLS13_SUITES[:3]), key


def test_mozilla_57_suites_present() -> None:
    for openssl, iana in MOZILLA_57_ONLY.items():
        s = lookup(openssl)
        assert s is not None and s.iana == iana and s.go is None  # Go has no DHE suites


def test_go_names_match_mozilla() -> None:
    profiles = mozilla_profiles()
    for key, expected in (("mozilla-5.8-old.json:old", MOZILLA_OLD_GO),
                          ("mozilla-6.0.json:intermediate", MOZILLA_INTERMEDIATE_GO)):
        ciphers = profiles[key]["ciphers"]
        assert isinstance(ciphers, dict)
        go = [s.go for s in (lookup(n) for n in ciphers["iana"]) if s is not None and s.go]
        assert go == expected, key
        if "go" in ciphers:  # the copied guideline data carries Mozilla's own list too
            assert ciphers["go"] == expected, key


def test_go_capable_suites() -> None:
    # Go's crypto/tls: ECDHE and static-RSA suites with AES, 3DES, RC4 or ChaCha20; no DHE, no
    # CCM, no AES-256-CBC-SHA384.
    assert sorted(s.code for s in SUITES if s.go and not s.tls13) == [
        0x0005, 0x000A, 0x002F, 0x0035, 0x003C, 0x009C, 0x009D, 0xC007, 0xC009, 0xC00A,
        0xC011, 0xC012, 0xC013, 0xC014, 0xC023, 0xC027, 0xC02B, 0xC02C, 0xC02F, 0xC030,
        0xCCA8, 0xCCA9,
    ]
    assert all(s.go == s.iana for s in SUITES if s.go and s.code not in (0xCCA8, 0xCCA9))


# --- expansion: semantics OpenSSL 3 can no longer show ----------------------------------------


def test_names_of_suites_openssl3_lacks() -> None:
    assert expand("RC4-MD5") == (lookup("RC4-MD5"),)
    rc4 = expand("RC4-MD5")[0]
    assert (rc4.enc, rc4.mac, rc4.code) == ("RC4", "MD5", 0x0004)
    assert [s.code for s in expand("DES-CBC3-SHA")] == [0x000A]
    assert [s.code for s in expand("ADH-AES128-SHA")] == [0x0034]
    assert [s.code for s in expand("NULL-SHA")] == [0x0002]
    assert [s.code for s in expand("EDH-RSA-DES-CBC3-SHA")] == [0x0016]


def test_export() -> None:
    exported = expand("EXPORT")
    assert names(exported) == [
        "EXP-EDH-RSA-DES-CBC-SHA", "EXP-EDH-DSS-DES-CBC-SHA", "EXP-ADH-DES-CBC-SHA",
        "EXP-ADH-RC4-MD5", "EXP-KRB5-RC2-CBC-SHA", "EXP-KRB5-DES-CBC-SHA",
        "EXP-KRB5-RC2-CBC-MD5", "EXP-KRB5-DES-CBC-MD5", "EXP-DES-CBC-SHA", "EXP-RC2-CBC-MD5",
        "EXP-KRB5-RC4-SHA", "EXP-KRB5-RC4-MD5", "EXP-RC4-MD5",
    ]
    assert all(s.export and s.bits == 40 for s in exported)
    assert expand("EXP") == exported
    assert expand("EXPORT56") == ()
    assert not any(s.export for s in expand("ALL:!EXPORT"))


def test_anonymous_suites() -> None:
    # !aNULL removes every anonymous suite; !ADH leaves the anonymous ECDH ones in.
    assert [s for s in expand("HIGH:!aNULL") if s.anonymous] == []
    assert names(tuple(s for s in expand("HIGH:!ADH") if s.anonymous)) == [
        "AECDH-AES256-SHA",
        "AECDH-AES128-SHA",
    ]
    assert names(expand("AECDH:!eNULL")) == [
        "AECDH-AES256-SHA", "AECDH-AES128-SHA", "AECDH-RC4-SHA", "AECDH-DES-CBC3-SHA",
    ]


def test_not_sha_leaves_static_rsa() -> None:
    static_rsa = [s.openssl for s in expand("ALL:!SHA") if s.kx == "RSA"]
    assert static_rsa == [
        "AES256-GCM-SHA384", "AES256-CCM8", "AES256-CCM", "ARIA256-GCM-SHA384",
        "AES128-GCM-SHA256", "AES128-CCM8", "AES128-CCM", "ARIA128-GCM-SHA256",
        "AES256-SHA256", "CAMELLIA256-SHA256", "AES128-SHA256", "CAMELLIA128-SHA256",
        "RC4-MD5", "EXP-RC2-CBC-MD5", "EXP-RC4-MD5",
    ]
    assert names(expand("kRSA+AESGCM")) == ["AES256-GCM-SHA384", "AES128-GCM-SHA256"]


def test_removed_keywords() -> None:
    assert names(expand("kECDH")) == [
        "ECDH-RSA-AES256-GCM-SHA384", "ECDH-ECDSA-AES256-GCM-SHA384",
        "ECDH-RSA-AES128-GCM-SHA256", "ECDH-ECDSA-AES128-GCM-SHA256",
        "ECDH-RSA-AES256-SHA384", "ECDH-ECDSA-AES256-SHA384",
        "ECDH-RSA-AES128-SHA256", "ECDH-ECDSA-AES128-SHA256",
        "ECDH-RSA-AES256-SHA", "ECDH-ECDSA-AES256-SHA",
        "ECDH-RSA-AES128-SHA", "ECDH-ECDSA-AES128-SHA",
        "ECDH-RSA-RC4-SHA", "ECDH-ECDSA-RC4-SHA",
        "ECDH-RSA-DES-CBC3-SHA", "ECDH-ECDSA-DES-CBC3-SHA",
        "ECDH-RSA-NULL-SHA", "ECDH-ECDSA-NULL-SHA",
    ]
    assert {s.kx for s in expand("kDH")} == {"DH"}
    assert len(expand("kDHr")) == 11 and len(expand("kDHd")) == 11
    assert {s.enc for s in expand("DES")} == {"DES"}
    assert len(expand("DES")) == 14
    assert {s.kx for s in expand("KRB5")} == {"KRB5"}
    assert len(expand("aGOST")) == 7
    assert expand("SSLv2") == ()
    # 3.x meanings win where 1.0.2 differed: DH/ECDH are ephemeral only.
    assert {s.kx for s in expand("DH")} == {"DHE"}
    assert {s.kx for s in expand("ECDH")} == {"ECDHE"}


def test_default_and_all() -> None:
    default = expand("DEFAULT")
    assert not any(s.anonymous or s.null_cipher for s in default)
    assert not any(s.enc in {"RC4", "3DES", "DES", "IDEA", "SEED", "CAMELLIA", "ARIAGCM"}
                   or s.export or s.kx in {"DH", "ECDH", "KRB5"} for s in default)
    assert names(default[:6]) == [
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "DHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-CHACHA20-POLY1305",
    ]
    assert expand("DEFAULT") == expand("ALL:!COMPLEMENTOFDEFAULT:!eNULL")
    everything = expand("ALL:COMPLEMENTOFALL")
    assert len(everything) == len(SUITES) - len(TLS13_SUITES)
    assert not any(s.tls13 for s in everything)
    assert not any(s.null_cipher for s in expand("ALL"))
    assert {s.enc for s in expand("COMPLEMENTOFALL")} == {"NULL"}
    # DEFAULT is only honoured at the start of a string, as in OpenSSL.
    assert expand("HIGH:DEFAULT") == expand("HIGH")
    assert expand("DEFAULT:!kRSA") == tuple(s for s in default if s.kx != "RSA")


def test_openssl_quirks_kept() -> None:
    assert expand("HIGH+FIPS") == ()  # strength classes AND, they do not intersect
    assert expand("COMPLEMENTOFDEFAULT+HIGH") == expand("HIGH")
    high_not_default = expand("HIGH+COMPLEMENTOFDEFAULT")
    assert lookup("CAMELLIA128-SHA") in high_not_default
    assert lookup("ECDHE-RSA-AES128-GCM-SHA256") not in high_not_default
    assert expand("kRSA+kDHE") == ()
    assert expand("ALL:@SECLEVEL=5") == expand("ALL")  # security levels never remove suites
    assert names(expand("SUITEB128")) == [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
    ]
    assert expand("") == ()
    assert expand("TLS_AES_128_GCM_SHA256") == ()  # TLS 1.3 suites are not set here


def test_every_name_expands_to_itself() -> None:
    for s in SUITES:
        if not s.tls13:
            assert s.openssl is not None
            assert expand(s.openssl) == (s,), s.openssl


def test_strength_sort() -> None:
    bits = [s.bits for s in expand("ALL:COMPLEMENTOFALL:@STRENGTH")]
    assert bits == sorted(bits, reverse=True)
    assert names(expand("AES128-SHA:AES256-SHA:DES-CBC3-SHA:RC4-MD5:@STRENGTH")) == [
        "AES256-SHA", "AES128-SHA", "RC4-MD5", "DES-CBC3-SHA",
    ]


def test_unknown_tokens() -> None:
    assert unknown_tokens("HIGH:FOOBAR") == ("FOOBAR",)
    assert expand("HIGH:FOOBAR") == expand("HIGH")
    assert unknown_tokens("HIGH+FOOBAR:MEDIUM") == ("FOOBAR",)
    assert expand("HIGH+FOOBAR:MEDIUM") == expand("MEDIUM")
    assert unknown_tokens("HIGH:DEFAULT") == ("DEFAULT",)
    assert unknown_tokens("TLS_RSA_WITH_AES_128_CBC_SHA:AES128-SHA") == (
        "TLS_RSA_WITH_AES_128_CBC_SHA",
    )
    # Keywords an OpenSSL 3 build ignores but older ones honoured are not "unknown".
    assert unknown_tokens("!SSLv2:!RC4:!EXPORT:!DES:!kDHr:!aECDH:!KRB5:!aGOST") == ()
    assert unknown_tokens("DEFAULT:@STRENGTH:@SECLEVEL=2") == ()


@pytest.mark.parametrize(
    ("cipher_string", "token"),
    [
        ("!:HIGH", "!"),
        ("@FOO:HIGH", "@FOO"),
        ("HIGH:@SECLEVEL=7", "@SECLEVEL=7"),
        ("HIGH:@SECLEVEL=10", "@SECLEVEL=10"),
        ("HIGH:#foo", "#foo"),
        ("HIGH_X:MEDIUM", "_X"),
        ("HIGH+", "HIGH+"),
        ("AES128-SHA+_x", "AES128-SHA+_x"),
    ],
)
def test_strings_openssl_refuses(cipher_string: str, token: str) -> None:
    with pytest.raises(CipherStringError) as err:
        expand(cipher_string)
    assert err.value.token == token
    assert isinstance(err.value, ValueError)


# --- expansion checked against the local OpenSSL ----------------------------------------------

# Strings the local OpenSSL 3.0 understands. The local build lacks many suites, so both sides are
# compared on the suites it knows; order matters as much as membership.
OPENSSL_STRINGS = [
    "HIGH:!aNULL:!MD5",
    "ALL",
    "DEFAULT",
    "COMPLEMENTOFDEFAULT",
    "ALL:COMPLEMENTOFALL",
    "ECDHE+AESGCM",
    "kRSA",
    "aRSA:!kRSA",
    "AES128",
    "HIGH:!aNULL:!MD5:!SHA1",
    "ALL:!ADH",
    "ECDHE:!SHA",
    "EECDH+AESGCM:EDH+AESGCM",
    "-ALL:ECDHE-RSA-AES128-GCM-SHA256",
    "HIGH:@STRENGTH",
    "ALL:COMPLEMENTOFALL:@STRENGTH",
    "AES128:AES256:@STRENGTH",
    "MEDIUM:HIGH",
    "!aNULL:HIGH",
    "HIGH:!aNULL",
    "eNULL",
    "aNULL",
    "kEDH:kEECDH",
    "DHE:ECDHE",
    "ADH:AECDH",
    "ECDH:DH",
    "aECDSA:DSS",
    "PSK:!aPSK",
    "SRP",
    "CAMELLIA:ARIA",
    "AESCCM:AESCCM8:CHACHA20",
    "SHA256:SHA384",
    "SHA1:MD5",
    "TLSv1.2",
    "TLSv1.0:SSLv3",
    "CBC",
    "FIPS",
    "DEFAULT:!kRSA",
    "kRSA:DEFAULT",
    "DEFAULT:@STRENGTH",
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256",
    "AES128-SHA:-ALL:AES128-SHA",
    "HIGH:-AES128:AES128",
    "HIGH:!AES128:AES128",
    "HIGH:+AES128",
    "HIGH:+kRSA",
    "ALL:+aNULL:+eNULL",
    "ALL:-ECDHE:ECDHE",
    "EECDH+AES256:RSA+AES256:EECDH+AES128:RSA+AES128:!MD5:!aNULL",
    "EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH",
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL",
    "HIGH:!aNULL:!kRSA:!PSK:!SRP:!MD5:!RC4",
    "ALL:!EXPORT:!LOW:!aNULL:!eNULL:!SSLv2",
    "HIGH:FOOBAR",
    "HIGH;MEDIUM, LOW",
    "AES128-SHA+kRSA:AES256-SHA+kDHE",
    "COMPLEMENTOFDEFAULT+HIGH",
    "HIGH+COMPLEMENTOFDEFAULT",
    "TLSv1.2+AES:!aNULL",
    "ECDSA+AESGCM:RSA+AESGCM",
    "SUITEB128",
    "-kRSA:kRSA",
    "ALL:-HIGH:HIGH:@STRENGTH",
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
    ),
]


def openssl_codes(cipher_string: str) -> list[int]:
    """The TLS <= 1.2 codes the local `openssl ciphers -V` lists, in order.

    "--" keeps a string that starts with "-" from being read as an option. ":@SECLEVEL=0" is
    appended because the security level must not hide suites from this oracle: tlsconf judges
    what a string asks for, and neither the build's default level nor a CipherString from a
    system openssl.cnf may filter what we compare against. Without -s the listing is the
    configured list, so level 0 changes no order.
    """
    assert OPENSSL is not None
    proc = subprocess.run(
        [OPENSSL, "ciphers", "-V", "--", f"{cipher_string}:@SECLEVEL=0"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        assert "no cipher match" in proc.stderr, proc.stderr
        return []
    codes = []
    for line in proc.stdout.splitlines():
        # "0xC0,0x2F - ECDHE-RSA-AES128-GCM-SHA256  TLSv1.2 Kx=ECDH Au=RSA Enc=... Mac=AEAD"
        fields = line.split()
        if fields[3] == "TLSv1.3":
            continue
        high, low = fields[0].split(",")
        codes.append(int(high, 16) << 8 | int(low, 16))
    return codes


@pytest.fixture(scope="module")
def local_codes() -> frozenset[int]:
    return frozenset(openssl_codes("ALL:COMPLEMENTOFALL"))


@needs_openssl
def test_enough_strings_checked() -> None:
    assert len(OPENSSL_STRINGS) >= 25
    assert len(set(OPENSSL_STRINGS)) == len(OPENSSL_STRINGS)


@needs_openssl
@pytest.mark.parametrize("cipher_string", OPENSSL_STRINGS)
def test_expand_matches_local_openssl(cipher_string: str, local_codes: frozenset[int]) -> None:
    ours = [s.code for s in expand(cipher_string) if s.code in local_codes]
    assert ours == openssl_codes(cipher_string)


@needs_openssl
def test_table_agrees_with_local_openssl() -> None:
    assert OPENSSL is not None
    proc = subprocess.run(
        [OPENSSL, "ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
        capture_output=True,
        text=True,
        check=True,
    )
    kx = {"DHE": "DH", "ECDHE": "ECDH", "ANY": "any"}
    auth = {"anon": "None", "ANY": "any"}
    seen = 0
    for line in proc.stdout.splitlines():
        # 0xC0,0x2F - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2
        # Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD
        code, _, iana, _, name, proto, k, a, _, m = line.split()
        high, low = code.split(",")
        s = lookup(name)
        assert s is not None, name
        assert s.code == int(high, 16) << 8 | int(low, 16), name
        assert (s.iana, s.min_protocol) == (iana, proto), name
        assert (f"Kx={kx.get(s.kx, s.kx)}", f"Au={auth.get(s.auth, s.auth)}") == (k, a), name
        assert f"Mac={s.mac}" == m, name
        seen += 1
    assert seen > 100
