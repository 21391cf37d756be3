"""The command line under hostile input: YAML attacks, file safety, error hygiene, determinism.

tests/test_source.py proves the loader refuses each YAML construct; here the whole command is
run as a user would run it — `tlsconf render SPEC --target all -o DIR` in a subprocess — and
each refusal is checked for what the user sees and what the machine does: exit status 2, the
position or field named, no traceback, nothing written, and the time and Python memory the
command took (measured inside the subprocess with `time.perf_counter` and `tracemalloc`, from
the start of `main()` to its exit, after the libraries every render imports were imported).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tlsconf import output

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# Bounds for a refused hostile input, well above what the refusals measure (about 50 ms and
# 0.5 MiB of Python allocations for a small file) and far below what the attacks would cost if
# they were not refused (the 0.4 KB alias bomb below expands to a billion nodes).
MAX_SECONDS = 1.0


def max_peak(size: int) -> int:
    """Python memory a refusal may take: the file's bytes and text a few times over, and the
    problems found (measured: 0.5 MiB for a small file, 31 MiB for an 8 MB scalar)."""
    return 8 * 1024 * 1024 + 6 * size

# Several commands in one interpreter (the start-up of one is what costs): one render of a small
# valid spec first (every target, output discarded), so that imports and caches are not
# counted, then each command measured on its own, from the call of `main()` to its exit, with
# its own stdout and stderr.
HARNESS = """
import json, os, sys, time, tracemalloc
from support.inprocess import run_main as run

jobs = json.loads(os.environ["TLSCONF_JOBS"])
warm = os.environ["TLSCONF_WARMUP"]
assert run(["render", warm, "--target", "all", "-o", warm + ".out"])[0] == 0
measure = os.environ.get("TLSCONF_MEASURE") != "0"
if measure:
    tracemalloc.start()
results = []
for args in jobs:
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    code, out, err = run(args)
    elapsed = time.perf_counter() - start
    results.append({"code": code, "stdout": out, "stderr": err, "seconds": elapsed,
                    "peak": tracemalloc.get_traced_memory()[1] - base})
json.dump(results, sys.stdout)
"""


HARNESS_PATH = os.pathsep.join((str(ROOT), str(ROOT / "tests")))  # tlsconf, support.inprocess


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float = 0.0
    peak: int = 0


def tlsconf_runs(tmp: Path, jobs: list[list[str]], env: dict[str, str] | None = None
                 ) -> list[Run]:
    """Each `tlsconf ARGS` of `jobs`, measured, in one fresh interpreter."""
    warm = tmp / f"warm-{os.urandom(4).hex()}.yaml"
    warm.write_text(SITE)
    proc = subprocess.run(
        [sys.executable, "-c", HARNESS], capture_output=True, text=True, timeout=300, cwd=tmp,
        env={**os.environ, **(env or {}), "TLSCONF_JOBS": json.dumps(jobs),
             "TLSCONF_WARMUP": str(warm), "PYTHONPATH": HARNESS_PATH}, check=False)
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(f"{warm}.out")
    warm.unlink()
    return [Run(**result) for result in json.loads(proc.stdout)]


def tlsconf(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    """`tlsconf ARGS` in a fresh interpreter, as a user runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "tlsconf", *args], capture_output=True, text=True, timeout=120,
        cwd=tmp, env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def billion_laughs() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines.append("sites: *i")
    return "\n".join(lines) + "\n"


SITE = ("sites:\n  - name: s\n    domains: [a.example.com]\n"
        "    tls: {certificate: /etc/ssl/c.pem, key: /etc/ssl/c.pem.key}\n"
        "    upstreams: [{address: \"127.0.0.1:8080\"}]\n")

