#!/usr/bin/env python3
"""tlsconf benchmark: generates its inputs, measures, and writes docs/performance.md.

    python3 bench/run.py                  # the full run (about 15 minutes on 2 cores)
    python3 bench/run.py --quick --runs 3 # smaller sizes, no gixy-ng
    python3 bench/run.py --startup-only   # section 1 only, printed (about a minute)

Side by side in one run on one machine:
1. `tlsconf lint` of a 1-site spec (start-up cost), against the import floor of its
   dependencies (the target is a ratio: the floor is measured in the same run);
2. `tlsconf lint` of nginx configs with 1, 100, 1000 and 5000 TLS server blocks (upstreams,
   proxy headers, HSTS), against `nginx -t` on the same files and gixy-ng (installed once into
   bench/.work/gixy-venv — the only network access — and never a project dependency);
3. `tlsconf render` of 100, 1000 and 10,000-site specs to each target, against loading the
   same YAML with ruamel's C loader;
4. `tlsconf lint` of the 10,000-site spec.

Every figure is the median of --runs runs after one unmeasured warm-up run per command; peak
memory is the child's max RSS (wait4). Every run is bounded by a timeout and checked: a
command that fails (lint exit 2, a refused render, `nginx -t` failing) stops the bench rather
than being timed; a lint that reports findings (exit 1) is flagged in the table. The inputs
are valid: a leaf certificate (P-256, `*.bench.test`, 80 days) issued by a bench CA, so every
check — the certificate family too — runs and passes.

tlsconf is this checkout installed into its own venv (bench/.work/tlsconf-venv), as pre-commit
installs a hook: the start-up figure is not skewed by a version manager's shim or by whatever
else the calling environment holds; `--installed` times the `tlsconf` on PATH instead.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
GIXY_VERSION = "0.2.59"
# The single-host targets (`--target all`); the Kubernetes ones need a `kubernetes:` section.
TARGETS = ("nginx", "haproxy", "traefik")
SERVER_SIZES = (1, 100, 1000, 5000)
SITE_SIZES = (100, 1000, 10000)
# What any run of a lint of a spec with a certificate imports before tlsconf's own code.
DEPENDENCY_FLOOR = "pydantic.main, pydantic.types, typer, _ruamel_yaml, cryptography.x509"
FLOOR_LABEL = f"`python -c 'import {DEPENDENCY_FLOOR}'`"
FLOOR_NO_GC_LABEL = ("the same imports with the collector off and frozen before exit, as "
                     "tlsconf runs")
# Issue 12: the 1-site lint (certificate checks on) within this factor of that import floor,
# both from the same run.
STARTUP_RATIO = 1.35
LOADER = ("import sys; from ruamel.yaml import YAML; "
          "YAML(typ='safe', pure=False).load(open(sys.argv[1], 'rb'))")


@dataclass
class Sample:
    wall: float  # seconds, median
    rss_mb: float  # MiB, median of the peak RSS
    cpu: float  # user + system seconds, median
    code: int = 0  # the highest exit status seen (lint: 1 means findings)


class BenchError(Exception):
    pass


def run_once(argv: list[str], env: dict[str, str], timeout: float,
             ok: tuple[int, ...]) -> tuple[float, float, float, int]:
    """(wall s, peak RSS MiB, CPU s, exit status) of one run; stdout is discarded."""
    with open(WORK / "stderr.txt", "w+b") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL, env=env, cwd=WORK)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                proc.wait()
                raise BenchError(f"timed out after {timeout:.0f} s: {' '.join(argv)}")
            time.sleep(0.001)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            err.seek(0)
            tail = err.read()[-1500:].decode("utf-8", "replace")
            raise BenchError(f"exit {code} (expected {ok}): {' '.join(argv)}\n{tail}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, code


def sample_of(results: list[tuple[float, float, float, int]]) -> Sample:
    return Sample(wall=statistics.median(r[0] for r in results),
                  rss_mb=statistics.median(r[1] for r in results),
                  cpu=statistics.median(r[2] for r in results),
                  code=max(r[3] for r in results))


def measure(argv: list[str], runs: int, env: dict[str, str], *, timeout: float = 600,
            ok: tuple[int, ...] = (0,), warm: bool = True) -> Sample:
    if warm:
        run_once(argv, env, timeout, ok)
    return sample_of([run_once(argv, env, timeout, ok) for _ in range(runs)])


def measure_interleaved(commands: dict[str, tuple[list[str], tuple[int, ...]]], runs: int,
                        env: dict[str, str], *, timeout: float = 600) -> dict[str, Sample]:
    """Each command once per round, round after round (one warm-up round first): figures that
    are compared with each other as a ratio see the same machine load."""
    results: dict[str, list[tuple[float, float, float, int]]] = {label: [] for label in commands}
    for round_ in range(runs + 1):
        for label, (argv, ok) in commands.items():
            result = run_once(argv, env, timeout, ok)
            if round_:
                results[label].append(result)
    return {label: sample_of(r) for label, r in results.items()}


# -- inputs -------------------------------------------------------------------------------
def make_pki(directory: Path) -> tuple[Path, Path]:
    """A bench CA and a leaf it issued for *.bench.test: (chain file leaf+CA, key 0600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tlsconf bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "*.bench.test")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=80))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.bench.test")]), False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = directory / "bench.pem", directory / "bench.key"
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM)
                          + ca.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


