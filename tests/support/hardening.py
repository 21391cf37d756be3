"""What the injection property tests (test_hardening_*.py) share: how many examples they run,
the values hypothesis draws, and where they report counts.

`TLSCONF_HYPOTHESIS_EXAMPLES=N` runs N examples per property (the dedicated long run uses
10000); without it each module's small default applies and the examples are derandomized.
`TLSCONF_HARDENING_STATS=FILE` appends accepted/refused counts per field as JSON lines.
"""

from __future__ import annotations

import json
import os

from hypothesis import strategies as st

EXAMPLES_ENV = "TLSCONF_HYPOTHESIS_EXAMPLES"
# The default run is small and derandomized (the same examples every time: no flaky "nothing
# was accepted"); the dedicated run draws fresh ones.
DERANDOMIZE = EXAMPLES_ENV not in os.environ
# The characters nginx's tokenizer treats specially; the HAProxy and Traefik tests add theirs.
NGINX_SPECIAL = ";{}#\"'\\`$%@ \n\r\x0b\x0c\x85\u2028\u2029\u202e\u200d\x00\t*~=^"
SAFE = st.text(st.sampled_from("abcxyz019.-"), min_size=1, max_size=12)
# Names that pass the strictest grammars (site, Service and namespace names), so that every
# field gets accepted values often enough to prove something.
NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,14}[a-z0-9]", fullmatch=True)


def examples(default: int) -> int:
    """Examples per property: `TLSCONF_HYPOTHESIS_EXAMPLES`, else the module's `default`."""
    return int(os.environ.get(EXAMPLES_ENV, str(default)))


def alphabet(special: list[str]) -> st.SearchStrategy[str]:
    """Half ordinary name characters (so that many values pass the grammar and reach the
    renderer), half the `special` ones, printable ASCII and non-ASCII letters."""
    return st.one_of(
        st.sampled_from("abcxyz019.-/"), st.sampled_from("abcxyz019.-/"),
        st.sampled_from(special), st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),
    )


def near_valid(special: list[str], chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A safe name with one special character (or one of `chars`) inside: what reaches the
    renderer often enough to prove something."""
    return st.builds(lambda a, c, b: a + c + b, SAFE, st.sampled_from(special) | chars, SAFE)


def ports(*odd: str) -> st.SearchStrategy[str]:
    """Port numbers in and out of range, and the `odd` spellings."""
    return st.one_of(st.integers(-2, 70000).map(str), st.sampled_from(list(odd)))


def addresses(values: st.SearchStrategy[str], port: st.SearchStrategy[str],
              *more: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Whole upstream addresses: `values` as host names, IPv4 and IPv6 (bracketed or not), with
    `port`; then the `more` kinds a module adds."""
    return st.one_of(
        st.builds(lambda v, p: f"{v}:{p}", values, port),
        st.builds(lambda ip, p: f"[{ip}]:{p}", st.ip_addresses(v=6).map(str), port),
        st.builds(lambda ip, p: f"{ip}:{p}", st.ip_addresses().map(str), port),
        *more,
    )


def record(target: str, field: str, accepted: int, refused: int, examples: int) -> None:
    """Append one field's counts to `TLSCONF_HARDENING_STATS`, when it names a file."""
    path = os.environ.get("TLSCONF_HARDENING_STATS")
    if path:
        with open(path, "a") as handle:
            handle.write(json.dumps({"target": target, "field": field, "accepted": accepted,
                                     "refused": refused, "examples": examples}) + "\n")
