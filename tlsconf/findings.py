"""What the linter and `render`'s weakness judgement report."""

from __future__ import annotations

from enum import IntEnum

from msgspec import Struct

from tlsconf.errors import Location


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


class Finding(Struct, frozen=True, order=True):
    location: Location
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    path: str = ""  # field path or directive that caused it
    items: tuple[str, ...] = ()  # every item the message is about, in full
    value: object = None  # the site's resolved value of `path` (JSON output)

    def __str__(self) -> str:
        return f"{self.location}: {self.rule_id} [{self.severity}] {self.message}"
