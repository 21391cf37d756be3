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
from tlsconf.findings import Finding, Severity
from tlsconf.lint import Report
from tlsconf.verify.behaviour import Behaviour
from tlsconf.verify.compare import Difference, Skip, compare
from tlsconf.verify.expect import Certificate, expect, probe_name
from tlsconf.verify.messages import Sides, describe, items, where
from tlsconf.verify.probe import CLIENT_ERROR_PATHS, Plan, connect_host, probe
from tlsconf.verify.rules import ORIGIN_FIELD, RULE_OF
from tlsconf.verify.scan import Unreachable

if TYPE_CHECKING:
    from tlsconf.policy import SitePolicy
    from tlsconf.specfile import LoadedSpec
    from tlsconf.verify.differential import Documented


class Options(Struct, frozen=True):
    endpoint: tuple[str, int] | None = None  # --endpoint (host already resolved to an address)
    against: tuple[str, int] | None = None  # --against
    sni: str | None = None
    target: str | None = None  # the target of the endpoint tested (--target)
    against_target: str | None = None  # the target of --against: documents their differences
    client_cert: tuple[str, str] | None = None
    timeout: float = 5.0
    http_port: int | None = None  # --http-port (else the site's http_port)
    against_http_port: int | None = None  # --against-http-port (else no redirect compared)


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


