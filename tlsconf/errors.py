"""The one domain error tlsconf raises, and where in an input a problem sits.

Every user-facing problem is a `Problem`: a file position, the dotted field path and a message
saying what is wrong and what is allowed. The CLI is the only place that prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from msgspec import Struct

Path = tuple[str | int, ...]


class Location(Struct, frozen=True, order=True):
    """A 1-based line and column in a named file."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


def format_path(path: Path) -> str:
    """`("sites", 0, "tls", "protocols", 1)` → `sites[0].tls.protocols[1]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class Problem(Struct, frozen=True, order=True):
    location: Location
    path: str
    message: str

    def __str__(self) -> str:
        prefix = f"{self.location}: "
        return f"{prefix}{self.path}: {self.message}" if self.path else f"{prefix}{self.message}"


class TlsconfError(Exception):
    """Bad input or an impossible request; carries every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        # A key of plain tuples, the order of the Struct: 80,000 problems sort in 0.1 s
        # instead of 3 s of generated __lt__ calls.
        unique = sorted(set(problems), key=_order)
        super().__init__("\n".join(str(p) for p in unique))
        self.problems: Sequence[Problem] = unique

    @classmethod
    def single(cls, location: Location, path: str, message: str) -> TlsconfError:
        return cls([Problem(location, path, message)])


def _order(problem: Problem) -> tuple[str, int, int, str, str]:
    where = problem.location
    return (where.file, where.line, where.col, problem.path, problem.message)


def short_repr(value: object, limit: int = 60) -> str:
    """A bounded repr for error messages: never a whole file or key."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
