"""The import round trip: `lint(input)` and `lint(render(import(input)))` judged site by site.

`verdicts` lints a config's subjects one at a time (the rule ids each gets, and its resolved
protocols and suites), keyed by what names a site on both sides: the certificate (HAProxy:
one subject per certificate) or each domain (Traefik: one subject per TLS option, with the
domains of its routers). `reimport` writes the imported spec, renders it for a target and
returns the files. `differences` is what a test asserts exactly: an import makes explicit
what the input left to the server (TLS105/TLS215 "not set" become findings on the stated
values) and drops what a spec cannot hold (TLS to upstreams: TLS701), each in the loss report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from msgspec import Struct

from tlsconf.config import Settings
from tlsconf.importer import loader
from tlsconf.importer.model import Imported
from tlsconf.ingest import ingest
from tlsconf.judge import verdict
from tlsconf.lint.model import Subject

SETTINGS = Settings(certificates=False)
Policy = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # protocols, ciphers, TLS 1.3


class Verdict(Struct):
    """A site's rule ids (of every subject that serves it) and its resolved policy."""

    rules: set[str]
    policy: Policy


def by_certificate(subject: Subject) -> list[str]:
    return [subject.site.tls.certificate] if subject.site.tls.certificate else []


def by_domain(subject: Subject) -> list[str]:
    return list(subject.site.domains)


def verdicts(path: Path, kind: str, key: Callable[[Subject], list[str]],
             settings: Settings = SETTINGS) -> dict[str, Verdict]:
    """Per site key (`key` of each subject): the rule ids of the subjects serving it, and the
    policy of its TLS subject. A Traefik router (judged for HSTS only) adds its rules to its
    domains' option."""
    _, subjects, _ = ingest(str(path), kind)
    out: dict[str, Verdict] = {}
    for subject in subjects:
        rules = {f.rule_id for f in verdict([subject], [], settings).findings}
        tls = subject.site.tls
        ciphers = tls.ciphers if set(tls.protocols) - {"TLSv1.3"} else ()
        judged = subject.facts.families is None or "protocols" in subject.facts.families
        for name in key(subject):
            found = out.setdefault(name, Verdict(set(), ((), (), ())))
            found.rules |= rules
            if judged:
                found.policy = (tls.protocols, ciphers, tls.ciphersuites)
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


def differences(before: dict[str, Verdict], after: dict[str, Verdict],
                name: Callable[[str], str] = str) -> dict[str, tuple[set[str], set[str]]]:
    """Per site (`name` of its key): the rule ids only the input gets, and only the
    re-rendered config gets; sites that agree are left out. Policies must agree exactly."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None:
            assert a.policy == b.policy, (key, a.policy, b.policy)
        rules_a = a.rules if a else set()
        rules_b = b.rules if b else set()
        if rules_a != rules_b:
            out[name(key)] = (rules_a - rules_b, rules_b - rules_a)
    return out
