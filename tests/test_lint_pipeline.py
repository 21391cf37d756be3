"""tlsconf's own pipeline agrees with itself: what `render` writes, `lint` reads in full and
judges clean — all files of a render in one run and each file alone, as the pre-commit hook
passes them — and the pieces that make that true: nginx kind detection by content and path,
the conf.d sibling context of listener-level rules, HAProxy HSTS sent from backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.lint.baselines import HAPROXY, INTERMEDIATE_CIPHERS, TLSOPTION_HEAD
from tests.lint.files import write
from tlsconf.cli import app
from tlsconf.errors import TlsconfError
from tlsconf.ingest import detect
from tlsconf.rules import get as get_rule

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


MAP = "map $http_upgrade $connection_upgrade {\n    default upgrade;\n    '' close;\n}\n"


# -- nginx kind detection ----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "text"), [
    ("conf.d/00-tlsconf.conf", MAP),  # an http-context block alone
    ("x/geo.conf", "geo $remote_addr $office {\n    default 0;\n}\n"),
    ("x/types.conf", "types {\n    text/html html;\n}\n"),
    ("deploy/nginx/conf.d/empty.conf", "# nothing yet\n"),  # the hook's `/nginx/.*\.conf`
    ("etc/nginx-edge/limits.conf", "limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s;\n"),
    ("my-nginx.conf", "client_max_body_size 1m;\n"),  # the hook's `nginx.*\.conf`
])
def test_nginx_files_are_told_by_content_or_path(path: str, text: str) -> None:
    assert detect(path, text) == "nginx"


@pytest.mark.parametrize("path", ["x/notes.conf", "conf.d/tuning.txt", "nginx/notes.txt"])
def test_other_files_stay_unknown(path: str) -> None:
    with pytest.raises(TlsconfError, match="cannot tell the input kind"):
        detect(path, "client_max_body_size 1m;\n")


def test_a_file_with_nothing_tls_in_it_is_read_in_full_and_clean() -> None:
    """Nothing to judge is no finding (exit 0) — but only after the whole file was read."""
    assert run("lint", "--format", "json", write("conf.d/00-tlsconf.conf", MAP))[0] == 0
    assert run("lint", write("nginx/conf.d/empty.conf", "# nothing yet\n")) == (0, "", (
        "note: no TLS server found in nginx/conf.d/empty.conf (no `listen ... ssl`, "
        "`bind ... ssl`, Traefik router with `tls`, ...)\n"))
    cut = MAP.replace("    '' close;\n}\n", "    '' close\n")
    assert run("lint", write("conf.d/01-cut.conf", cut)) == (
        2, "", 'conf.d/01-cut.conf:3:5: unexpected end of file, expecting "}"\n'
               "1 error(s): the input(s) above were not linted\n")
    assert run("lint", write("nginx/conf.d/junk.conf", "hello world\n")) == (
        2, "", 'nginx/conf.d/junk.conf:1:1: unexpected end of file, expecting ";" or "}"\n'
               "1 error(s): the input(s) above were not linted\n")
    assert run("lint", write("x/notes.conf", "hello world\n")) == (
        2, "", "x/notes.conf: cannot tell the input kind (spec, nginx, haproxy, traefik, envoy, "
               "caddy, k8s): pass --kind\n1 error(s): the input(s) above were not linted\n")


# -- HAProxy: HSTS sent by the backends a frontend reaches --------------------------------------

HA_GLOBAL = HAPROXY[:HAPROXY.index("frontend fe")]
HA_HSTS = 'Strict-Transport-Security "max-age=63072000; includeSubDomains"'


def haproxy(frontend: str, backends: str, defaults: str = "") -> str:
    return (f"{HA_GLOBAL}{defaults}frontend fe\n    mode http\n"
            "    bind :443 ssl crt /etc/haproxy/site.pem alpn h2,http/1.1 strict-sni\n"
            f"    bind :80\n    http-request redirect scheme https unless {{ ssl_fc }}\n"
            f"{frontend}\n{backends}")


def ha_findings(text: str) -> list[str]:
    code, out, err = run("lint", "--no-cert-checks", write("haproxy.cfg", text))
    assert err == "" and code == (1 if out else 0)
    return out.splitlines()


API_AND_APP = ("    use_backend api if { path_beg /api/ }\n    default_backend app\n",
               "backend api\n    {api}\n    server a 127.0.0.1:9000\n"
               "backend app\n    {app}\n    server b 127.0.0.1:8080\n")


@pytest.mark.parametrize(("api", "app", "expected"), [
    # tlsconf's own output: the header in every backend, after-response (also on errors)
    (f"http-after-response set-header {HA_HSTS}", f"http-after-response set-header {HA_HSTS}",
     []),
    (f"http-response set-header {HA_HSTS}", f"http-response add-header {HA_HSTS} if {{ ssl_fc }}",
     []),
    # one reachable backend without it: HSTS is missing there
    (f"http-response set-header {HA_HSTS}", "timeout server 30s",
     ["haproxy.cfg:17:1: TLS501 [warning] no Strict-Transport-Security header is sent "
     "(listener at haproxy.cfg:9:5)"]),
    # the weakest of the values is judged, at its line
    ('http-response set-header Strict-Transport-Security "max-age=300"',
     f"http-response set-header {HA_HSTS}",
     ["haproxy.cfg:15:5: TLS503 [warning] HSTS max-age=300 is below 63072000"]),
    # "not on TLS" conditions do not count
    (f"http-response set-header {HA_HSTS} unless {{ ssl_fc }}",
     f"http-response set-header {HA_HSTS}",
     ["haproxy.cfg:14:1: TLS501 [warning] no Strict-Transport-Security header is sent "
     "(listener at haproxy.cfg:9:5)"]),
    # HAProxy < 2.1
    ("rspadd Strict-Transport-Security:\\ max-age=31536000",
     f"http-response set-header {HA_HSTS}",
     ["haproxy.cfg:15:5: TLS503 [warning] HSTS max-age=31536000 is below 63072000"]),
])
def test_haproxy_hsts_from_reachable_backends(api: str, app: str, expected: list[str]) -> None:
    frontend, backends = API_AND_APP
    assert ha_findings(haproxy(frontend.rstrip("\n"), backends.format(api=api, app=app))) \
        == expected


def test_haproxy_hsts_in_the_frontend_wins_and_unreached_backends_do_not_count() -> None:
    unreached = "backend old\n    server o 127.0.0.1:7000\n"
    fe = f"    http-response set-header {HA_HSTS}\n    default_backend app"
    app = "backend app\n    server b 127.0.0.1:8080\n"
    assert ha_findings(haproxy(fe, app + unreached)) == []
    fe = "    default_backend app"
    app = ('backend app\n    http-response set-header Strict-Transport-Security "max-age=0"\n'
           "    server b 127.0.0.1:8080\n")
    assert ha_findings(haproxy(fe, app + unreached)) == [
        "haproxy.cfg:14:5: TLS502 [warning] HSTS max-age=0 removes the HSTS policy"]


def test_haproxy_defaults_default_backend_and_listen_sections() -> None:
    defaults = "defaults\n    mode http\n    default_backend app\n\n"
    app = f"backend app\n    http-after-response set-header {HA_HSTS}\n    server b 127.0.0.1:1\n"
    assert ha_findings(haproxy("", app, defaults)) == []
    assert ha_findings(haproxy("", "backend app\n    server b 127.0.0.1:1\n", defaults)) == [
        "haproxy.cfg:11:1: TLS501 [warning] no Strict-Transport-Security header is sent "
        "(listener at haproxy.cfg:13:5)"]
    listen = (f"{HA_GLOBAL}listen web\n    mode http\n"
              "    bind :443 ssl crt /etc/haproxy/site.pem strict-sni\n"
              f"    http-response set-header {HA_HSTS}\n    server b 127.0.0.1:8080\n")
    assert ha_findings(listen) == []
    assert ha_findings(listen.replace(f"    http-response set-header {HA_HSTS}\n", "")) == [
        "haproxy.cfg:7:1: TLS501 [warning] no Strict-Transport-Security header is sent "
        "(listener at haproxy.cfg:9:5)"]


# -- nginx conf.d: a fragment is judged with the siblings `include conf.d/*.conf` reads --------

CATCH_ALL = ("server {\n    listen 443 ssl default_server;\n    ssl_reject_handshake on;\n"
             f"    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers {INTERMEDIATE_CIPHERS};\n}}\n")
SITE = (f"server {{\n    listen 443 ssl;\n    server_name a.example;\n"
        "    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n"
        f"    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers {INTERMEDIATE_CIPHERS};\n"
        '    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;\n'
        "}\n")
NO_SNI = ("TLS704 [info] handshakes without SNI or with an unknown name are served with this "
          "site's certificate")


def lint_text(*paths: str) -> tuple[int, str, str]:
    return run("lint", "--no-cert-checks", "--fail-on", "info", *paths)


def test_catch_all_in_a_sibling_counts_for_a_site_file_linted_alone() -> None:
    write("conf.d/00-tlsconf.conf", MAP + CATCH_ALL)
    site = write("conf.d/a.conf", SITE)
    assert lint_text(site) == (0, "", "")
    assert lint_text("conf.d/00-tlsconf.conf", site) == (0, "", "")
    alone = write("elsewhere/a.conf", SITE)  # no sibling catch-all: the site is the default
    assert lint_text(alone) == (1, f"elsewhere/a.conf:2:5: {NO_SNI}\n", "")


def test_only_the_servers_of_the_given_files_are_judged() -> None:
    write("conf.d/00-tlsconf.conf", CATCH_ALL)
    weak = write("conf.d/b.conf", SITE.replace("a.example", "b.example")
                 .replace("TLSv1.2 TLSv1.3", "TLSv1.1 TLSv1.2 TLSv1.3"))
    site = write("conf.d/a.conf", SITE)
    assert lint_text(site) == (0, "", "")
    code, out, _ = lint_text(weak)
    assert code == 1 and out.startswith("conf.d/b.conf:6:5: TLS102 [error] TLSv1.1 enabled")
    # a suppression in a sibling is not judged (nor reported unused) for a file beside it
    write("conf.d/b.conf", SITE.replace("a.example", "b.example").replace(
        "TLSv1.2 TLSv1.3;", "TLSv1.1 TLSv1.2 TLSv1.3;  # tlsconf: ignore[TLS102] old clients"))
    assert run("lint", "--no-cert-checks", "--report-unused-suppressions", site)[0] == 0


def test_http_level_directives_of_a_sibling_apply_to_the_site() -> None:
    """`include conf.d/*.conf` reads every fragment into one http {}: a top-level directive of
    one applies to the servers of all (the finding is the site's, at the line that sets it)."""
    write("conf.d/00-tlsconf.conf", "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;\n" + CATCH_ALL.replace(
        "    ssl_protocols TLSv1.2 TLSv1.3;\n", ""))
    site = write("conf.d/a.conf", SITE.replace("    ssl_protocols TLSv1.2 TLSv1.3;\n", ""))
    code, out, _ = lint_text(site)
    assert code == 1 and out.splitlines()[0].startswith(
        "conf.d/00-tlsconf.conf:1:1: TLS102 [error] TLSv1 enabled")


def test_siblings_nginx_would_not_read_with_the_fragment_are_ignored() -> None:
    write("conf.d/nginx.conf", "events {}\nhttp {\n    server { listen 443 ssl; }\n}\n")
    write("conf.d/notes.conf", "hello, world\n")  # not nginx: not a sibling nginx reads
    write("conf.d/00.txt", CATCH_ALL)  # not *.conf
    site = write("conf.d/a.conf", SITE)
    assert lint_text(site) == (1, f"conf.d/a.conf:2:5: {NO_SNI}\n", "")


def test_a_sibling_that_cannot_be_read_is_exit_2() -> None:
    write("conf.d/00-tlsconf.conf", CATCH_ALL.replace("ssl_reject_handshake on;",
                                                      "ssl_reject_handshake on"))
    site = write("conf.d/a.conf", SITE)
    assert lint_text(site) == (
        2, "", "conf.d/00-tlsconf.conf:3:5: ssl_reject_handshake: `ssl_protocols` is an argument "
               "of `ssl_reject_handshake`: a missing `;` swallowed the next line(s)\n"
               "1 error(s): the input(s) above were not linted\n")


# -- HAProxy crt-lists: each line is a site, judged with the bind that names it ---------------

CRT_LIST = ("# certificate [options] names\n/etc/haproxy/a.pem a.example\n"
            "/etc/haproxy/b.pem [ssl-min-ver TLSv1.0 ciphers AES128-SHA] b.example\n")
HA_CRT_LIST = haproxy(f"    http-response set-header {HA_HSTS}\n    default_backend app",
                      "backend app\n    server b 127.0.0.1:8080\n").replace(
    "crt /etc/haproxy/site.pem", "crt-list crt-list-443.txt")
WEAK_LINE = ["crt-list-443.txt:3:1: TLS102 [error] TLSv1 and TLSv1.1 enabled (deprecated by "
             "RFC 8996; Mozilla intermediate allows TLSv1.2 TLSv1.3)"]


def test_crt_list_lines_carry_their_own_policy() -> None:
    write("haproxy/crt-list-443.txt", CRT_LIST)
    cfg = write("haproxy/haproxy.cfg", HA_CRT_LIST)
    code, out, err = run("lint", "--no-cert-checks", cfg)
    lines = out.splitlines()
    assert (code, err) == (1, "") and [f"haproxy/{w}" for w in WEAK_LINE] == \
        [line for line in lines if "TLS10" in line]
    assert {line.split(": ", 1)[0] for line in lines} == {"haproxy/crt-list-443.txt:3:1"}
    # the crt-list alone (the hook does not pass it, `lint deploy/haproxy/*` does): the same
    assert run("lint", "--no-cert-checks", "haproxy/crt-list-443.txt") == (code, out, "")
    assert run("lint", "--no-cert-checks", cfg, "haproxy/crt-list-443.txt") == (code, out, "")
    write("haproxy/crt-list-443.txt", CRT_LIST.replace(" [ssl-min-ver TLSv1.0 ciphers AES128-SHA]",
                                                       ""))
    assert run("lint", "--no-cert-checks", cfg, "haproxy/crt-list-443.txt") == (0, "", "")


def test_crt_list_that_cannot_be_judged_is_exit_2() -> None:
    write("alone/crt-list-443.txt", CRT_LIST)
    assert run("lint", "alone/crt-list-443.txt") == (
        2, "", "alone/crt-list-443.txt: a crt-list is judged with the bind that names it: no "
               "HAProxy config (*.cfg) beside it has `bind … crt-list` naming this file; lint "
               "that config\n1 error(s): the input(s) above were not linted\n")
    cfg = write("missing/haproxy.cfg", HA_CRT_LIST)
    assert run("lint", cfg) == (
        2, "", "missing/haproxy.cfg:9:5: bind crt-list: crt-list 'missing/crt-list-443.txt' "
               "cannot be read: " + run("lint", "missing/crt-list-443.txt")[2].split(": ", 1)[1]
        .split("\n")[0] + "\n1 error(s): the input(s) above were not linted\n")
    write("bad/crt-list-443.txt", "/etc/haproxy/a.pem [ssl-min-ver TLSv1.2 a.example\n")
    write("bad/haproxy.cfg", HA_CRT_LIST)
    assert run("lint", "bad/haproxy.cfg")[1:] == (
        "", "bad/crt-list-443.txt:1:20: crt-list line: `[` without `]`\n"
            "1 error(s): the input(s) above were not linted\n")


# -- Kubernetes: the manifests of a directory are applied together -----------------------------

INGRESS_ROUTE = """\
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: shop, namespace: web}
spec:
  entryPoints: [websecure]
  routes:
    - match: Host(`shop.example.com`)
      kind: Rule
      services: [{name: shop, port: 80}]
  tls: {options: {name: default}}
"""
MIDDLEWARE = """\
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: hsts, namespace: web}
spec:
  headers: {stsSeconds: 63072000}
"""


def test_a_manifest_alone_is_judged_with_the_manifests_beside_it() -> None:
    """`kubectl apply -f deploy/` applies a directory together: an IngressRoute or a Middleware
    linted alone (as the hook passes a changed file) is judged with the TLSOption beside it;
    only the subjects of the given files are reported."""
    write("deploy/tlsoptions.yaml", TLSOPTION_HEAD)
    route = write("deploy/ingressroutes.yaml", INGRESS_ROUTE)
    middleware = write("deploy/middlewares.yaml", MIDDLEWARE)
    assert run("lint", route) == (0, "", "")
    assert run("lint", middleware) == (0, "", "")
    write("deploy/tlsoptions.yaml", TLSOPTION_HEAD.replace("VersionTLS12", "VersionTLS10"))
    assert run("lint", middleware) == (0, "", "")  # the weak option is not this file's
    code, out, _ = run("lint", "deploy/tlsoptions.yaml")
    assert code == 1 and "TLS102" in out
    # alone in its directory, the IngressRoute names an option nothing defines: Traefik's
    # defaults for it (the same as linting it without the option before)
    alone = write("alone/ingressroutes.yaml", INGRESS_ROUTE)
    code, out, _ = run("lint", alone)
    assert code == 1 and out.startswith("alone/ingressroutes.yaml:")
    assert run("lint", write("empty/middlewares.yaml", MIDDLEWARE))[0] == 2


def test_a_manifest_beside_that_cannot_be_read_is_exit_2() -> None:
    write("deploy/tlsoptions.yaml", TLSOPTION_HEAD + "  minVersion: {{ .Values.tls }}\n")
    assert run("lint", write("deploy/middlewares.yaml", MIDDLEWARE))[0:2] == (2, "")


# -- the round trip: lint(render(spec)) says what lint(spec) says, all files and each alone ----

ROOT = Path(__file__).resolve().parents[1]
SPEC_FILES = {p.relative_to(ROOT).as_posix(): p for p in sorted(
    [*ROOT.glob("examples/*.yaml"), *ROOT.glob("tests/golden/k8s/specs/*.yaml"),
     *ROOT.glob("tests/specs/haproxy/*.yaml")])}
TARGETS = {"nginx": ("nginx",), "haproxy": ("haproxy",), "traefik": ("traefik",),
           "gateway-api-traefik": ("gateway-api", "--impl", "traefik"),
           "gateway-api-envoy-gateway": ("gateway-api", "--impl", "envoy-gateway"),
           "gateway-api-nginx-gateway-fabric": ("gateway-api", "--impl", "nginx-gateway-fabric"),
           "traefik-crd": ("traefik-crd",), "envoy": ("envoy",), "caddy": ("caddy",)}
KIND = {"nginx": "nginx", "haproxy": "haproxy", "traefik": "traefik", "envoy": "envoy",
        "caddy": "caddy"}  # else k8s
# What a target refuses to render (each tested where the target is): nothing to lint.
REFUSED = {
    # per-site policies on one port: nginx, Gateway API and Traefik's TLSOption `default` apply
    # them per listener; ip_hash needs Traefik 3.6 (Envoy chooses a policy per SNI name)
    *(("tests/specs/haproxy/shared-listener.yaml", t) for t in TARGETS
      if t not in ("haproxy", "envoy")),
    ("tests/golden/k8s/specs/mtls.yaml", "gateway-api-traefik"),  # one TLSOption, two clientAuths
    # Caddy fails over in order only (`backup` upstreams need a health check) and has no
    # TLS 1.0/1.1
    ("examples/multi-site.yaml", "caddy"), ("tests/specs/haproxy/old-profile.yaml", "caddy"),
}
# Where a rendered target legitimately says less than the spec (rules that read a kind's own
# facts are compared only where they apply: `applies_to`). Each row: (spec, target) → rule ids
# the spec has and the output cannot show, and why.
FEWER = {
    # session_tickets: true on nginx 1.22, which never rotates ticket keys (TLS405 judges the
    # spec's nginx target): the nginx renderer leaves tickets off there, HAProxy and Traefik
    # rotate their keys.
    # Envoy (BoringSSL) makes and rotates its own in-memory ticket keys.
    **{("tests/specs/haproxy/old-profile.yaml", t): {"TLS405"}
       for t in ("nginx", "haproxy", "traefik", "envoy")},
    # HAProxy redirects port 80 per Host; its subjects are per bind / crt-list line, and the
    # port-80 frontend's redirect is read per frontend: the one site without a redirect hides.
    ("tests/specs/haproxy/shared-listener.yaml", "haproxy"): {"TLS507"},
    # Envoy Gateway and NGINX Gateway Fabric manifests have no SNI-fallback setting tlsconf
    # reads: the default_server site's TLS704 is not visible there.
    **{("tests/golden/k8s/specs/shop.yaml", t): {"TLS704"}
       for t in ("gateway-api-envoy-gateway", "gateway-api-nginx-gateway-fabric")},
    **{("examples/multi-site.yaml", t): {"TLS704"}
       for t in ("gateway-api-envoy-gateway", "gateway-api-nginx-gateway-fabric")},
}


def k8s_spec(text: str) -> str:
    """The spec with a `kubernetes:` section (a Service per upstream address) when it has
    none; `backup` upstreams dropped (Kubernetes routes have none)."""
    import yaml

    data = yaml.safe_load(text)
    if "kubernetes" in data:
        return text

    def upstreams(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [u["address"] for u in node.get("upstreams", []) if "address" in u]
            if "acme_upstream" in node:
                found.append(node["acme_upstream"])
            return found + [a for v in node.values() for a in upstreams(v)]
        return [a for v in node for a in upstreams(v)] if isinstance(node, list) else []

    services = "".join(f'    "{a}": {{name: svc-{i}, port: 80}}\n'
                       for i, a in enumerate(sorted(set(upstreams(data)))))
    return (text.replace(", backup: true", "")
            + f"\nkubernetes:\n  namespace: web\n  services:\n{services}")


def lint_json(*paths: str) -> tuple[set[str], list[object]]:
    """The rule ids of the findings and the errors (`--format json`)."""
    data = json.loads(run("lint", "--no-cert-checks", "--format", "json", *paths)[1])
    return {f["rule"] for f in data["findings"]}, data.get("errors", [])


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("name", sorted(SPEC_FILES))
def test_lint_of_rendered_output_agrees_with_lint_of_the_spec(name: str, target: str,
                                                              tmp_path: Path) -> None:
    text = SPEC_FILES[name].read_text("utf-8")
    kind = KIND.get(target, "k8s")
    spec = tmp_path / "site.tlsconf.yaml"
    spec.write_text(k8s_spec(text) if kind == "k8s" else text, "utf-8")
    out = tmp_path / "deploy"
    code, _, err = run("render", str(spec), "--target", *TARGETS[target], "-o", str(out),
                       "--allow-weak")
    if (name, target) in REFUSED:
        assert code == 2 and err
        return
    assert code == 0, err
    files = sorted(str(p) for p in out.rglob("*") if p.is_file())
    assert files
    spec_rules, spec_errors = lint_json(str(spec))
    assert spec_errors == []
    expected = {r for r in spec_rules if kind in get_rule(r).applies_to} \
        - FEWER.get((name, target), set())
    rules, errors = lint_json(*files)  # (a) every file of the render in one run
    assert (errors, rules) == ([], expected)
    alone: set[str] = set()
    for path in files:  # (b) each file alone, as the pre-commit hook may pass it
        rules, errors = lint_json(path)
        assert errors == [] and rules <= expected, path
        alone |= rules
    assert alone == expected


def test_the_round_trip_is_not_of_empties() -> None:
    """Some specs carry findings (the weak golden, default_server sites): the comparison
    above checks rule ids that are there, not only empty sets."""
    carried = {name: lint_json(str(path))[0] for name, path in SPEC_FILES.items()}
    assert carried["tests/specs/haproxy/old-profile.yaml"] == {
        "TLS102", "TLS207", "TLS208", "TLS209", "TLS401", "TLS405"}
    assert carried["examples/multi-site.yaml"] == {"TLS704"}
    assert {name for name, rules in carried.items() if not rules} >= {"examples/seed.yaml"}


def _unsupported(target: str, ciphers: tuple[str, ...]) -> set[str]:
    """The spec's suites the target leaves out (BoringSSL's or Caddy's table has none)."""
    from tlsconf import suites
    from tlsconf.ingest.caddy import REFUSED as CADDY_REFUSED
    from tlsconf.targets.envoy_tls import BORINGSSL_CIPHERS

    if target == "envoy":
        return {c for c in ciphers if c not in BORINGSSL_CIPHERS}
    found = {c: suites.lookup(c) for c in ciphers}
    return {c for c, s in found.items() if s is None or not s.go or CADDY_REFUSED.search(s.iana)}


@pytest.mark.parametrize("target", ["envoy", "caddy"])
@pytest.mark.parametrize("name", sorted(SPEC_FILES))
def test_rendered_envoy_and_caddy_read_back_as_the_specs_resolved_policy(
        name: str, target: str, tmp_path: Path) -> None:
    """Beyond the same findings: each site's protocols, suites (less those the server cannot
    negotiate), groups, HSTS, SNI fallback and client verification, read back from the
    rendered file, are the spec's."""
    from tlsconf.ingest import ingest
    from tlsconf.targets.caddy import CURVES as CADDY_CURVES
    from tlsconf.targets.envoy_tls import CURVES as ENVOY_CURVES

    if (name, target) in REFUSED:
        return
    spec = tmp_path / "site.tlsconf.yaml"
    spec.write_text(SPEC_FILES[name].read_text("utf-8"), "utf-8")
    out = tmp_path / "deploy"
    assert run("render", str(spec), "--target", target, "-o", str(out), "--allow-weak")[0] == 0
    (rendered,) = [str(p) for p in out.rglob("*") if p.is_file()]
    subjects = ingest(rendered)[1]
    by_domains = {s.site.domains: s for s in subjects if s.site.domains}
    curves = ENVOY_CURVES if target == "envoy" else CADDY_CURVES
    for wanted in ingest(str(spec))[1]:
        got = by_domains[tuple(d.lower() for d in wanted.site.domains)]
        tls, want = got.site.tls, wanted.site.tls
        assert tls.protocols == want.protocols, wanted.site.name
        if "TLSv1.2" in want.protocols:
            assert set(tls.ciphers) == set(want.ciphers) - _unsupported(target, want.ciphers)
        assert tls.curves == tuple(c for c in want.curves if c in curves)
        assert got.site.hsts == wanted.site.hsts
        auth = want.client_auth
        assert got.facts.client_auth_optional == (auth is not None and auth.mode == "optional")
        assert not got.facts.client_auth_unverified
    assert any(s.facts.unknown_sni_served for s in subjects) == \
        any(s.facts.unknown_sni_served for s in ingest(str(spec))[1])
