"""`tlsconf ARGS` run by `tlsconf.cli.main()` inside a harness interpreter, as the console script
runs it: its exit status, stdout and stderr. Used by harnesses that run many commands in one
fresh interpreter (tests/test_hardening_cli.py, tests/test_hardening_corpus.py)."""

from __future__ import annotations

import contextlib
import io
import sys


def run_main(args: list[str]) -> tuple[int, str, str]:
    from tlsconf.cli import main

    sys.argv = ["tlsconf", *args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return code, out.getvalue(), err.getvalue()