# name → (file content, a fragment the error must contain)
HOSTILE: dict[str, tuple[bytes, str]] = {
    "alias-bomb": (billion_laughs().encode(), "YAML anchors (&name) are not allowed"),
    "deep-nesting": (b"sites: " + b"[" * 200_000 + b"]" * 200_000 + b"\n",
                     "nesting deeper than 24 levels"),
    "deep-mappings": (b"".join(b"  " * i + b"k:\n" for i in range(1000)) + b"  " * 1000 + b"v\n",
                      "nesting deeper than 24 levels"),
    "duplicate-keys": ((SITE + "sites: []\n").encode(), "duplicate key 'sites'"),
    "python-tag": (b"sites: !!python/object/apply:os.system ['touch pwned']\n",
                   "explicit YAML tags"),
    "python-name": (b"sites:\n  - !!python/name:os.system\n", "explicit YAML tags"),
    "custom-tag": (SITE.replace("name: s", "name: !s s").encode(), "explicit YAML tags"),
    "merge-key": (b"x: &x {name: s}\nsites:\n  - <<: *x\n", "YAML anchors"),
    "merge-key-inline": (b"sites:\n  - <<: {name: s}\n", "YAML merge keys (<<) are not allowed"),
    "two-documents": ((SITE + "---\n" + SITE).encode(), "only one YAML document"),
    "yaml-directive": (("%YAML 1.1\n---\n" + SITE).encode(), "YAML directives"),
    "tag-directive": (("%TAG !e! tag:evil.com,2000:\n---\n" + SITE).encode(),
                      "YAML directives"),
    "invalid-utf8": (SITE.encode().replace(b"a.example.com", b"a.\xc3\x28xample.com"),
                     "invalid UTF-8 (byte 0xc3)"),
    "utf16": (SITE.encode("utf-16"), "invalid UTF-8"),
    "nul": (SITE.encode().replace(b"name: s", b"name: s\x00"), "character U+0000"),
    "line-separator": (SITE.replace("name: s", "name: s\u2028").encode(), "character U+2028"),
    "paragraph-separator": (SITE.replace("name: s", "name: s\u2029").encode(),
                            "character U+2029"),
    "next-line": (SITE.replace("name: s", "name: s\x85").encode(), "character U+0085"),
    "escape-char": (SITE.replace("name: s", "name: s\x1b[2J").encode(), "character U+001B"),
    "empty": (b"", "the file is empty"),
    "top-level-list": (b"- sites\n", "the top level must be a mapping"),
    "huge-scalar": (SITE.replace("name: s", "name: " + "s" * 8_000_000).encode(),
                    "must be 1-32 characters"),
    "many-problems": (("sites:\n" + "".join(f"  - {{name: 'x {i}'}}\n" for i in range(500)))
                      .encode(), "sites[499].name"),
}


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run, Path]]:
    """Every hostile file through `render --target all -o DIR`."""
    base = tmp_path_factory.mktemp("hostile")
    works = {name: base / name for name in sorted(HOSTILE)}
    for name, work in works.items():
        work.mkdir()
        (work / "spec.yaml").write_bytes(HOSTILE[name][0])
    runs = tlsconf_runs(base, [["render", str(work / "spec.yaml"), "--target", "all", "-o",
                                str(work / "out")] for work in works.values()])
    return {name: (run, works[name]) for name, run in zip(works, runs, strict=True)}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_yaml_is_refused_cleanly_and_cheaply(
    name: str, hostile_runs: dict[str, tuple[Run, Path]]
) -> None:
    run, work = hostile_runs[name]
    assert run.code == 2, run.stderr
    assert run.stdout == ""
    assert HOSTILE[name][1] in run.stderr
    assert run.stderr.startswith(f"{work / 'spec.yaml'}:"), "the file (and position) first"
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert not (work / "out").exists(), "nothing written"
    assert not (work / "pwned").exists()
    assert run.seconds < MAX_SECONDS, f"{run.seconds:.2f}s"
    assert run.peak < max_peak(len(HOSTILE[name][0])), f"{run.peak / 2**20:.1f} MiB"
    assert len(run.stderr) < 4096 or name == "many-problems"


def test_50_mb_spec_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.write(SITE.encode())
        handle.truncate(50 * 1024 * 1024)  # sparse: the size without the disk
    (run,) = tlsconf_runs(tmp_path, [["render", str(big), "--target", "all", "-o",
                                      str(tmp_path / "out")]])
    assert run.code == 2
    assert run.stderr == f"{big}: file is 52428800 bytes; the limit is 16777216 (--max-bytes)\n"
    assert not (tmp_path / "out").exists()
    assert run.seconds < MAX_SECONDS
    assert run.peak < 1024 * 1024, f"{run.peak / 2**20:.1f} MiB: the file was read"


