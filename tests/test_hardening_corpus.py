"""The hostile corpus (tests/hostile/*.yaml), graded exactly.

Each file says on its first line what must happen — `# expect: refuse <field path>` (or
`<document>` when the file itself, not a field, is at fault: encoding, YAML directives...) or
`# expect: accept` — and optionally on its second which commands it is for
(`# targets: all gateway-api traefik-crd`; default `all`). Each (file, target) is run as a user
runs it: `tlsconf render FILE --target TARGET -o DIR` in its own process. Then:

- refused: exit status 2, nothing on stdout, no traceback, nothing written, and the field named
  — the set of field paths in the error lines is exactly the expected one;
- accepted: exit status 0, only warnings on stderr, and the output read back by an independent
  reader has only the directives tlsconf's templates contain, every header value of the spec as
  exactly one argument equal to the validated value, and nothing a parser would expand. Then the
  real servers read it: `nginx -t`, `haproxy -c`, Traefik started on 127.0.0.1 with every router
  enabled, and the Kubernetes manifests against the pinned CRDs (schema and CEL rules). For
  that, the certificate, key, CA and DH files the spec names are created — under a scratch
  directory, by rewriting the `/etc/ssl/tls` prefix every accepted spec's paths start with, so
  their shape (spaces included) is what the servers read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import crossplane
import pytest
from ruamel.yaml import YAML
from support.haproxy_tokens import crt_list, log_format_text, sections, tokenize
from support.procs import free_port, haproxy_c, nginx_t, start_traefik, traefik_routers

from tlsconf import policy
from tlsconf.specfile import parse_spec
from tlsconf.validate import FFDHE2048

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "hostile"
FILES = sorted(CORPUS.glob("*.yaml"))
PREFIX = "/etc/ssl/tls"  # every path of an accepted spec starts with it (relocated for servers)
FIELD_ROOTS = re.compile(r"(sites|defaults|kubernetes|targets|version)\b")
# Every directive and keyword tlsconf's templates can write (templates/nginx, templates/haproxy).
NGINX_DIRECTIVES = frozenset({
    "map", "default", "", "server", "listen", "ssl_reject_handshake", "ssl_protocols",
    "ssl_ciphers", "ssl_conf_command", "ssl_ecdh_curve", "ssl_prefer_server_ciphers",
    "ssl_session_cache", "ssl_session_timeout", "ssl_session_tickets", "ssl_dhparam", "upstream",
    "least_conn", "ip_hash", "http2", "server_name", "ssl_certificate", "ssl_certificate_key",
    "ssl_verify_client", "ssl_client_certificate", "ssl_stapling", "ssl_stapling_verify",
    "ssl_trusted_certificate", "resolver", "resolver_timeout", "add_header", "location",
    "proxy_pass", "proxy_set_header", "proxy_http_version", "proxy_read_timeout", "root",
    "default_type", "try_files", "return",
})
HAPROXY_KEYWORDS = frozenset({
    "default-path", "ssl-load-extra-files", "ssl-default-bind-ciphers",
    "ssl-default-bind-ciphersuites", "ssl-default-bind-curves", "ssl-default-bind-options",
    "tune.ssl.lifetime", "ssl-dh-param-file", "mode", "timeout", "load", "bind", "option",
    "http-request", "use_backend", "acl", "balance", "http-check", "http-after-response",
    "server", "log", "chroot", "stats", "user", "group", "daemon",
})


@dataclass(frozen=True)
class Case:
    path: Path
    expect: str  # "accept", or the field path that must be named ("<document>": none)
    targets: tuple[str, ...]

    @property
    def accept(self) -> bool:
        return self.expect == "accept"


def read_case(path: Path) -> Case:
    lines = path.read_bytes().decode("utf-8-sig", "replace").replace("\r", "").split("\n")
    match = re.fullmatch(r"# expect: (accept|refuse (.+))", lines[0])
    assert match, f"{path.name}: the first line must be `# expect: accept|refuse <path>`"
    targets = re.fullmatch(r"# targets: (.+)", lines[1])
    return Case(path, match.group(2) or "accept",
                tuple(targets.group(1).split()) if targets else ("all",))


CASES = [read_case(path) for path in FILES]
RUNS = [(case, target) for case in CASES for target in case.targets]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    out: Path
    files: dict[str, str] = field(default_factory=dict)
    spec: Path | None = None  # the file rendered (accepted specs: the relocated copy)
    servers: Servers | None = None


def relocate(case: Case, scratch: Path) -> Path:
    """A copy of an accepted spec whose files live under `scratch`, with those files created:
    certificates issued for the validated domains (with an OCSP URL where the site staples),
    keys (and CERT.key for HAProxy < 3.0), a CA, DH parameters."""
    from support.pki import issue_leaf, make_ca

    data = case.path.read_bytes()
    assert PREFIX.encode() in data, f"{case.path.name}: accepted specs keep files under {PREFIX}"
    copy = scratch / case.path.name
    copy.write_bytes(data.replace(PREFIX.encode(), f"{scratch}{PREFIX}".encode()))
    loaded = parse_spec(str(copy), copy.read_bytes())
    ca = make_ca(scratch / "ca", "corpus CA", key_type="ecdsa")
    for site in policy.resolve(loaded):
        tls = site.tls
        # A stapling site's certificate names a responder (else TLS822: stapling does
        # nothing); a closed loopback port, so a server that asks is refused at once.
        leaf = issue_leaf(ca, scratch / "leaves" / site.name, site.name, list(site.domains),
                          ocsp_url="http://127.0.0.1:9/" if tls.ocsp_stapling else None)
        for path, source in ((tls.certificate, leaf.cert_path), (tls.key, leaf.key_path),
                             (tls.certificate + ".key", leaf.key_path)):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, path)
        for path in (tls.trusted_ca, tls.client_auth.ca if tls.client_auth else None):
            if path:
                shutil.copy(ca.cert_path, path)
        if tls.dhparam:
            Path(tls.dhparam).write_text(FFDHE2048)
    return copy


# Each render goes through the real entry point, `tlsconf.cli.main`, with its own argv, exit
# status, stdout and stderr. By default a few worker interpreters run them one after the other
# (one interpreter start-up per spec would take a minute); TLSCONF_CORPUS_ISOLATED=1 gives each
# spec its own `python -m tlsconf` process.
ISOLATED = os.environ.get("TLSCONF_CORPUS_ISOLATED") == "1"
WORKER = """
import json, sys
from support.inprocess import run_main

