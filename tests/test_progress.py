"""The progress line: drawn only on a terminal, outside CI, for large inputs; never a byte to
a pipe or a file; erased before the command prints anything else."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tlsconf import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return True


def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.conf"
    path.write_bytes(b"#" * progress.MIN_BYTES)
    return path


def run_phases(stream: io.StringIO, paths: list[Path], environ: dict[str, str],
               total: int = 1000) -> None:
    with progress.reporting(paths, stream=stream, environ=environ):
        with progress.phase("reading", 0):
            pass
        with progress.phase("judging", total) as tick:
            for _ in range(total):
                tick(1)


def test_wanted_only_on_a_terminal_outside_ci() -> None:
    assert progress.wanted(Terminal(), {})
    assert progress.wanted(Terminal(), {"CI": ""})
    assert progress.wanted(Terminal(), {"CI": "false"})
    assert not progress.wanted(Terminal(), {"CI": "true"})
    assert not progress.wanted(Terminal(), {"CI": "1"})
    assert not progress.wanted(io.StringIO(), {})


def test_wanted_is_false_for_closed_or_odd_streams() -> None:
    closed = Terminal()
    closed.close()
    assert not progress.wanted(closed, {})
    assert not progress.wanted(object(), {})  # type: ignore[arg-type]


def test_draws_on_a_terminal_and_erases_the_line(tmp_path: Path) -> None:
    out = Terminal()
    run_phases(out, [big_file(tmp_path)], {})
    text = out.getvalue()
    assert "tlsconf: reading ..." in text
    assert "tlsconf: judging [------------------------] 0/1000 sites" in text
    assert text.endswith("\r")  # the last thing written blanks the line and returns
    last = text.rstrip("\r").rsplit("\r", 1)[-1]
    assert last.strip() == ""


def test_nothing_under_ci(tmp_path: Path) -> None:
    out = Terminal()
    run_phases(out, [big_file(tmp_path)], {"CI": "true"})
    assert out.getvalue() == ""


def test_nothing_for_a_small_input(tmp_path: Path) -> None:
    small = tmp_path / "small.conf"
    small.write_text("events {}\n")
    out = Terminal()
    run_phases(out, [small], {}, total=progress.MIN_ITEMS - 1)
    assert out.getvalue() == ""


def test_many_sites_in_a_small_file_are_enough(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text("sites: []\n")
    out = Terminal()
    run_phases(out, [small], {}, total=progress.MIN_ITEMS)
    assert "judging" in out.getvalue()
    assert "reading" not in out.getvalue()  # an unknown total needs a large file


def test_redraws_as_sites_are_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    out = Terminal()
    run_phases(out, [big_file(tmp_path)], {}, total=64)
    assert "[############------------] 32/64 sites" in out.getvalue()
    assert "[########################] 64/64 sites" in out.getvalue()


def test_nothing_without_a_report(capfd: pytest.CaptureFixture[str]) -> None:
    with progress.phase("judging", 10_000) as tick:
        tick(5)  # no report open: a no-op
    assert capfd.readouterr() == ("", "")


def test_nothing_to_a_pipe(tmp_path: Path) -> None:
    read, write = os.pipe()
    with os.fdopen(write, "w") as stream:
        run_phases(stream, [big_file(tmp_path)], {})  # type: ignore[arg-type]
    with os.fdopen(read) as pipe:
        assert pipe.read() == ""


@pytest.mark.parametrize("ci", ["", "true"])
def test_cli_writes_no_progress_to_a_pipe(tmp_path: Path, ci: str) -> None:
    conf = tmp_path / "nginx.conf"
    servers = "".join(f"server {{ listen 443 ssl; server_name s{i}.test; }}\n"
                      for i in range(3000))
    conf.write_text(f"http {{\nssl_protocols TLSv1.2 TLSv1.3;\n{servers}}}\n")
    env = {**os.environ, "CI": ci}
    proc = subprocess.run([sys.executable, "-m", "tlsconf", "lint", str(conf)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert "tlsconf: judging" not in proc.stderr and "\r" not in proc.stderr