def plan_for(site: SitePolicy, options: Options, endpoint: tuple[str, int] | None,
             http_port: int | None = None) -> Plan:
    """What to measure for `site` at `endpoint` (None: the spec's listen address). The
    plain-HTTP redirect is measured on the same host, at `http_port` (else the spec's HTTP
    port), when the spec redirects; in a differential run only when the HTTP port of
    --against is given (`--against-http-port`), so both sides are measured or neither."""
    if endpoint is None:
        host, port = connect_host(site.address), site.https_port
    else:
        host, port = endpoint
    measure_http = site.redirect_http and (options.against is None
                                           or options.against_http_port is not None)
    return Plan(host=host, port=port, sni=options.sni or probe_name(site.domains[0]),
                names=tuple(probe_name(d) for d in site.domains),
                http_port=(http_port or site.http_port) if measure_http else None,
                client_cert=options.client_cert if site.tls.client_auth else None,
                timeout=options.timeout,
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
    # The default server of a listener decides what clients without SNI get, also when only
    # another site of it is verified (`--site`): the spec's other sites take part in that.
    from tlsconf.policy import resolve

    named = {site.name for site in sites}
    everyone = (*sites, *(s for s in resolve(loaded) if s.name not in named))
    # Every expectation first: bad input (an unreadable certificate file) is found before
    # anything is contacted.
    expected = {site.name: _with_client_cert(expect(site, everyone, loaded, options.target,
                                                    certs), site, options)
                for site in sites} if options.against is None else {}
    for site in sites:
        plan = plan_for(site, options, options.endpoint, options.http_port)
        served, offered = probe(plan)
        if options.against is not None:
            reference_plan = plan_for(site, options, options.against, options.against_http_port)
            reference, also = probe(reference_plan)
            served, reference = _own_port(served, plan), _own_port(reference, reference_plan)
            offered = structs.replace(
                offered, ciphers=offered.ciphers & also.ciphers,
                ciphersuites=offered.ciphersuites & also.ciphersuites,
                groups=offered.groups & also.groups)
            label = reference_plan.endpoint
            reference_http = _http_endpoint(reference_plan)
        else:
            reference = expected[site.name]
            label, reference_http = "the spec", ""
        result = compare(reference, served, offered)
        judged: list[tuple[Difference, str | None]] = [(d, None) for d in result.differences]
        if options.against is not None and options.against_target and options.target:
            from tlsconf.verify.differential import predict, split

            documented = predict(site, everyone, loaded, options.against_target,
                                 options.target, offered, certs)
            judged, unseen = split(result, documented)
            findings += _unseen(site, plan, unseen, label, settings, severity_of, get)
        findings += _findings(site, judged, Sides(plan.endpoint, plan.sni, label,
                              _http_endpoint(plan), reference_http), settings,
                              severity_of, get)
        notes += [_note(site, skip, plan, label, options.target) for skip in result.skipped
                  if _applies(skip)]
    name = loaded.document.name
    filtered = apply_suppressions(sorted(findings),
                                  scan(name, loaded.data.decode("utf-8", "replace")), settings)
    # The spec's suppressions are also lint's: their own problems (TLS001-003) are lint's too.
    kept = [f for f in filtered.findings if f.rule_id.startswith("TLS9")]
    return Report(files=[name], findings=kept, suppressed=filtered.suppressed,
                  sites=len(sites), notes=notes)


def _with_client_cert(behaviour: Behaviour, site: SitePolicy, options: Options) -> Behaviour:
    """With `--client-cert`, a site with client_auth must serve the request presenting it (the
    user gives one the spec's CA issued). Other sites are not asked (`plan_for`)."""
    if options.client_cert is None or site.tls.client_auth is None:
        return behaviour
    return structs.replace(behaviour, client_cert_accepted=True)


def _own_port(behaviour: Behaviour, plan: Plan) -> Behaviour:
    """Differential mode: a redirect to the endpoint's own TLS port is the same behaviour on
    two servers that listen on different ports, so that port is written as `<its TLS port>`
    (`https://a.test:8443/verify` and `https://a.test:9443/verify` from 8443 and 9443 agree)."""
    answer = behaviour.redirect
    own = f":{plan.port}/"
    if answer is None or answer.location is None or own not in answer.location:
        return behaviour
    location = answer.location.replace(own, ":<its TLS port>/", 1)
    return structs.replace(behaviour, redirect=structs.replace(answer, location=location))


def _applies(skip: Skip) -> bool:
    """A skip worth a note: the client-certificate request not made on either side (no
    --client-cert, or a site without client_auth) is not a check left out but none to make."""
    return not (skip.aspect == "client_cert_accepted" and skip.side == "both")


def _http_endpoint(plan: Plan) -> str:
    """The plain-HTTP endpoint of the redirect check, `127.0.0.1:8080`."""
    return f"{plan.endpoint.rsplit(':', 1)[0]}:{plan.http_port}"


def _findings(site: SitePolicy, judged: list[tuple[Difference, str | None]], sides: Sides,
              settings: Settings, severity_of: object, get: object) -> list[Finding]:
    """A finding per difference; a documented one (with its reason) is info, not failing."""
    out = []
    for diff, documented in judged:
        rule = get(RULE_OF[diff.aspect])  # type: ignore[operator]
        origin = site.tls_origin(ORIGIN_FIELD[diff.aspect])
        message = describe(diff, sides)
        severity = severity_of(rule, settings)  # type: ignore[operator]
        if documented is not None:
            message, severity = f"{message} (documented: {documented})", Severity.INFO
        out.append(Finding(origin.location or site.location, rule.id, rule.name, severity,
                           message, f"sites[{site.index}].{_field(diff.aspect)}", items(diff),
                           _value(diff)))
    return out


def _unseen(site: SitePolicy, plan: Plan, unseen: Sequence[Documented], label: str,
            settings: Settings, severity_of: object, get: object) -> list[Finding]:
    """A documented difference that did not show: one side is not what its target renders."""
    out = []
    for documented in unseen:
        diff = documented.difference
        rule = get(RULE_OF[diff.aspect])  # type: ignore[operator]
        origin = site.tls_origin(ORIGIN_FIELD[diff.aspect])
        case = f" ({diff.case})" if diff.case else ""
        message = (f"{where(plan.endpoint, plan.sni)} and {label} agree on {diff.aspect}{case}, "
                   f"where their targets differ ({documented.why}): one of them does not serve "
                   "what tlsconf renders for its target")
        out.append(Finding(origin.location or site.location, rule.id, rule.name,
                           severity_of(rule, settings), message,  # type: ignore[operator]
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
    if skip.aspect == "redirect" and not site.redirect_http:
        why = "the spec does not redirect plain HTTP (redirect_http: false)"
    elif skip.aspect == "redirect" and label != "the spec":
        why = ("differential mode without --against-http-port (the plain-HTTP port of "
               "--against)")
    elif skip.side == "served" or skip.side == "both":
        why = f"not measured on {plan.endpoint}"
        if skip.aspect == "hsts":
            tried = " or ".join(("/", *CLIENT_ERROR_PATHS))
            why = f"{plan.endpoint} gave no {skip.case} answer to GET {tried}"
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