json.dump([run_main(args) for args in json.load(sys.stdin)], sys.stdout)
"""


def render_all(jobs: list[list[str]], cwd: Path) -> list[tuple[int, str, str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), str(ROOT / "tests")))}
    if ISOLATED:
        def one(args: list[str]) -> tuple[int, str, str]:
            proc = subprocess.run([sys.executable, "-m", "tlsconf", *args], capture_output=True,
                                  text=True, timeout=120, cwd=cwd, env=env, check=False)
            return proc.returncode, proc.stdout, proc.stderr

        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(one, jobs))

    def worker(chunk: list[list[str]]) -> list[tuple[int, str, str]]:
        proc = subprocess.run([sys.executable, "-c", WORKER], input=json.dumps(chunk),
                              capture_output=True, text=True, timeout=600, cwd=cwd, env=env,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        return [tuple(r) for r in json.loads(proc.stdout)]  # type: ignore[misc]

    chunks = [jobs[i::2] for i in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(worker, chunks))
    results: list[tuple[int, str, str]] = [(0, "", "")] * len(jobs)
    for i, chunk_results in enumerate(done):
        for j, result in enumerate(chunk_results):
            results[i + 2 * j] = result
    return results


@dataclass
class Servers:
    """What the real servers said about an accepted spec's output."""

    nginx: subprocess.CompletedProcess[str] | None = None
    haproxy: subprocess.CompletedProcess[str] | None = None
    traefik: str = ""  # "" when Traefik loaded every router enabled, else what went wrong


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Outcome]:
    """Every (file, target) rendered; accepted `all` output read by the real servers."""
    base = tmp_path_factory.mktemp("corpus")
    jobs, outs = [], []
    for case, target in RUNS:
        scratch = base / f"{case.path.stem}--{target}"
        scratch.mkdir()
        spec = relocate(case, scratch) if case.accept else case.path
        outs.append((scratch / "out", spec))
        jobs.append(["render", str(spec), "--target", target, "-o", str(scratch / "out")])
    results = {}
    for (case, target), (out, spec), (code, stdout, stderr) in zip(
            RUNS, outs, render_all(jobs, base), strict=True):
        files = {str(p.relative_to(out)): p.read_text() for p in sorted(out.rglob("*"))
                 if p.is_file()} if out.is_dir() else {}
        results[(case.path.name, target)] = Outcome(code, stdout, stderr, out, files, spec)
    accepted = [o for (name, target), o in results.items()
                if target == "all" and o.code == 0 and o.files]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for outcome, servers in zip(accepted, pool.map(servers_read, accepted), strict=True):
            outcome.servers = servers
    return results


def test_the_corpus_covers_every_kind_of_attack() -> None:
    names = [case.path.stem for case in CASES]
    for prefix in ("domain-", "wildcard-", "certificate-", "key-", "header-value-",
                   "header-name-", "location-", "upstream-", "type-", "yaml-", "raw-", "k8s-",
                   "accept-"):
        assert sum(n.startswith(prefix) for n in names) >= 2, prefix
    assert sum(case.accept for case in CASES) >= 10
    assert len(CASES) >= 100


