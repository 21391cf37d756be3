"""How a TLS9xx finding words one difference (`compare.Difference`): who is who (`Sides`),
the message (`describe`) and its full item list (`items`). Apart from the catalog
(`tlsconf.verify.rules`), which lint's rule registry imports, so `tlsconf lint` loads none of
this."""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct

from tlsconf.rules.base import listing
from tlsconf.verify.behaviour import NO_SNI, REDIRECT_PATH, UNKNOWN_SNI, HttpAnswer, Served
from tlsconf.verify.compare import CASE_SEPARATOR, Difference


class Sides(Struct, frozen=True):
    """Who is who in a message: the endpoint tested, the name its ClientHellos and Host
    header carried, and the reference ("the spec", or the --against endpoint)."""

    endpoint: str  # "127.0.0.1:8443"
    sni: str  # "a.test"
    reference: str = "the spec"
    http: str = ""  # the plain-HTTP endpoint of the redirect check, "127.0.0.1:8080"
    reference_http: str = ""  # the --against endpoint's, in differential mode

    @property
    def spec(self) -> bool:
        return self.reference == "the spec"

    def served(self, diff: Difference) -> str:
        if diff.aspect == "redirect":
            return f"{self.http} (Host {self.sni})"
        return where(self.endpoint, diff.case if diff.aspect in ("sni", "chain") else self.sni)


SET_NOUNS = {"protocols": "", "ciphers": "the TLS <= 1.2 suite(s) ",
             "ciphersuites": "the TLS 1.3 suite(s) ", "groups": "the group(s) "}
CASE_NAMES = {NO_SNI: "no SNI", UNKNOWN_SNI: "unknown SNI verify-unknown.invalid"}


def where(endpoint: str, sni: str | None) -> str:
    """`127.0.0.1:8443 (sni a.test)`, `… (no SNI)`, `… (sni a.test, www.a.test; no SNI)`: the
    endpoint and the SNI case(s) a message is about (`compare.CASE_SEPARATOR` joins them)."""
    cases = (sni or NO_SNI).split(CASE_SEPARATOR)
    names = [c for c in cases if c not in CASE_NAMES]
    labels = [f"sni {', '.join(names)}"] if names else []
    labels += [CASE_NAMES[c] for c in cases if c in CASE_NAMES]
    return f"{endpoint} ({'; '.join(labels)})"


def describe(diff: Difference, sides: Sides) -> str:
    """The message of one difference: what the endpoint does; what the reference does."""
    return {"protocols": _set, "ciphers": _set, "ciphersuites": _set, "groups": _set,
            "sni": _sni, "chain": _chain, "client_auth": _client_auth,
            "client_cert_accepted": _client_cert,
            "resumption_ids": _resumption, "resumption_tickets": _resumption,
            "alpn_h2": _alpn, "redirect": _redirect, "hsts": _hsts}[diff.aspect](diff, sides)


def items(diff: Difference) -> tuple[str, ...]:
    """Everything the message is about, in full (JSON/SARIF `items`)."""
    if diff.extra or diff.missing:
        return (*(f"+{n}" for n in diff.extra), *(f"-{n}" for n in diff.missing))
    if diff.aspect == "chain":
        return tuple(f"{label}:{h}" for label, chain in (("spec", diff.expected),
                                                         ("served", diff.served))
                     for h in chain)  # type: ignore[attr-defined]
    return ()


def _names(names: Iterable[str]) -> str:
    return listing(names) or "none"


def _set(diff: Difference, sides: Sides) -> str:
    noun = SET_NOUNS[diff.aspect]
    alone = " offered alone" if diff.aspect == "groups" else ""
    parts = []
    if diff.extra:
        parts.append(f"accepts {noun}{_names(diff.extra)}{alone}")
    if diff.missing:
        parts.append(f"refuses {noun}{_names(diff.missing)}{alone}")
    verb = "allows" if sides.spec else "accepts"
    return f"{sides.served(diff)} {' and '.join(parts)}; {sides.reference} {verb} " \
           f"{_names(diff.expected)}"  # type: ignore[arg-type]