def test_max_bytes_is_configurable_for_render_and_lint(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SITE)
    size = len(SITE.encode())
    padded = tmp_path / "padded.yaml"  # over the default limit
    padded.write_bytes(SITE.encode() + b"#" * (16 * 1024 * 1024) + b"\n")
    jobs = [[command, str(spec), "--max-bytes", str(limit)]
            for command in ("render", "lint") for limit in (size - 1, size)]
    jobs += [["render", str(padded)], ["render", str(padded), "--max-bytes", str(17 * 2**20)]]
    runs = tlsconf_runs(tmp_path, jobs, env={"TLSCONF_MEASURE": "0"})
    for run in (runs[0], runs[2]):
        assert run.code == 2
        assert f"{spec}: file is {size} bytes; the limit is {size - 1} (--max-bytes)" in run.stderr
    assert [runs[1].code, runs[3].code] == [0, 0]
    assert runs[4].code == 2 and "the limit is 16777216" in runs[4].stderr
    assert runs[5].code == 0


def test_rendering_again_and_again_keeps_memory_flat() -> None:
    """A long-lived process (a test runner, an editor integration, a service calling the
    library) renders spec after spec, good and refused: the garbage of each one must be
    collectable, not pile up. Measured as the growth of the objects the collector tracks."""
    import gc

    from tlsconf import policy, targets
    from tlsconf.errors import TlsconfError
    from tlsconf.specfile import parse_spec

    good = (EXAMPLES / "multi-site.yaml").read_bytes()
    bad = good.replace(b"shop.example.com", b"shop example", 1)

    def once() -> None:
        loaded = parse_spec("m.yaml", good)
        sites = policy.resolve(loaded)
        for target in ("nginx", "haproxy", "traefik"):
            targets.render(target, loaded, sites)
        with pytest.raises(TlsconfError):
            parse_spec("b.yaml", bad)

    for _ in range(20):  # caches, compiled templates, interned names
        once()
    gc.collect()
    base = len(gc.get_objects())
    growth = 0
    for _ in range(200):
        once()
        growth = max(growth, len(gc.get_objects()) - base)
    # Python collects the oldest generation when it has grown by a quarter: a few thousand
    # objects may wait for that; 200 renders' worth (tens of thousands) must not.
    assert growth < 5000, f"{growth} more tracked objects after 200 renders"


# -- file safety with --target all ---------------------------------------------------------


def render_all(tmp: Path, spec: Path, out: Path, *extra: str,
               env: dict[str, str] | None = None) -> Run:
    return tlsconf(tmp, "render", str(spec), "--target", "all", "-o", str(out), *extra, env=env)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() or p.is_symlink()}


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SITE)
    return path


def test_target_all_is_all_or_nothing(tmp_path: Path, spec: Path) -> None:
    out = tmp_path / "out"
    assert render_all(tmp_path, spec, out).code == 0
    files = snapshot(out)
    assert sorted(files) == [
        "haproxy/crt-list-0.0.0.0_443.txt", "haproxy/haproxy.cfg",
        "nginx/conf.d/00-tlsconf.conf", "nginx/conf.d/s.conf",
        "traefik/dynamic/tlsconf.yml", "traefik/traefik.yml"]
    # A file tlsconf did not write, in the last target: nothing changes in any target.
    (out / "traefik" / "traefik.yml").write_text("# mine\n")
    spec.write_text(SITE.replace("127.0.0.1:8080", "127.0.0.1:8081"))
    before = snapshot(out)
    run = render_all(tmp_path, spec, out)
    assert run.code == 2 and "was not written by tlsconf; use --force" in run.stderr
    assert snapshot(out) == before
    assert render_all(tmp_path, spec, out, "--force").code == 0
    assert b"8081" in (out / "nginx" / "conf.d" / "s.conf").read_bytes()


@pytest.mark.parametrize("link", ["out", "out/haproxy", "out/traefik/dynamic",
                                  "out/nginx/conf.d/s.conf"])
def test_no_symlink_is_followed_in_any_target(tmp_path: Path, spec: Path, link: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "s.conf").write_text("# Generated by tlsconf, but elsewhere\n")
    path = tmp_path / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(elsewhere / "s.conf" if link.endswith(".conf") else elsewhere)
    run = render_all(tmp_path, spec, tmp_path / "out")
    assert run.code == 2 and "is a symlink; refusing to write through it" in run.stderr
    assert snapshot(elsewhere) == {"s.conf": b"# Generated by tlsconf, but elsewhere\n"}
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and not p.is_symlink()] \
        if (tmp_path / "out").is_dir() and not (tmp_path / "out").is_symlink() else []
    assert files == []


