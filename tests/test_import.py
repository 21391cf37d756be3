"""`tlsconf import`'s framework: the YAML writer (origins as comments, quoting, the spec loader's
verdict), the loss report (text and JSON), the profile chooser, and the command's options,
outputs and exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tlsconf import profiles
from tlsconf.cli import app
from tlsconf.errors import Location, TlsconfError
from tlsconf.importer import IMPORTERS, report, write
from tlsconf.importer.model import Entry, Imported
from tlsconf.importer.profile import Policy, choose
from tlsconf.source import load

pytestmark = pytest.mark.usefixtures("tmp_cwd")
runner = CliRunner()
INTERMEDIATE = ":".join(profiles.get("intermediate").ciphers)
SITE = f"""upstream app {{
    least_conn;
    server 10.0.0.1:8080 weight=3;
    server 10.0.0.2:8080;
    server 10.0.0.3:8080 backup;
}}
server {{
    listen 80;
    server_name example.com www.example.com;
    location /.well-known/acme-challenge/ {{
        root /var/www/acme;
    }}
    location / {{
        return 301 https://$host$request_uri;
    }}
}}
server {{
    listen 443 ssl http2;
    server_name example.com www.example.com;
    ssl_certificate /etc/ssl/example.pem;
    ssl_certificate_key /etc/ssl/example.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {INTERMEDIATE};
    ssl_session_tickets off;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
    add_header X-Frame-Options DENY always;
    gzip on;
    location / {{
        proxy_pass http://app;
        proxy_set_header Host $host;
    }}
    location /ws/ {{
        proxy_pass http://127.0.0.1:9000;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }}
}}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def site_conf(text: str = SITE, name: str = "site.conf") -> str:
    Path(name).write_text(text)
    return name


# -- writer ----------------------------------------------------------------------------------

HOSTILE = ["a\nsites: []", "# not a comment", "x: y", "'quoted'", '"dq"', "{{ jinja }}",
           "line\u2028sep", "tab\there", "- item", "&anchor", "*alias", "!tag", "%directive",
           "--- doc", "...", "@at", "`tick`", " lead", "trail ", "", "null", "true", "0x10",
           "1e3", "~", "v # from conf.d/x.conf:4", "v  # from conf.d/x.conf:3"]


def _imported(value: object, where: str = "conf.d/x.conf") -> Imported:
    spec = {"sites": [{"name": "s", "domains": [value], "tls": {"certificate": value}}]}
    origins = {("sites", 0, "domains"): Location(where, 3, 5),
               ("sites", 0, "tls", "certificate"): Location(where, 4, 5),
               ("sites", 0, "name"): Location(where, 2, 1)}
    return Imported(spec, origins)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_one_string(value: str) -> None:
    text = write.to_yaml(_imported(value), "nginx", ["x.conf"])
    data = load("spec.yaml", text).data
    assert data == {"sites": [{"name": "s", "domains": [value], "tls": {"certificate": value}}]}


def test_hostile_file_names_stay_in_their_comment() -> None:
    name = "evil\nsites: []\r# x\u2028.conf"
    text = write.to_yaml(_imported("a.example", where=name), "nginx", [name])
    assert load("spec.yaml", text).data["sites"][0]["domains"] == ["a.example"]
    escaped = "evil\\nsites: []\\r# x\\u2028.conf"
    assert text.splitlines()[0] == f"# Imported by tlsconf 0.1.0 from nginx: {escaped}"
    assert f"    domains: [a.example]  # from {escaped}:3" in text.splitlines()


def test_each_value_names_its_origin_on_its_line() -> None:
    text = write.to_yaml(_imported("a.example"), "nginx", ["x.conf"])
    assert text.splitlines()[4:] == [
        "sites:",
        "  - name: s  # from conf.d/x.conf:2",
        "    domains: [a.example]  # from conf.d/x.conf:3",
        "    tls:",
        "      certificate: a.example  # from conf.d/x.conf:4",
    ]


def test_header_says_imported_and_to_review() -> None:
    header = write.header("nginx", ["a.conf", "b.conf"])
    assert header.splitlines() == [
        "# Imported by tlsconf 0.1.0 from nginx: a.conf, b.conf",
        "# Review every value before rendering: `# from FILE:LINE` names the source of each, the",
        "# loss report lists what was approximated or dropped, and weak settings are kept as",
        "# written (render refuses them until you decide).",
    ]


def test_notes_join_the_origin_and_mapping_items_comment_their_first_key() -> None:
    spec = {"sites": [{"tls": {"profile": "intermediate"},
                       "upstreams": [{"address": "10.0.0.1:80", "weight": 2}]}]}
    imported = Imported(spec, {("sites", 0, "tls", "profile"): Location("a.conf", 7, 1),
                               ("sites", 0, "upstreams", 0): Location("a.conf", 9, 5)},
                        notes={("sites", 0, "tls", "profile"): "Mozilla intermediate (6.0)"})
    lines = write.to_yaml(imported, "nginx", ["a.conf"]).splitlines()[4:]
    assert lines == [
        "sites:",
        "  - tls:",
        "      profile: intermediate  # Mozilla intermediate (6.0); from a.conf:7",
        "    upstreams:",
        "      - address: 10.0.0.1:80  # from a.conf:9",
        "        weight: 2",
    ]


def test_check_is_the_spec_loader() -> None:
    spec = {"sites": [{"name": "s", "domains": ["a.example"],
                       "tls": {"certificate": "/c.pem", "key": "/k.pem"}}]}
    text = write.to_yaml(Imported(spec), "nginx", ["a.conf"])
    with pytest.raises(TlsconfError) as caught:
        write.check(text, "out.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "out.yaml:6:5: sites[0].upstreams: required field is missing"]
    spec["sites"][0]["upstreams"] = [{"address": "127.0.0.1:8080"}]  # type: ignore[index]
    write.check(write.to_yaml(Imported(spec), "nginx", ["a.conf"]))


# -- report ----------------------------------------------------------------------------------

def _reported() -> Imported:
    return Imported({"sites": []}, entries=[
        Entry(Location("a.conf", 9, 5), "gzip", "dropped", "tlsconf renders no equivalent"),
        Entry(Location("a.conf", 3, 5), "ssl_protocols", "mapped", "sites[0].tls.protocols",
              "sites[0].tls.protocols"),
        Entry(Location("a.conf", 4, 5), "ssl_session_cache", "approximated", "shared cache",
              "sites[0].tls"),
        Entry(Location("a.conf", 5, 5), "\x1b[31mred", "dropped", "why\nnot"),
    ])


def test_text_report_one_line_per_entry_then_the_counts() -> None:
    assert report.text(_reported()).splitlines() == [
        "a.conf:3:5: ssl_protocols: mapped → sites[0].tls.protocols",
        "a.conf:4:5: ssl_session_cache: approximated: shared cache",
        "a.conf:5:5: \\x1b[31mred: dropped: why\\nnot",
        "a.conf:9:5: gzip: dropped: tlsconf renders no equivalent",
        "4 source entries: 1 mapped, 1 approximated, 2 dropped; 0 lint findings on the input",
    ]


def test_json_report() -> None:
    data = json.loads(report.as_json(_reported(), "nginx", ["a.conf"]))
    assert data["counts"] == {"mapped": 1, "approximated": 1, "dropped": 2, "findings": 0}
    assert data["lossy"] is True
    assert data["entries"][0] == {"file": "a.conf", "line": 3, "column": 5,
                                  "key": "ssl_protocols", "fate": "mapped",
                                  "detail": "sites[0].tls.protocols",
                                  "spec_path": "sites[0].tls.protocols"}
    assert [e["key"] for e in data["entries"]] == ["ssl_protocols", "ssl_session_cache",
                                                  "\x1b[31mred", "gzip"]
    assert (data["kind"], data["files"], data["findings"]) == ("nginx", ["a.conf"], [])


# -- profile choice --------------------------------------------------------------------------

def test_a_profile_exactly_is_said_to_be_it() -> None:
    p = profiles.get("intermediate")
    choice = choose(Policy(p.protocols, p.ciphers, p.ciphersuites, p.curves, False))
    assert (choice.profile, choice.overrides, choice.label) == (
        "intermediate", {}, "Mozilla intermediate (guideline 6.0)")
    modern = profiles.get("modern")
    assert choose(Policy(modern.protocols, (), modern.ciphersuites)).label == \
        "Mozilla modern (guideline 6.0)"


def test_minimal_overrides_kept_as_explicit_lists() -> None:
    p = profiles.get("intermediate")
    choice = choose(Policy(("TLSv1.2",), p.ciphers, p.ciphersuites, None, False))
    assert (choice.profile, choice.overrides) == ("intermediate", {"protocols": ["TLSv1.2"]})
    assert choice.label == "Mozilla intermediate (guideline 6.0) with protocols overridden"
    swapped = (p.ciphers[1], p.ciphers[0], *p.ciphers[2:])  # the order is part of the policy
    assert choose(Policy(p.protocols, swapped)).overrides == {"ciphers": list(swapped)}


def test_iana_names_and_curve_aliases_compare_by_their_canonical_names() -> None:
    p = profiles.get("intermediate")
    iana = profiles.get("intermediate").ciphers_iana
    assert choose(Policy(p.protocols, iana, curves=p.curves)).overrides == {}
    # the profile's groups without X25519MLKEM768 (what nginx on OpenSSL 3.0 offers) stay
    # explicit: Traefik and Envoy would add the post-quantum group
    choice = choose(Policy(p.protocols, iana, curves=("X25519", "P-256", "secp384r1")))
    assert choice.overrides == {"curves": ["X25519", "prime256v1", "secp384r1"]}


def test_old_is_chosen_only_when_closer() -> None:
    old = profiles.get("old")
    choice = choose(Policy(old.protocols, old.ciphers, old.ciphersuites, None, True))
    assert (choice.profile, choice.overrides, choice.guideline) == ("old", {}, "5.8")
    choice = choose(Policy(("TLSv1", "TLSv1.2"), profiles.get("intermediate").ciphers))
    assert (choice.profile, choice.overrides) == ("intermediate",
                                                  {"protocols": ["TLSv1", "TLSv1.2"]})


# -- command ---------------------------------------------------------------------------------

def test_kinds_are_the_registry() -> None:
    from tlsconf.cli_import import IMPORT_KINDS, REPORT_FORMATS

    assert tuple(IMPORTERS) == IMPORT_KINDS
    assert REPORT_FORMATS == report.FORMATS


def test_spec_to_stdout_report_to_stderr() -> None:
    code, out, err = run("import", site_conf())
    assert code == 0
    assert out.startswith("# Imported by tlsconf 0.1.0 from nginx: site.conf\n")
    write.check(out)
    assert err.splitlines()[-1] == ("31 source entries: 30 mapped, 0 approximated, 1 dropped; "
                                    "1 lint finding on the input")
    assert "site.conf:27:5: gzip: dropped: tlsconf renders no equivalent" in err.splitlines()


def test_output_file_report_to_stdout_and_strict() -> None:
    code, out, err = run("import", site_conf(), "-o", "spec.yaml", "--report-format", "json",
                         "--strict")
    assert (code, err) == (1, "")  # gzip was dropped
    assert json.loads(out)["counts"]["dropped"] == 1
    write.check(Path("spec.yaml").read_text())
    code, _, err = run("import", "site.conf", "-o", "spec.yaml")
    assert code == 2
    assert "spec.yaml" in err and "--force" in err
    assert run("import", "site.conf", "-o", "spec.yaml", "--force")[0] == 0
    clean = SITE.replace("    gzip on;\n", "")
    assert run("import", site_conf(clean), "-o", "spec.yaml", "--force", "--strict")[0] == 0


def test_never_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.yaml"
    target.write_text("keep\n")
    os.symlink(target, "spec.yaml")
    code, _, err = run("import", site_conf(), "-o", "spec.yaml", "--force")
    assert code == 2 and "symlink" in err
    assert target.read_text() == "keep\n"


@pytest.mark.parametrize(("text", "name", "message"), [
    ("server {\n    listen 443 ssl\n}\n", "broken.conf",
     'broken.conf:3:1: unexpected "}": the directive before it lacks its ";"'),
    ("sites: []\n", "spec.yaml", "spec.yaml: --kind: a spec input cannot be imported; import "
     "reads nginx, haproxy, traefik, ingress-nginx (pass --kind if this is one of them)"),
    ("ssl_protocols TLSv1.2;\n", "snippet.conf", "snippet.conf: no TLS server to import (no "
     "`listen ... ssl` in an `http` server): a spec holds TLS sites; lint a TLS snippet "
     "instead"),
])
def test_unreadable_input_exits_2_and_writes_nothing(text: str, name: str, message: str) -> None:
    Path(name).write_text(text)
    code, out, err = run("import", name, "-o", "out.yaml")
    assert (code, out, err.splitlines()) == (2, "", [message])
    assert not Path("out.yaml").exists()


def test_missing_file_and_bad_options() -> None:
    code, _, err = run("import", "nope.conf", "--kind", "nginx")
    assert code == 2 and err.startswith("nope.conf: ")
    code, _, err = run("import", site_conf(), "--kind", "caddy")
    assert (code, err) == (2, "--kind: unknown kind 'caddy'; allowed: nginx, haproxy, traefik, "
                              "ingress-nginx\n")
    code, _, err = run("import", "site.conf", "--report-format", "sarif")
    assert (code, err) == (2, "--report-format: unknown format 'sarif'; allowed: text, json\n")


def test_imported_spec_lints_and_renders_with_its_origins() -> None:
    run("import", site_conf(), "-o", "spec.yaml")
    data = yaml.safe_load(Path("spec.yaml").read_text())
    assert data == {"sites": [{
        "name": "example-com", "domains": ["example.com", "www.example.com"],
        "default_server": True, "listen": {"address": "0.0.0.0", "https_port": 443},
        "tls": {"certificate": "/etc/ssl/example.pem", "key": "/etc/ssl/example.key",
                "profile": "intermediate", "session_tickets": False, "session_timeout": 300},
        "hsts": {"max_age": 63072000, "include_subdomains": True, "preload": False},
        "headers": {"X-Frame-Options": "DENY"},
        "redirect_http": True, "acme_webroot": "/var/www/acme", "http2": True,
        "upstreams": [{"address": "10.0.0.1:8080", "weight": 3}, {"address": "10.0.0.2:8080"},
                      {"address": "10.0.0.3:8080", "backup": True}],
        "balance": "least_conn",
        "locations": [{"path": "/ws/", "upstreams": [{"address": "127.0.0.1:9000"}],
                       "websocket": True}],
    }]}
    code, out, _ = run("render", "spec.yaml", "--target", "nginx")
    assert code == 0 and "least_conn;" in out


def test_collector_one_entry_per_value_with_every_approximation() -> None:
    from tlsconf.importer.collect import Collector

    out = Collector()
    where = Location("a.conf", 3, 5)
    out.add(where, "location", "dropped", "not understood")
    out.add(where, "location", "mapped", "sites[0].locations[0]", "sites[0].locations[0]")
    out.add(where, "location", "approximated", "one balance", "sites[0].locations[0]")
    out.add(where, "location", "approximated", "one health check", "sites[0].locations[0]")
    out.add(where, "location", "mapped", "sites[0].locations[0]", "sites[0].locations[0]")
    out.fill(where, "location", "not rendered")
    assert out.entries() == [Entry(where, "location", "approximated",
                                   "one balance; one health check", "sites[0].locations[0]")]