def _sni(diff: Difference, sides: Sides) -> str:
    served, expected = diff.served, diff.expected
    assert isinstance(served, Served) and isinstance(expected, Served)
    done = "completes the handshake" if served.accepted else "refuses the handshake"
    other = ("serves it" if expected.accepted else "refuses it") if sides.spec else \
            ("completes it" if expected.accepted else "refuses it")
    return f"{sides.served(diff)} {done}; {sides.reference} {other}"


def _short(chain: tuple[str, ...]) -> str:
    return ", ".join(f"{h[:16]}…" for h in chain) or "nothing"


def _chain(diff: Difference, sides: Sides) -> str:
    served: tuple[str, ...] = diff.served  # type: ignore[assignment]
    expected: tuple[str, ...] = diff.expected  # type: ignore[assignment]
    other = "the spec's certificate file holds" if sides.spec else f"{sides.reference} serves"
    if sorted(served) == sorted(expected):
        return (f"{sides.served(diff)} serves the same certificates in another order: sha256 "
                f"{_short(served)}; {other} {_short(expected)}")
    return (f"{sides.served(diff)} serves the chain sha256 {_short(served)}; {other} "
            f"{_short(expected)}")


CLIENT_AUTH = {"required": "requires a client certificate",
               "optional": "serves clients without a certificate (optional)",
               "none": "does not ask for a client certificate"}


def _client_auth(diff: Difference, sides: Sides) -> str:
    reference = CLIENT_AUTH[str(diff.expected)]
    if sides.spec:
        reference = {"required": "requires one", "optional": "makes it optional",
                     "none": "asks for none"}[str(diff.expected)]
    return f"{sides.served(diff)} {CLIENT_AUTH[str(diff.served)]}; {sides.reference} {reference}"


def _client_cert(diff: Difference, sides: Sides) -> str:
    does = "serves" if diff.served else "refuses"
    other = "the spec's client_auth.ca should accept it" if sides.spec else \
        f"{sides.reference} {'serves' if diff.expected else 'refuses'} it"
    return f"{sides.served(diff)} {does} GET / with the --client-cert given; {other}"


def _resumption(diff: Difference, sides: Sides) -> str:
    how = "session ID" if diff.aspect == "resumption_ids" else "session ticket"
    does = "resumes" if diff.served else "does not resume"
    other = "does" if diff.expected else "does not"
    return f"{sides.served(diff)} {does} TLS 1.2 sessions by {how}; {sides.reference} {other}"


def _alpn(diff: Difference, sides: Sides) -> str:
    does = "chooses" if diff.served else "does not choose"
    other = "does" if diff.expected else "does not"
    return f"{sides.served(diff)} {does} h2 when offered h2 and http/1.1; {sides.reference} {other}"


def _answer(answer: HttpAnswer) -> str:
    if answer.location is None:
        return f"{answer.status} and no Location"
    return f"{answer.status} to {answer.location}"


def _redirect(diff: Difference, sides: Sides) -> str:
    served, expected = diff.served, diff.expected
    assert isinstance(served, HttpAnswer) and isinstance(expected, HttpAnswer)
    if sides.spec:
        return f"{_says(sides.served(diff), served)}; the spec expects {_answer(expected)}"
    return (f"{_says(sides.served(diff), served)}; "
            f"{_says(sides.reference_http or sides.reference, expected)}")


def _says(who: str, answer: HttpAnswer) -> str:
    """`127.0.0.1:8080 (Host a.test) answers GET /verify with 301 to …`; status 0 is the
    probe's "nothing listens or answers there"."""
    if answer.status == 0:
        return f"{who} gives no answer to GET {REDIRECT_PATH}"
    return f"{who} answers GET {REDIRECT_PATH} with {_answer(answer)}"


def _header(answer: HttpAnswer) -> str:
    return "no Strict-Transport-Security" if answer.hsts is None else \
        f"Strict-Transport-Security \"{answer.hsts}\""


def _hsts(diff: Difference, sides: Sides) -> str:
    served, expected = diff.served, diff.expected
    assert isinstance(served, HttpAnswer) and isinstance(expected, HttpAnswer)
    other = "none" if expected.hsts is None else f"\"{expected.hsts}\""
    classes = " and ".join(diff.case.split(CASE_SEPARATOR))
    return (f"{sides.served(diff)} sends {_header(served)} on {classes} answers; "
            f"{sides.reference} sends {other}")
