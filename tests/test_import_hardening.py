"""The HAProxy and Traefik importers on broken input: mutated copies of every config the tests
know (tlsconf's own output, the corpus, the importers' own fixtures) are either refused with a
`TlsconfError` (exit 2, a position) or imported to a spec that tlsconf's own loader accepts —
never an internal error, never a spec `render` cannot read. Mutations are seeded: a failure
names its case, and runs the same again."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tlsconf.config import Settings
from tlsconf.errors import TlsconfError
from tlsconf.importer import loader, write

ROOT = Path(__file__).resolve().parent
SOURCES = sorted(
    [("haproxy", p) for p in (ROOT / "golden" / "haproxy").rglob("haproxy.cfg")]
    + [("haproxy", p) for p in (ROOT / "corpus" / "haproxy").glob("*.cfg")]
    + [("traefik", p) for p in (ROOT / "golden" / "traefik").rglob("tlsconf.yml")]
    + [("traefik", p) for p in (ROOT / "corpus" / "traefik").glob("*.t*")]
)
# Words that mean something to one of the two servers, and some that mean nothing.
WORDS = ["ssl", "crt", "crt-list", "use_backend", "if", "unless", "{", "}", "!", "||",
         "path_beg", "/x", "weight", "0", "backup", "check", "inter", "-m", "str", "balance",
         "server", ":443", "*:", "[::]:8", "option", "httpchk", "verify", "required", "ca-file",
         "alpn", "h2", "default_backend", "ciphers", "curves", "Host(`a.b`)", "PathPrefix(`/z`)",
         "null", "[]", "{}", "true", "-1", "99999999999", "tls:", "options:", "minVersion:",
         "VersionTLS13", "  ", "\t", "'", '"', "%[src]", "é", "*.", ""]
CASES = 500


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.3:
            del lines[at]
        elif op < 0.5:
            lines.insert(at, lines[rng.randrange(len(lines))])
        else:
            words = lines[at].split(" ")
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            lines[at] = " ".join(words)
        if not lines:
            lines = [""]
    return "\n".join(lines)


@pytest.mark.parametrize("case", range(CASES))
def test_broken_input_is_refused_or_imported_to_a_loadable_spec(case: int,
                                                                tmp_path: Path) -> None:
    rng = random.Random(case)
    kind, source = SOURCES[case % len(SOURCES)]
    for sibling in source.parent.glob("crt-list*"):
        shutil.copy(sibling, tmp_path / sibling.name)
    path = tmp_path / source.name
    path.write_text(_mutate(source.read_text(), rng))
    try:
        imported = loader(kind)([str(path)], Settings(certificates=False))
    except TlsconfError as error:
        assert error.problems and all(p.location.file for p in error.problems)
        return
    write.check(write.to_yaml(imported, kind, [str(path)]))  # raises if the loader refuses it
