"""A progress line on stderr for long lints and renders — only on a terminal, never in CI.

The CLI opens `reporting(paths)` around a command; the code doing the work announces its
phases (`with phase("judging", len(sites)) as tick: ... tick()`), which cost nothing when no
report is open. A report draws only when stderr is a terminal, `CI` is not set, and the input
is large enough to wait for: at least `MIN_BYTES` of input files or `MIN_ITEMS` sites. Pipes,
files and CI logs never get a byte of it; the line is erased before anything else is printed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import TextIO

MIN_BYTES = 1024 * 1024  # inputs from 1 MB (some 3000 nginx servers, 3000 spec sites) ...
MIN_ITEMS = 500  # ... or phases of 500 sites and more
INTERVAL = 0.1  # seconds between redraws
_FALSY = ("", "0", "false", "no")

Tick = Callable[[int], None]


def wanted(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Draw on `stream` at all? Only a terminal, and not under CI (CI=true, as CI services set)."""
    env = os.environ if environ is None else environ
    if env.get("CI", "").strip().lower() not in _FALSY:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


class _Report:
    def __init__(self, stream: TextIO, large: bool) -> None:
        self.stream = stream
        self.large = large  # the input files alone are worth a progress line
        self.width = 0  # of the line on screen, to erase it

    def draw(self, text: str) -> None:
        pad = max(self.width - len(text), 0)
        self.stream.write(f"\r{text}{' ' * pad}")
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write(f"\r{' ' * self.width}\r")
            self.stream.flush()
            self.width = 0


_current: _Report | None = None


@contextmanager
def reporting(paths: Iterable[str | os.PathLike[str]], stream: TextIO | None = None,
              environ: Mapping[str, str] | None = None) -> Iterator[None]:
    """Let the phases inside the block draw on `stream` (stderr) if `wanted` there."""
    global _current
    out = sys.stderr if stream is None else stream
    if not wanted(out, environ) or _current is not None:
        yield
        return
    size = 0
    for path in paths:
        with suppress(OSError):
            size += os.path.getsize(path)
    _current = _Report(out, size >= MIN_BYTES)
    try:
        yield
    finally:
        report, _current = _current, None
        report.clear()


def _noop(count: int = 1) -> None:
    pass


@contextmanager
def phase(label: str, total: int) -> Iterator[Tick]:
    """A phase of `total` sites (0: unknown): yields `tick(count=1)` to call as they are done.
    Without an open report, or for a small input, `tick` does nothing."""
    report = _current
    if report is None or not (report.large or total >= MIN_ITEMS):
        yield _noop
        return
    done = 0
    next_draw = time.monotonic() + INTERVAL

    def tick(count: int = 1) -> None:
        nonlocal done, next_draw
        done += count
        if done % 32 and done != total:  # look at the clock every 32 sites
            return
        now = time.monotonic()
        if now >= next_draw:
            next_draw = now + INTERVAL
            _draw(report, label, done, total)

    _draw(report, label, 0, total)
    try:
        yield tick
    finally:
        report.clear()


def _draw(report: _Report, label: str, done: int, total: int) -> None:
    if total > 0:
        width = 24
        filled = min(width, width * done // total)
        bar = "#" * filled + "-" * (width - filled)
        report.draw(f"tlsconf: {label} [{bar}] {done}/{total} sites")
    else:
        report.draw(f"tlsconf: {label} ...")