@pytest.mark.parametrize(("case", "target"), RUNS,
                         ids=[f"{c.path.stem}-{t}" for c, t in RUNS])
def test_corpus(case: Case, target: str, outcomes: dict[tuple[str, str], Outcome],
                tmp_path: Path) -> None:
    outcome = outcomes[(case.path.name, target)]
    assert "Traceback" not in outcome.stderr and "internal error" not in outcome.stderr
    if not case.accept:
        grade_refusal(case, outcome)
        return
    assert outcome.code == 0, outcome.stderr
    assert outcome.spec is not None
    lines = [line for line in outcome.stderr.splitlines() if line]
    assert all(": warning: " in line for line in lines), lines
    assert outcome.files, "nothing rendered"
    loaded = parse_spec(str(outcome.spec), outcome.spec.read_bytes())
    sites = policy.resolve(loaded)
    for name, text in outcome.files.items():
        assert text.isascii(), f"{name}: IDNs must be written as A-labels"
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text), f"{name}: a control character"
    if target == "all":
        check_nginx(outcome, sites, tmp_path)
        check_haproxy(outcome, sites)
        check_traefik(outcome, sites)
        servers = outcome.servers
        assert servers is not None and servers.nginx and servers.haproxy
        assert servers.nginx.returncode == 0, servers.nginx.stderr
        assert servers.haproxy.returncode == 0, servers.haproxy.stdout + servers.haproxy.stderr
        assert servers.traefik == "", servers.traefik
    else:
        check_kubernetes(outcome, sites)


# -- refusals ----------------------------------------------------------------------------------


def grade_refusal(case: Case, outcome: Outcome) -> None:
    assert outcome.code == 2, (outcome.code, outcome.stderr)
    assert outcome.stdout == ""
    assert not outcome.out.exists(), "a refused spec wrote something"
    errors = [line for line in outcome.stderr.splitlines()
              if line and ": warning: " not in line]
    assert errors, "no error message"
    prefix = re.escape(str(case.path))
    for line in errors:
        match = re.match(prefix + r":\d+:\d+: (.*)", line)
        assert match, f"an error line without the file and position: {line!r}"
        rest = match.group(1)
        if case.expect == "<document>":
            assert not FIELD_ROOTS.match(rest), f"a field named for a file-level problem: {line}"
        else:
            assert rest.startswith(case.expect + ": "), (
                f"expected exactly {case.expect} named:\n{outcome.stderr}")
    assert len(outcome.stderr) < 2000, "a short message, not a dump"


# -- accepted: read back with independent readers -------------------------------------------


def _expected_headers(site: Any) -> set[tuple[str, str]]:
    out = set(site.headers)
    if site.hsts.enabled:
        out.add(("Strict-Transport-Security", site.hsts.header_value))
    return out


def nginx_directives(text: str, tmp: Path) -> list[dict[str, Any]]:
    """Every directive of a file, nested ones included, as crossplane reads them."""
    path = tmp / "read.conf"
    path.write_text(text)
    parsed = crossplane.parse(str(path), single=True, check_ctx=False, check_args=False)
    assert parsed["status"] == "ok", parsed["errors"]
    out: list[dict[str, Any]] = []

    def walk(block: list[dict[str, Any]]) -> None:
        for d in block:
            out.append(d)
            walk(d.get("block", []))

    walk(parsed["config"][0]["parsed"])
    return out


def check_nginx(outcome: Outcome, sites: Any, tmp: Path) -> None:
    for name, text in outcome.files.items():
        if name.startswith("nginx/"):
            unknown = {d["directive"] for d in nginx_directives(text, tmp)} - NGINX_DIRECTIVES
            assert not unknown, f"{name}: directives tlsconf never writes: {unknown}"
    for site in sites:
        name = f"nginx/conf.d/{site.name}.conf"
        directives = nginx_directives(outcome.files[name], tmp)
        added = [d["args"] for d in directives if d["directive"] == "add_header"]
        assert all(len(args) == 3 and args[2] == "always" for args in added), name
        # crossplane already reads \" as "; nginx also reads \\ as one backslash.
        headers = {(args[0], args[1].replace("\\\\", "\\")) for args in added}
        assert headers == _expected_headers(site), name
        names = [d["args"] for d in directives if d["directive"] == "server_name"]
        assert names and all(args == list(site.domains) for args in names), name