def make_spec(path: Path, sites: int, cert: Path, key: Path) -> None:
    """A spec with `sites` sites: two names each, two weighted upstreams, a header."""
    lines = ["sites:"]
    for i in range(sites):
        lines += [
            f"  - name: site{i}",
            f"    domains: [site{i}.bench.test, api{i}.bench.test]",
            f"    tls: {{certificate: {cert}, key: {key}}}",
            "    upstreams:",
            f"      - address: 10.0.{i // 250 % 250}.{i % 250 + 1}:8080",
            f"      - {{address: '10.1.{i // 250 % 250}.{i % 250 + 1}:8080', weight: 2}}",
            "    headers: {X-Frame-Options: DENY}",
        ]
    path.write_text("\n".join(lines) + "\n")


INTERMEDIATE = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")


def make_nginx(path: Path, servers: int, cert: Path, key: Path, work: Path = WORK) -> None:
    """A complete nginx.conf with `servers` TLS server blocks, each with its upstream and
    proxy headers, the TLS settings at `http` level, and a port-80 redirect server."""
    out = [f"pid {work}/nginx.pid;", f"error_log {work}/nginx-error.log;",
           "events { worker_connections 1024; }", "http {", "    server_tokens off;",
           "    server_names_hash_bucket_size 128;", "    server_names_hash_max_size 65536;",
           "    ssl_protocols TLSv1.2 TLSv1.3;", f"    ssl_ciphers {INTERMEDIATE};",
           "    ssl_ecdh_curve X25519:prime256v1:secp384r1;",
           "    ssl_prefer_server_ciphers off;", "    ssl_session_cache shared:bench:10m;",
           "    ssl_session_timeout 1d;", "    ssl_session_tickets off;",
           "    server {", "        listen 80 default_server;",
           "        return 301 https://$host$request_uri;", "    }",
           "    server {", "        listen 443 ssl default_server;",
           "        ssl_reject_handshake on;", "    }"]
    for i in range(servers):
        out += [
            f"    upstream app{i} {{ server 10.0.{i // 250 % 250}.{i % 250 + 1}:8080; }}",
            "    server {",
            "        listen 443 ssl http2;",  # `http2 on;` needs nginx 1.25.1
            f"        server_name s{i}.bench.test;",
            f"        ssl_certificate {cert};",
            f"        ssl_certificate_key {key};",
            '        add_header Strict-Transport-Security "max-age=63072000" always;',
            "        location / {",
            f"            proxy_pass http://app{i};",
            "            proxy_set_header Host $host;",
            "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "            proxy_set_header X-Forwarded-Proto $scheme;",
            "        }",
            "    }",
        ]
    out += ["}"]
    path.write_text("\n".join(out) + "\n")


def gixy_binary() -> Path | None:
    """gixy-ng in its own venv under bench/.work (installed once; the only network use)."""
    venv = WORK / "gixy-venv"
    gixy = venv / "bin" / "gixy"
    if not gixy.exists():
        print(f"installing gixy-ng {GIXY_VERSION} into {venv} ...", flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True,
                           timeout=300)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                            "--disable-pip-version-check", f"gixy-ng=={GIXY_VERSION}"],
                           check=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as exc:
            print(f"gixy-ng could not be installed ({exc}); its column will say n/a",
                  file=sys.stderr)
            return None
    return gixy


