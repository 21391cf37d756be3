"""`tlsconf verify`: for each site, expected (or `--against`) behaviour vs measured → findings.

Per site: a `probe.Plan` (the spec's listen address — a wildcard as loopback — and HTTPS/HTTP
ports, or `--endpoint`; SNI and Host the site's first domain, or `--sni`), then
`compare(expect(site), probe(plan))`, or `compare(probe(against), probe(plan))` in differential
mode. Each difference is a finding of its TLS9xx rule at the spec value that states the
expectation, with the settings' severity overrides and `ignore` list applied as for lint (and
the spec's `# tlsconf: ignore[TLS9xx] reason` comments). Each field not compared is a note.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING

from msgspec import Struct, structs

from tlsconf.config import Settings
from tlsconf.errors import Location, TlsconfError
from tlsconf.findings import Finding
from tlsconf.lint import Report
from tlsconf.verify.compare import Comparison, Skip, compare
from tlsconf.verify.expect import Certificate, expect, probe_name
from tlsconf.verify.probe import Plan, connect_host, probe
from tlsconf.verify.rules import ORIGIN_FIELD, RULE_OF, Sides, describe, items
from tlsconf.verify.scan import Unreachable

if TYPE_CHECKING:
    from tlsconf.policy import SitePolicy
    from tlsconf.specfile import LoadedSpec


class Options(Struct, frozen=True):
    endpoint: tuple[str, int] | None = None  # --endpoint (host already resolved to an address)
    against: tuple[str, int] | None = None  # --against
    sni: str | None = None
    target: str | None = None
    client_cert: tuple[str, str] | None = None
    timeout: float = 5.0


def parse_endpoint(option: str, text: str) -> tuple[str, int]:
    """`HOST:PORT` or `[IPv6]:PORT` → (address, port); a name is resolved once, here, so
    every connection goes to the one address the user named."""
    host, sep, port_text = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise TlsconfError.single(Location(option), "",
                                  f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8443, "
                                  "[::1]:8443, example.com:443)")
    try:
        info = socket.getaddrinfo(host, int(port_text), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TlsconfError.single(Location(option), "",
                                  f"cannot resolve {host!r}: {error}") from None
    return str(info[0][4][0]), int(port_text)


def plan_for(site: SitePolicy, options: Options, endpoint: tuple[str, int] | None) -> Plan:
    """What to measure for `site` at `endpoint` (None: the spec's listen address). The
    plain-HTTP redirect is measured on the spec's HTTP port of the same host, when the spec
    redirects and this is not a differential run (the other endpoint's HTTP port is unknown)."""
    if endpoint is None:
        host, port = connect_host(site.address), site.https_port
    else:
        host, port = endpoint
    measure_http = site.redirect_http and options.against is None
    return Plan(host=host, port=port, sni=options.sni or probe_name(site.domains[0]),
                names=tuple(probe_name(d) for d in site.domains),
                http_port=site.http_port if measure_http else None,
                client_cert=options.client_cert, timeout=options.timeout,
                deadline=max(30.0, 12 * options.timeout))


def verify(loaded: LoadedSpec, sites: Sequence[SitePolicy], options: Options,
           settings: Settings) -> Report:
    """Raises TlsconfError (bad input) or Unreachable (an endpoint)."""
    from tlsconf.lint.engine import apply_suppressions, severity_of
    from tlsconf.lint.suppress import scan
    from tlsconf.rules import get

    findings: list[Finding] = []
    notes: list[str] = []
    certs: dict[str, Certificate] = {}
    for site in sites:
        plan = plan_for(site, options, options.endpoint)
        served, offered = probe(plan)
        if options.against is not None:
            reference_plan = plan_for(site, options, options.against)
            reference, also = probe(reference_plan)
            offered = structs.replace(
                offered, ciphers=offered.ciphers & also.ciphers,
                ciphersuites=offered.ciphersuites & also.ciphersuites,
                groups=offered.groups & also.groups)
            label = reference_plan.endpoint
        else:
            reference = expect(site, sites, loaded, options.target, certs)
            label = "the spec"
        result = compare(reference, served, offered)
        findings += _findings(site, plan, result, label, settings, severity_of, get)
        notes += [_note(site, skip, plan, label, options.target) for skip in result.skipped]
    name = loaded.document.name
    filtered = apply_suppressions(sorted(findings),
                                  scan(name, loaded.data.decode("utf-8", "replace")), settings)
    # The spec's suppressions are also lint's: their own problems (TLS001-003) are lint's too.
    kept = [f for f in filtered.findings if f.rule_id.startswith("TLS9")]
    return Report(files=[name], findings=kept, suppressed=filtered.suppressed,
                  sites=len(sites), notes=notes)


def _findings(site: SitePolicy, plan: Plan, result: Comparison, label: str, settings: Settings,
              severity_of: object, get: object) -> list[Finding]:
    out = []
    http = f"{plan.endpoint.rsplit(':', 1)[0]}:{plan.http_port}"
    sides = Sides(plan.endpoint, plan.sni, label, http)
    for diff in result.differences:
        rule = get(RULE_OF[diff.aspect])  # type: ignore[operator]
        origin = site.tls_origin(ORIGIN_FIELD[diff.aspect])
        out.append(Finding(origin.location or site.location, rule.id, rule.name,
                           severity_of(rule, settings), describe(diff, sides),  # type: ignore[operator]
                           f"sites[{site.index}].{_field(diff.aspect)}", items(diff),
                           _value(diff)))
    return out


def _field(aspect: str) -> str:
    name = ORIGIN_FIELD[aspect]
    site_level = ("domains", "http2", "redirect_http", "hsts")
    return name if name in site_level else f"tls.{name}"


def _value(diff: object) -> object:
    import msgspec

    return msgspec.to_builtins({"expected": diff.expected, "served": diff.served},  # type: ignore[attr-defined]
                               enc_hook=str)


def _note(site: SitePolicy, skip: Skip, plan: Plan, label: str, target: str | None) -> str:
    what = skip.aspect + (f" ({skip.case})" if skip.case else "")
    if skip.aspect == "redirect" and label != "the spec":
        why = "differential mode (the plain-HTTP port of --against is not known)"
    elif skip.side == "served" or skip.side == "both":
        why = f"not measured on {plan.endpoint}"
        if skip.aspect == "hsts":
            why = f"{plan.endpoint} gave no {skip.case} answer to GET / or GET /%zz"
        elif skip.aspect.startswith("resumption"):
            why = f"{plan.endpoint} does not speak TLS 1.2"
    elif label == "the spec":
        why = "the spec does not predict it"
        if target is None and skip.aspect == "resumption_tickets":
            why = "the spec leaves it to the server; --target NAME predicts that server's"
    else:
        why = f"not measured on {label}"
    return f"{site.name}: {what} not compared: {why}"


__all__ = ["Options", "Unreachable", "parse_endpoint", "plan_for", "verify"]