def test_a_failed_rename_half_way_restores_every_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`write_files` undoes the renames before a failing one: old set or new set, no mix."""
    old = {"nginx/a.conf": "# Generated by tlsconf 1\n",
           "traefik/b.yml": "# Generated by tlsconf 1\n"}
    output.write_files(tmp_path, old)
    new = {**{k: v.replace("1", "2") for k, v in old.items()}, "haproxy/c.cfg": "# new\n"}
    real = os.replace
    calls = []

    def failing(src: str, dst: str, **kw: int) -> None:
        calls.append(dst)
        if len(calls) == 3:
            raise OSError("rename failed")
        real(src, dst, **kw)

    monkeypatch.setattr(output.os, "replace", failing)
    with pytest.raises(OSError, match="rename failed"):
        output.write_files(tmp_path, new)
    monkeypatch.setattr(output.os, "replace", real)
    assert snapshot(tmp_path) == {k: v.encode() for k, v in old.items()}


def test_output_names_come_only_from_validated_site_names(tmp_path: Path) -> None:
    names = ("../evil", "a/b", "..", "A", "a.conf", "00-tlsconf", "nul\u0000")
    jobs = []
    for i, name in enumerate(names):
        spec = tmp_path / f"spec{i}.yaml"
        spec.write_text(SITE.replace("name: s", f"name: {json.dumps(name)}"))
        jobs.append(["render", str(spec), "--target", "all", "-o", str(tmp_path / "out")])
    runs = tlsconf_runs(tmp_path, jobs, env={"TLSCONF_MEASURE": "0"})
    for name, run in zip(names, runs, strict=True):
        assert run.code == 2 and "sites[0].name" in run.stderr, (name, run.stderr)
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.conf").exists()


def test_rendered_files_are_0644_whatever_the_umask(tmp_path: Path, spec: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        ["sh", "-c", f'umask 077 && exec "{sys.executable}" -m tlsconf render "{spec}" '
                     f'--target all -o "{out}"'],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert {oct(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()} == {"0o644"}


def test_key_material_is_0600_from_birth_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cert dev` and `cert bundle` create every private key file with mode 0600 in the
    os.open call itself (no moment at the umask's mode), and it stays 0600 under umask 000."""
    from typer.testing import CliRunner

    from tlsconf.cli import app

    created: dict[str, int] = {}
    real_open = os.open

    def recording_open(path: object, flags: int, mode: int = 0o777, **kw: object) -> int:
        if flags & os.O_CREAT:
            created[os.path.basename(str(path))] = mode
        return real_open(path, flags, mode, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(output.os, "open", recording_open)
    old = os.umask(0)
    try:
        result = CliRunner().invoke(app, ["cert", "dev", "-d", "k.test", "-o", str(tmp_path),
                                          "--data-dir", str(tmp_path / "ca")])
        assert result.exit_code == 0, result.stderr
        result = CliRunner().invoke(app, ["cert", "bundle", "--cert", str(tmp_path / "k.test.pem"),
                                          "--key", str(tmp_path / "k.test.key"), "-o",
                                          str(tmp_path / "bundle.pem")])
        assert result.exit_code == 0, result.stderr
    finally:
        os.umask(old)
    keys = {name: mode for name, mode in created.items() if ".key" in name or "bundle" in name}
    assert keys and set(keys.values()) == {0o600}, created
    for name in ("k.test.key", "bundle.pem"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k.test.pem").stat().st_mode & 0o777 == 0o644


# -- error hygiene ---------------------------------------------------------------------------


def test_errors_never_show_environment_values(tmp_path: Path) -> None:
    secret = "s3cr3t-" + os.urandom(8).hex()
    spec = tmp_path / "spec.yaml"
    spec.write_text(SITE + '    headers: {X-Leak: "${TLSCONF_SECRET}", X-B: "$TLSCONF_SECRET"}\n'
                    "    acme_webroot: /var/$TLSCONF_SECRET\n")
    run = render_all(tmp_path, spec, tmp_path / "out", env={"TLSCONF_SECRET": secret})
    assert run.code == 2
    assert secret not in run.stderr + run.stdout
    assert "sites[0].headers.X-Leak" in run.stderr and "sites[0].acme_webroot" in run.stderr


def test_errors_never_show_file_contents(tmp_path: Path, pki) -> None:  # type: ignore[no-untyped-def]
    """A private key, a DER certificate or a long secret given as the spec (or inside it):
    the error names the position and at most a short repr, never the contents."""
    leaf = pki.issue("hygiene", ["h.example.com"])
    key_lines = [line for line in leaf.key_path.read_text().splitlines() if "-----" not in line]
    run = tlsconf(tmp_path, "render", str(leaf.key_path))
    assert run.code == 2 and "Traceback" not in run.stderr
    assert not any(line[:16] in run.stderr for line in key_lines)
    der = tmp_path / "cert.der"
    from cryptography.hazmat.primitives.serialization import Encoding

    der.write_bytes(leaf.cert.public_bytes(Encoding.DER))
    run = tlsconf(tmp_path, "render", str(der))
    assert run.code == 2 and "invalid UTF-8" in run.stderr and len(run.stderr) < 200
    secret = "K" * 40 + os.urandom(16).hex()
    spec = tmp_path / "spec.yaml"
    spec.write_text(SITE.replace("name: s", f"name: {secret}"))
    run = tlsconf(tmp_path, "render", str(spec))
    assert run.code == 2 and secret not in run.stderr
    assert "sites[0].name: 'KKKKKKKK" in run.stderr and "... must be" in run.stderr


def test_a_bug_is_reported_without_a_traceback(tmp_path: Path, spec: Path) -> None:
    """An escaper refusing a value the grammar let through is a bug: exit 3, one line."""
    code = ("import sys; from tlsconf import escape; from tlsconf.cli import main; "
            "escape._check = lambda v, f: (_ for _ in ()).throw(escape.UnsafeValue('x')); "
            f"sys.argv = ['tlsconf', 'render', {str(spec)!r}]; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 3
    assert proc.stderr.startswith("tlsconf: internal error: UnsafeValue")
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1


# -- determinism -----------------------------------------------------------------------------


ADVERSARIAL = """\
defaults:
  headers: {X-Note: "a #b; c \\"d\\" \\\\e 'f' @g", Content-Security-Policy: "default-src 'self'"}
sites:
  - name: bucher
    domains: [bücher.example, "*.wild.example"]
    tls: {certificate: /etc/ssl/my certs/c.pem, key: /etc/ssl/my certs/c.pem.key}
    upstreams: [{address: "[::1]:8080"}, {address: "127.0.0.1:8081", weight: 3}]
    locations: [{path: /api/v1/, upstreams: [{address: "localhost:9000"}]}]
  - name: other
    domains: [other.example]
    tls: {certificate: /etc/ssl/o.pem, key: /etc/ssl/o.pem.key}
    upstreams: [{address: "10.0.0.1:80"}]
    acme_upstream: "127.0.0.1:8402"
kubernetes:
  namespace: web
  services:
    "[::1]:8080": {name: app, port: 80}
    "127.0.0.1:8081": {name: app2, port: 80}
    "localhost:9000": {name: api, port: 81, namespace: other}
    "10.0.0.1:80": {name: other, port: 80}
    "127.0.0.1:8402": {name: acme, port: 8089}
"""


def test_every_target_is_byte_identical_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    spec = tmp_path / "adversarial.yaml"
    spec.write_text(ADVERSARIAL)
    # HAProxy's crt-list cannot carry the certificate path's space: single hosts get a copy
    # without it; the Kubernetes targets take the spec as it is.
    hosts = tmp_path / "hosts.yaml"
    hosts.write_text(ADVERSARIAL.replace("my certs", "mycerts"))
    cases = [(hosts, ["--target", "all"]), (spec, ["--target", "traefik-crd"]),
             *((spec, ["--target", "gateway-api", "--impl", impl])
               for impl in ("traefik", "envoy-gateway", "nginx-gateway-fabric")),
             (EXAMPLES / "multi-site.yaml", ["--target", "all"]),
             (EXAMPLES / "mtls.yaml", ["--target", "all", "--main-config"])]

    def seed_run(seed: str) -> list[dict[str, bytes]]:
        # Each case twice in the same process, and again in the next seed's process.
        outs = [tmp_path / f"out-{seed}-{i}" for i in range(2 * len(cases))]
        runs = tlsconf_runs(tmp_path, [["render", str(path), *args, "-o", str(out)]
                                       for (path, args), out in zip(cases * 2, outs,
                                                                    strict=True)],
                            env={"PYTHONHASHSEED": seed, "TLSCONF_MEASURE": "0"})
        assert all(run.code == 0 for run in runs), [run.stderr for run in runs]
        return [snapshot(out) for out in outs]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(seed_run, ["0", "1", "4242", "random"]))
    for i, (path, args) in enumerate(cases):
        outputs = {json.dumps({k: v.decode() for k, v in r[j].items()}) for r in results
                   for j in (i, i + len(cases))}
        assert len(outputs) == 1, f"{path.name} {' '.join(args)} differs between runs"
        assert results[0][i], "nothing rendered"