# -- what runs ------------------------------------------------------------------------------
def tlsconf_command(installed: bool) -> tuple[list[str], dict[str, str], str]:
    """tlsconf as pre-commit runs it: this checkout installed into its own virtual environment
    (bench/.work/tlsconf-venv, reinstalled every run), called through its console script.
    `--installed` takes the `tlsconf` on PATH instead (a version manager's shim in front of it,
    or a crowded site-packages, adds its own start-up time); without network the fallback is
    `python3 -m tlsconf` from this checkout."""
    env = dict(os.environ)
    env.pop("CI", None)  # the same code path either way; no progress bar (stderr is a pipe)
    on_path = shutil.which("tlsconf")
    if installed and on_path:
        return [on_path], env, f"installed ({on_path})"
    venv = WORK / "tlsconf-venv"
    script = venv / "bin" / "tlsconf"
    print(f"installing this checkout into {venv} ...", flush=True)
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
               "--disable-pip-version-check"]
        for argv in ([*pip, str(ROOT)],  # the dependencies, then this checkout even when its
                     [*pip, "--force-reinstall", "--no-deps", str(ROOT)]):  # version is unchanged
            subprocess.run(argv, check=True, timeout=900, capture_output=True, text=True)
        return [str(script)], env, f"this checkout in its own venv ({script})"
    except subprocess.CalledProcessError as exc:
        print(f"could not build {venv}: {exc.stderr.strip()[-2000:]}\ntiming `python3 -m tlsconf`",
              file=sys.stderr)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"could not build {venv} ({exc}); timing `python3 -m tlsconf`", file=sys.stderr)
    # Bytecode cached like an installed package's, even where PYTHONDONTWRITEBYTECODE is set.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return [sys.executable, "-m", "tlsconf"], env, f"`python3 -m tlsconf` from {ROOT}"


def version_of(argv: list[str], env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False,
                              env=env)
    except (OSError, subprocess.SubprocessError):
        return "not installed"
    text = (proc.stdout + proc.stderr).strip()
    return text.splitlines()[0] if text else "?"


def interpreter_of(cli: list[str]) -> str:
    """The Python that runs `cli` (a console script's shebang, or the command itself)."""
    python = cli[0]
    if not python.endswith(("python", "python3")) and Path(python).is_file():
        first = Path(python).read_bytes().split(b"\n", 1)[0]
        python = first[2:].decode().strip() if first.startswith(b"#!") else sys.executable
    return python


def dependency_versions(cli: list[str]) -> str:
    """Versions of what tlsconf imports, read by the interpreter that runs it."""
    python = interpreter_of(cli)
    code = ("import importlib.metadata as m; print(', '.join(f'{d} {m.version(d)}' for d in "
            "('pydantic', 'typer', 'jinja2', 'msgspec', 'PyYAML', 'ruamel.yaml', 'cryptography')))")
    return version_of([python, "-c", code])


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.platform()}"


def fmt(sample: Sample | None) -> str:
    if sample is None:
        return "n/a"
    flag = f" (exit {sample.code})" if sample.code else ""
    return f"{sample.wall:.3f} s / {sample.rss_mb:.0f} MiB{flag}"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# Sections other benches write into the same file (bench/verify.py), between their markers.
SECTION_BEGIN, SECTION_END = "<!-- bench section {}: begin -->", "<!-- bench section {}: end -->"


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with section `name` replaced by `body` (appended when it has none yet)."""
    begin, end = SECTION_BEGIN.format(name), SECTION_END.format(name)
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + block + rest.split(end, 1)[1].lstrip("\n")
    return text.rstrip("\n") + "\n\n" + block


def kept_sections(out: Path, text: str) -> str:
    """The new report with the other benches' sections of the current file kept, at the end."""
    import re

    current = out.read_text() if out.is_file() else ""
    pattern = re.escape(SECTION_BEGIN).replace(r"\{\}", "(.+?)")
    for name in re.findall(pattern, current):
        begin, end = SECTION_BEGIN.format(name), SECTION_END.format(name)
        body = current.split(begin, 1)[1].split(end, 1)[0]
        text = replace_section(text, name, body.strip("\n"))
    return text


