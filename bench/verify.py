#!/usr/bin/env python3
"""Benchmark of `tlsconf verify` against sslyze's CLI and testssl.sh on one nginx, one run.

    .venv/bin/python bench/verify.py            # 5 rounds, writes its section of performance.md
    .venv/bin/python bench/verify.py --runs 3 --print

Run it with the interpreter of an environment that has `tlsconf[verify]` (the repository's
.venv after `pip install -e '.[test]'`): `tlsconf` and `python -m sslyze` are taken from next to
it; testssl.sh is `/usr/bin/testssl` (Debian's package). One nginx (the system's) serves the
`tlsconf render` output of a one-site spec (intermediate, a P-256 certificate issued by a bench
CA, HSTS, the port-80 redirect) on 127.0.0.1 with the tests' echo upstream behind it; the three
scanners take turns round after round (one warm-up round), so they see the same server and the
same machine load. Each figure is the median wall time of the child process (bench/run.py's
`run_once`: wait4, bounded by --timeout, exit status checked: verify must exit 0).

What each one is asked, as near the same matrix as their options allow:
- `tlsconf verify SPEC --target nginx`: every version's suites, TLS 1.3 suites, groups offered
  alone (X25519MLKEM768 too), SNI cases, chain, ALPN, resumption, HSTS on 2xx/4xx, redirect;
- `sslyze --sslv2 … --tlsv1_3 --elliptic_curves --resum --certinfo --http_headers`: the same
  suite and group scans, resumption, the certificate and the HTTP headers (no PQ, no SNI cases);
- `testssl -p -e -S -f -h`: protocols, each of its 370 suites, server defaults (certificate,
  resumption), forward secrecy (groups) and HTTP headers (HSTS), `--fast` off.

The table goes between its markers in docs/performance.md (bench/run.py keeps the section when
it rewrites the file); `--print` prints it instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT / "tests")]

from run import (  # noqa: E402  (bench/run.py: one way to time a child and describe the machine)
    BenchError,
    Sample,
    load,
    machine,
    make_pki,
    measure_interleaved,
    replace_section,
    version_of,
)
from support.procs import free_port, start_nginx  # noqa: E402  (the tests' nginx wrapper)
from support.upstream import Upstream  # noqa: E402

WORK = BENCH / ".work" / "verify"
SECTION = "verify"
TARGET_SECONDS = 10.0
TESTSSL = "/usr/bin/testssl"
TESTSSL_LABEL = "`testssl -p -e -S -f -h`"


def spec_text(cert: Path, key: Path, https: int, http: int, upstream: int) -> str:
    return (
        "sites:\n"
        "  - name: bench\n"
        "    domains: [www.bench.test]\n"
        f"    listen: {{address: 127.0.0.1, https_port: {https}, http_port: {http}}}\n"
        f"    tls: {{certificate: {cert}, key: {key}}}\n"
        f"    upstreams: [{{address: 127.0.0.1:{upstream}}}]\n"
    )


def commands(tlsconf: str, python: str, spec: Path, https: int) -> dict[str, list[str]]:
    name = "www.bench.test"
    return {
        "`tlsconf verify SPEC --target nginx`": [tlsconf, "verify", str(spec), "-t", "nginx"],
        "`sslyze` (all versions' suites, curves, resumption, certinfo, HTTP headers)": [
            python, "-m", "sslyze", "--quiet", "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1",
            "--tlsv1_2", "--tlsv1_3", "--elliptic_curves", "--resum", "--certinfo",
            "--http_headers", f"{name}:{https}{{127.0.0.1}}"],
        TESTSSL_LABEL: [
            TESTSSL, "-p", "-e", "-S", "-f", "-h", "--quiet", "--warnings", "off", "--color", "0",
            "--ip", "127.0.0.1", "--connect-timeout", "5", "--openssl-timeout", "5",
            f"{name}:{https}"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run (300)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--print", action="store_true", help="print the section; write nothing")
    args = parser.parse_args()
    tlsconf = str(Path(sys.executable).parent / "tlsconf")
    for tool in (tlsconf, TESTSSL):
        if not os.access(tool, os.X_OK):
            raise BenchError(f"{tool} is not installed")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    cert, key = make_pki(WORK)
    https, http = free_port(), free_port()
    before, started = load(), time.perf_counter()
    with Upstream("bench") as upstream:
        spec = WORK / "site.yaml"
        spec.write_text(spec_text(cert, key, https, http, upstream.port))
        subprocess.run([tlsconf, "render", str(spec), "-t", "nginx", "-o", str(WORK / "out")],
                       check=True, timeout=60, stdin=subprocess.DEVNULL)
        server = start_nginx(WORK / "out" / "nginx" / "conf.d", WORK / "nginx", (https, http))
        try:
            argv = commands(tlsconf, sys.executable, spec, https)
            # verify must find nothing; testssl's exit status is no verdict (its man page
            # keeps 245 and up for its own errors), sslyze's is 0.
            ok = {label: (0,) for label in argv} | {TESTSSL_LABEL: tuple(range(245))}
            samples = measure_interleaved({label: (cmd, ok[label]) for label, cmd in argv.items()},
                                          args.runs, dict(os.environ), timeout=args.timeout)
        finally:
            server.stop()
    text = section(args, samples, before, time.perf_counter() - started)
    if args.print:
        print(text)
        return 0
    current = args.out.read_text() if args.out.is_file() else "# Performance\n"
    args.out.write_text(replace_section(current, SECTION, text))
    print(f"wrote the {SECTION} section of {args.out}")
    return 0


def section(args: argparse.Namespace, samples: dict[str, Sample], before: str,
            elapsed: float) -> str:
    import datetime

    ours = next(iter(samples.values()))
    verdict = "met" if ours.wall <= TARGET_SECONDS else "NOT met"
    rows = "".join(f"| {label} | {s.wall:.2f} s | {s.cpu:.2f} s | {s.rss_mb:.0f} MiB |\n"
                   for label, s in samples.items())
    import importlib.metadata
    import re

    banner = subprocess.run([TESTSSL, "--version"], capture_output=True, text=True, timeout=60,
                            check=False, stdin=subprocess.DEVNULL).stdout
    found = re.search(r"testssl\s+(\S+)", re.sub(r"\x1b\[[0-9;]*m", "", banner))
    testssl = found.group(1) if found else "?"
    nginx = version_of([shutil.which("nginx") or "/usr/sbin/nginx", "-v"])
    return (
        "## 5. `tlsconf verify`: the full matrix on one endpoint, against sslyze and testssl.sh\n\n"
        f"Generated by `bench/verify.py --runs {args.runs}` (median of {args.runs} rounds after "
        "a warm-up round; the three take turns on the same nginx serving `tlsconf render` "
        "output on 127.0.0.1). What each is asked is in bench/verify.py's docstring.\n\n"
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; machine: "
        f"{machine()}\n"
        f"- load average before: {before}; after: {load()} ({elapsed / 60:.0f} min in all)\n"
        f"- tlsconf {importlib.metadata.version('tlsconf')}; sslyze "
        f"{importlib.metadata.version('sslyze')}; testssl.sh {testssl}; {nginx}\n\n"
        "| scanner | wall (median) | CPU | peak RSS |\n|---|---|---|---|\n"
        f"{rows}\n"
        f"Target: the full matrix on one endpoint ≤ {TARGET_SECONDS:.0f} s median on loopback: "
        f"{ours.wall:.2f} s, {verdict}.\n"
    )


if __name__ == "__main__":
    sys.exit(main())