def check_haproxy(outcome: Outcome, sites: Any) -> None:
    cfg = outcome.files["haproxy/haproxy.cfg"]
    for line in tokenize(cfg):
        assert not line.dropped and not any(w.expansions for w in line.words), line
    parsed = sections(cfg)
    keywords = {line.args[0] for s in parsed for line in s.lines}
    assert keywords <= HAPROXY_KEYWORDS, keywords - HAPROXY_KEYWORDS
    for site in sites:
        backend = next(s for s in parsed if s.keyword == "backend"
                       and s.args == [f"tlsconf_{site.name}"])
        headers = {(line.args[2], log_format_text(line.args[3])) for line in backend.lines
                   if line.args[:2] == ["http-after-response", "set-header"]}
        assert headers == _expected_headers(site), site.name
    entries = [e for name, text in outcome.files.items() if "crt-list" in name
               for e in crt_list(text)]
    assert sorted((e.certificate, e.filters) for e in entries) == sorted(
        (s.tls.certificate, tuple(s.domains)) for s in sites)


def _json_body(text: str) -> Any:
    return json.loads("".join(line for line in text.splitlines(keepends=True)
                              if not line.startswith("#")))


def check_traefik(outcome: Outcome, sites: Any) -> None:
    from test_hardening_traefik import rule_literals, rules

    dynamic = outcome.files["traefik/dynamic/tlsconf.yml"]
    assert "{{" not in dynamic
    data = _json_body(dynamic)
    assert YAML(typ="safe", pure=False).load(dynamic) == data
    literals = {lit for rule in rules(data) for lit in rule_literals(rule)}
    middlewares = data["http"].get("middlewares", {})
    for site in sites:
        exact = [d for d in site.domains if not d.startswith("*.")]
        assert set(exact) <= literals, site.name
        headers = middlewares.get(f"tlsconf_{site.name}_headers", {}).get("headers", {})
        assert set(headers.get("customResponseHeaders", {}).items()) == set(site.headers)


def check_kubernetes(outcome: Outcome, sites: Any) -> None:
    from support.k8s_manifests import validate
    from test_hardening_traefik import load

    for name, text in outcome.files.items():
        for doc in load(name, text):
            if doc["apiVersion"] not in ("v1",):
                assert validate(doc) == [], f"{name}: {doc['kind']} {doc['metadata']['name']}"
    headers = {(h["name"], h["value"]) for name, text in outcome.files.items()
               for doc in load(name, text) for h in _header_sets(doc)}
    custom = {kv for name, text in outcome.files.items() for doc in load(name, text)
              for kv in doc.get("spec", {}).get("headers", {})
              .get("customResponseHeaders", {}).items()}
    for site in sites:
        assert set(site.headers) <= headers | custom


def _header_sets(node: Any) -> Iterator[dict[str, str]]:
    if isinstance(node, dict):
        if "responseHeaderModifier" in node:
            yield from node["responseHeaderModifier"].get("set", [])
        for value in node.values():
            yield from _header_sets(value)
    elif isinstance(node, list):
        for item in node:
            yield from _header_sets(item)


# -- accepted: the real servers ---------------------------------------------------------------


def servers_read(outcome: Outcome) -> Servers:
    from support.fixtures import require_binary

    for name in ("nginx", "haproxy", "traefik"):
        require_binary(name)
    work = outcome.out.parent
    servers = Servers(nginx_t(outcome.out / "nginx" / "conf.d", work / "nginx"),
                      haproxy_c(outcome.out / "haproxy" / "haproxy.cfg"))
    try:
        traefik_reads(outcome.out / "traefik", work / "traefik")
    except Exception as error:  # reported by the spec's own test
        servers.traefik = f"{type(error).__name__}: {error}"
    return servers


def traefik_reads(base: Path, work: Path) -> None:
    """Traefik on 127.0.0.1 free ports: every router it loads from the file is enabled."""
    static_path = base / "traefik.yml"
    text = static_path.read_text()
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    static = json.loads(text[len(header):])
    static["providers"]["file"]["directory"] = str(base / "dynamic")
    ports = []
    for entry in static["entryPoints"].values():
        port = free_port()
        entry["address"] = f"127.0.0.1:{port}"
        ports.append(port)
    api = free_port()
    static["entryPoints"]["traefik"] = {"address": f"127.0.0.1:{api}"}
    static["api"] = {"insecure": True, "dashboard": False}
    static_path.write_text(header + json.dumps(static, indent=2))
    dynamic = _json_body((base / "dynamic" / "tlsconf.yml").read_text())
    wanted = sorted(dynamic["http"]["routers"])
    server = start_traefik(static_path, work, ports, api_port=api, routers=wanted, timeout=30)
    try:
        routers = [r for r in traefik_routers(api) if r.get("provider") == "file"]
        assert sorted(r["name"].split("@")[0] for r in routers) == wanted
        assert all(r.get("status") == "enabled" for r in routers), routers
    finally:
        server.stop()