# -- the run --------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure (5)")
    parser.add_argument("--quick", action="store_true",
                        help="sizes up to 1000 servers/sites and no gixy-ng (a smoke run)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-gixy", action="store_true", help="skip gixy-ng")
    parser.add_argument("--installed", action="store_true",
                        help="time the tlsconf on PATH instead of a fresh venv of this checkout")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run (600)")
    parser.add_argument("--startup-only", action="store_true",
                        help="measure only the start-up figures (section 1), print them and "
                             "write nothing")
    args = parser.parse_args()
    try:
        if args.startup_only:
            WORK.mkdir(parents=True, exist_ok=True)
            cli, env, which = tlsconf_command(args.installed)
            print(f"tlsconf: {which}; load average before: {load()}", flush=True)
            lint1, startup = measure_startup(cli, env, args.runs, args.timeout)
            print(startup_verdict(lint1, startup[FLOOR_LABEL]))
            print(f"load average after: {load()}")
            return 0
        return bench(args)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1


def measure_startup(cli: list[str], env: dict[str, str], runs: int, timeout: float,
                    pki: tuple[Path, Path] | None = None) -> tuple[Sample, dict[str, Sample]]:
    """The 1-site lint (certificate checks on) and what bounds it, interleaved round by round:
    the same lint without the certificate family, `--version` (the CLI framework alone), and
    importing the dependencies and nothing else (the floor the lint is judged against)."""
    cert, key = pki or make_pki(WORK)
    spec1 = WORK / "spec-1.yaml"
    make_spec(spec1, 1, cert, key)
    python = interpreter_of(cli)
    lint_label = "`tlsconf lint` 1-site spec"
    samples = measure_interleaved({
        lint_label: ([*cli, "lint", str(spec1)], (0, 1)),
        "`tlsconf lint` 1-site spec, `--no-cert-checks`":
            ([*cli, "lint", "--no-cert-checks", str(spec1)], (0, 1)),
        "`tlsconf --version`": ([*cli, "--version"], (0,)),
        FLOOR_LABEL: ([python, "-c", f"import {DEPENDENCY_FLOOR}"], (0,)),
        # The same imports as tlsconf's process runs them (tlsconf/process.py: no collector,
        # everything frozen before finalization): the like-for-like reference.
        FLOOR_NO_GC_LABEL: ([python, "-c", f"import gc; gc.disable(); import {DEPENDENCY_FLOOR}; "
                                           "gc.freeze()"], (0,)),
        "`python -c pass`": ([python, "-c", "pass"], (0,)),
    }, runs, env, timeout=timeout)
    for label, sample in samples.items():
        print(f"{label}: {fmt(sample)}", flush=True)
    lint1 = samples.pop(lint_label)
    return lint1, samples


def startup_verdict(lint1: Sample, floor: Sample) -> str:
    ratio = lint1.wall / floor.wall
    return (f"1-site lint {lint1.wall:.3f} s / import floor {floor.wall:.3f} s = {ratio:.2f}x; "
            f"≤ {STARTUP_RATIO:.2f}x: {verdict(ratio <= STARTUP_RATIO)}")


