"""The import round trip: `lint(input)` and `lint(render(import(input)))` judged site by site.

`verdicts` lints a config's subjects one at a time (the rule ids each gets, and its resolved
protocols and suites), keyed by what names a site on both sides: the certificate (HAProxy:
one subject per certificate) or each domain (Traefik: one subject per TLS option, with the
domains of its routers). `reimport` writes the imported spec, renders it for a target and
returns the rendered config's path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from tlsconf.config import Settings
from tlsconf.importer import loader
from tlsconf.importer.model import Imported
from tlsconf.ingest import ingest
from tlsconf.judge import verdict
from tlsconf.lint.model import Subject

SETTINGS = Settings(certificates=False)
Verdict = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
# What an import makes explicit that the input left to the server: "not set" findings
# (TLS105 protocols, TLS215 ciphers) become findings on the explicit values, and the upstream
# leg (TLS701: the spec's upstreams are plain HTTP) is dropped, in the loss report.
LEFT_TO_SERVER = frozenset({"TLS105", "TLS215"})


def by_certificate(subject: Subject) -> list[str]:
    return [subject.site.tls.certificate] if subject.site.tls.certificate else []


def by_domain(subject: Subject) -> list[str]:
    return list(subject.site.domains)


def verdicts(path: Path, kind: str, key: Callable[[Subject], list[str]],
             settings: Settings = SETTINGS) -> dict[str, Verdict]:
    """Per site key: (rule ids, protocols, TLS <= 1.2 suites, TLS 1.3 suites)."""
    _, subjects, _ = ingest(str(path), kind)
    out: dict[str, Verdict] = {}
    for subject in subjects:
        if subject.facts.families is not None and "protocols" not in subject.facts.families:
            continue  # a router judged for HSTS only, a servers transport
        rules = tuple(sorted({f.rule_id for f in verdict([subject], [], settings).findings}))
        tls = subject.site.tls
        ciphers = tls.ciphers if set(tls.protocols) - {"TLSv1.3"} else ()
        for name in key(subject):
            out[name] = (rules, tls.protocols, ciphers, tls.ciphersuites)
    return out


def spec_yaml(imported: Imported) -> str:
    return yaml.safe_dump(imported.spec, sort_keys=False)


def import_file(kind: str, *paths: Path) -> Imported:
    return loader(kind)([str(p) for p in paths], SETTINGS)


def reimport(imported: Imported, target: str, out: Path) -> dict[str, Path]:
    """Write the spec and render it for `target` under `out`; the files by relative name."""
    from tlsconf import policy
    from tlsconf.specfile import parse_spec
    from tlsconf.targets import render

    spec = out / "imported.tlsconf.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(spec_yaml(imported))
    loaded = parse_spec(str(spec), spec.read_bytes())
    rendered = render(target, loaded, policy.resolve(loaded))
    files = {}
    for name, text in rendered.files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files[name] = path
    return files


def compared(before: dict[str, Verdict], after: dict[str, Verdict]
             ) -> dict[str, tuple[Verdict, Verdict]]:
    """The sites whose verdicts differ (beyond what the import makes explicit, LEFT_TO_SERVER
    and TLS701), each as (input's, re-rendered's)."""
    out = {}
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a is None or b is None:
            out[name] = (a or ((), (), (), ()), b or ((), (), (), ()))
            continue
        strip = LEFT_TO_SERVER | {"TLS701"}
        if (tuple(r for r in a[0] if r not in strip), *a[1:]) != \
                (tuple(r for r in b[0] if r not in strip), *b[1:]):
            out[name] = (a, b)
    return out