def bench(args: argparse.Namespace) -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    cli, env, which = tlsconf_command(args.installed)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        raise BenchError("nginx is not installed (apt-get install nginx)")
    cert, key = make_pki(WORK)
    runs, timeout = args.runs, args.timeout
    quick = args.quick
    server_sizes = SERVER_SIZES[:3] if quick else SERVER_SIZES
    site_sizes = SITE_SIZES[:2] if quick else SITE_SIZES
    load_before = load()
    started = time.perf_counter()

    lint1, startup = measure_startup(cli, env, runs, timeout, pki=(cert, key))
    print(startup_verdict(lint1, startup[FLOOR_LABEL]), flush=True)

    gixy = None if (args.no_gixy or quick) else gixy_binary()
    nginx_rows: dict[int, tuple[Sample, Sample, Sample | None]] = {}
    for n in server_sizes:
        conf = WORK / f"nginx-{n}.conf"
        make_nginx(conf, n, cert, key)
        ours = measure([*cli, "lint", str(conf)], runs, env, timeout=timeout, ok=(0, 1))
        check = measure([nginx, "-t", "-q", "-c", str(conf), "-p", str(WORK)], runs,
                        dict(os.environ), timeout=timeout)
        gx = None
        if gixy is not None:  # gixy-ng takes ~45 s at 5000 servers: 3 runs, no warm-up there
            gx = measure([str(gixy), str(conf)], min(runs, 3) if n >= 5000 else runs,
                         dict(os.environ), timeout=max(timeout, 1800), ok=(0, 1),
                         warm=n < 5000)
        nginx_rows[n] = (ours, check, gx)
        print(f"nginx {n}: tlsconf {fmt(ours)}  nginx -t {fmt(check)}  gixy-ng {fmt(gx)}",
              flush=True)

    render_rows: dict[int, tuple[Sample, dict[str, Sample | None]]] = {}
    for n in site_sizes:
        spec = WORK / f"spec-{n}.yaml"
        make_spec(spec, n, cert, key)
        loaded = measure([sys.executable, "-c", LOADER, str(spec)], runs, dict(os.environ),
                         timeout=timeout)
        per_target: dict[str, Sample | None] = {}
        for target in TARGETS:
            argv = [*cli, "render", str(spec), "--target", target]
            try:
                per_target[target] = measure(argv, runs, env, timeout=timeout)
            except BenchError as exc:
                if "unknown target" not in str(exc):
                    raise
                per_target[target] = None  # a tlsconf without this target
        render_rows[n] = (loaded, per_target)
        print(f"render {n}: C load {fmt(loaded)} "
              + " ".join(f"{t} {fmt(s)}" for t, s in per_target.items()), flush=True)
    big = site_sizes[-1]
    lint_big = measure([*cli, "lint", str(WORK / f"spec-{big}.yaml")], runs, env,
                       timeout=timeout, ok=(0, 1))
    print(f"lint {big}-site spec: {fmt(lint_big)}", flush=True)

    text = report(args, which, cli, env, nginx, gixy, lint1, startup, nginx_rows, render_rows,
                  lint_big, load_before, time.perf_counter() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(kept_sections(args.out, text))
    print(f"wrote {args.out}")
    return 0


def report(args: argparse.Namespace, which: str, cli: list[str], env: dict[str, str],
           nginx: str, gixy: Path | None, lint1: Sample, startup: dict[str, Sample],
           nginx_rows: dict[int, tuple[Sample, Sample, Sample | None]],
           render_rows: dict[int, tuple[Sample, dict[str, Sample | None]]], lint_big: Sample,
           load_before: str, elapsed: float) -> str:
    import ruamel.yaml

    runs = args.runs
    command = "python3 bench/run.py" + (" --quick" if args.quick else "") + \
        (f" --runs {runs}" if runs != 5 else "") + (" --no-gixy" if args.no_gixy else "")
    gixy_version = version_of([str(gixy), "--version"]) if gixy else "not run"
    big = max(render_rows)
    floor = startup[FLOOR_LABEL]
    ratio = lint1.wall / floor.wall
    rows = [
        "# Performance",
        "",
        f"Generated by `{command}` (median of {runs} runs after a warm-up run; wall time / "
        "peak RSS of the process). Do not edit by hand: re-run the bench.",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- load average (1/5/15 min) before: {load_before}; after: {load()} "
        f"({elapsed / 60:.0f} min in all)",
        f"- Python {platform.python_version()}; {version_of([*cli, '--version'], env)} "
        f"({which}); its dependencies: {dependency_versions(cli)}; the C-loader baseline: "
        f"ruamel.yaml {ruamel.yaml.__version__}",
        f"- {version_of([nginx, '-v'])}; gixy-ng: {gixy_version}",
        "- inputs: generated by the bench in bench/.work/ — certificates issued by a bench CA, "
        "so the certificate checks run (and pass) for every site",
        "",
        "## 1. Start-up: `tlsconf lint` of a 1-site spec",
        "",
        "The reference is the import floor of the fixed stack, measured in the same run (the "
        "commands below run in turn, round after round, so they see the same machine load).",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| `tlsconf lint` 1-site spec, certificate checks on | {fmt(lint1)} | |",
        f"| import floor: {FLOOR_LABEL} | {fmt(floor)} | |",
        f"| lint / floor | {ratio:.2f}x | ≤ {STARTUP_RATIO:.2f}x: "
        f"{verdict(ratio <= STARTUP_RATIO)} |",
        f"| lint / the same imports without the collector (like for like, not the target) | "
        f"{lint1.wall / startup[FLOOR_NO_GC_LABEL].wall:.2f}x | |",
        "",
        "tlsconf's process runs without the cyclic collector and freezes its objects before "
        "the interpreter's final collection (tlsconf/process.py); the floor command pays both. "
        "The like-for-like row says what tlsconf's own code and work cost over the imports.",
        "",
        "What else bounds it, in the same environment:",
        "",
        "| command | result |",
        "|---|---|",
        *(f"| {label} | {fmt(sample)} |" for label, sample in startup.items()
          if label != FLOOR_LABEL),
        "",
        "## 2. Linting existing nginx configs (N TLS server blocks)",
        "",
        "| N | file | tlsconf lint | nginx -t | gixy-ng | tlsconf / nginx -t | "
        "gixy-ng / tlsconf |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, (ours, check, gx) in nginx_rows.items():
        size = (WORK / f"nginx-{n}.conf").stat().st_size
        speedup = f"{gx.wall / ours.wall:.1f}x" if gx else "n/a"
        rows.append(f"| {n} | {size / 1e6:.2f} MB | {fmt(ours)} | {fmt(check)} | {fmt(gx)} | "
                    f"{ours.wall / check.wall:.2f}x | {speedup} |")
    if 5000 in nginx_rows and 1000 in nginx_rows:
        ours5, check5, gx5 = nginx_rows[5000]
        growth = ours5.wall / nginx_rows[1000][0].wall
        gixy_part = (f"{verdict(gx5.wall >= 20 * ours5.wall)} ({gx5.wall / ours5.wall:.1f}x)"
                     if gx5 else "not measured")
        rows += ["", "Targets at 5000 servers: "
                 f"≤ 0.5x `nginx -t`: {verdict(ours5.wall <= 0.5 * check5.wall)} "
                 f"({ours5.wall / check5.wall:.2f}x); "
                 f"≥ 20x faster than gixy-ng: {gixy_part}; "
                 f"time(5000) ≤ 6x time(1000): {verdict(growth <= 6)} ({growth:.2f}x)."]
    targets = [t for t in TARGETS if any(r[1].get(t) for r in render_rows.values())]
    rows += [
        "",
        "## 3. Rendering specs (N sites), against loading the same YAML with ruamel's C loader",
        "",
        "| N | file | C-loader load | " + " | ".join(f"render {t}" for t in targets) + " |",
        "|---|---|---|" + "---|" * len(targets),
    ]
    for n, (loaded, per_target) in render_rows.items():
        size = (WORK / f"spec-{n}.yaml").stat().st_size
        rows.append(f"| {n} | {size / 1e6:.2f} MB | {fmt(loaded)} | "
                    + " | ".join(fmt(per_target[t]) for t in targets) + " |")
    rows += ["", "| N | " + " | ".join(f"{t} / load" for t in targets) + " |",
             "|---|" + "---|" * len(targets)]
    for n, (loaded, per_target) in render_rows.items():
        rows.append(f"| {n} | " + " | ".join(
            f"{s.wall / loaded.wall:.2f}x" if (s := per_target[t]) else "n/a"
            for t in targets) + " |")
    if 10000 in render_rows and 1000 in render_rows:
        load10, targets10 = render_rows[10000]
        parts = []
        for t in targets:
            s10, s1 = targets10.get(t), render_rows[1000][1].get(t)
            if s10 is None or s1 is None:
                continue
            ratio, growth = s10.wall / load10.wall, s10.wall / s1.wall
            parts.append(f"{t}: {ratio:.2f}x load ({verdict(ratio <= 1.5)}), "
                         f"10k/1k {growth:.1f}x ({verdict(growth <= 11)})")
        rows += ["", "Targets at 10,000 sites (≤ 1.5x the C-loader load; time(10k) ≤ 11x "
                 "time(1k)): " + "; ".join(parts) + "."]
    rows += [
        "",
        f"## 4. `tlsconf lint` of the {big}-site spec",
        "",
        f"{fmt(lint_big)} (C-loader load of the same file: {fmt(render_rows[big][0])}).",
        "",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
