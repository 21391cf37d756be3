"""TLS8xx — certificates, private keys, DH parameter and CA files, checked offline.

Each rule is one check of `tlsconf.certs.checks` (names, default severities and summaries come
from its catalogue, `tlsconf.certs.issues.CHECKS`). All rules of a site share one read of its
files: `_judge` memoises on the paths, their stat signatures (so an edited file is read
again), the judged names, profile, stapling, expiry threshold and the instant judged at (`ctx.now`:
`--as-of`, else the start of the run).

What is read: the certificate, key, `dhparam`, `trusted_ca` and `client_auth.ca` files a site
names (for HAProxy `crt FILE`, the key inside FILE or in FILE.key). Each file that exists on
this machine is judged on its own: a spec or config linted away from its server yields no
findings for the files that are not here (a 1024-bit `dhparam` next to it is still flagged),
and once the certificate is here, a missing key, DH or CA file is a finding. Chains are
finished with the system CA bundle plus the private CAs the settings declare (`trust:`,
`--ca-file`). Not judged: relative paths and paths with variables (the server resolves them,
not tlsconf), HAProxy `crt` directories.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from msgspec import Struct

from tlsconf.certs.issues import CHECKS, CertIssue, safe_text
from tlsconf.lint.model import Hit, Subject
from tlsconf.rules.base import Check, Context, Rule, rule

RULES: list[Rule] = []
# The inputs whose ingesters report certificate paths (the Traefik one does not read
# certFile/keyFile yet).
KINDS = frozenset({"spec", "nginx", "haproxy", "envoy", "caddy"})

BR = "CA/Browser Forum Baseline Requirements — https://cabforum.org/working-groups/server/baseline-requirements/"
MOZILLA = "Mozilla Server Side TLS — https://wiki.mozilla.org/Security/Server_Side_TLS"
NGINX_CERT = "nginx ssl_certificate — https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_certificate"
RFC5280 = "RFC 5280 (X.509 profile) — https://www.rfc-editor.org/rfc/rfc5280"
APPLE_398 = ("Apple: about upcoming limits on trusted certificates — "
             "https://support.apple.com/en-us/102028")
SC081_REF = ("CA/B Forum ballot SC-081v3 — "
             "https://cabforum.org/2025/04/11/ballot-sc081v3-introduce-schedule-of-reducing-validity-and-data-reuse-periods/")
APPLE = "Apple: requirements for trusted certificates — https://support.apple.com/en-us/103769"


class _Files(Struct, frozen=True):
    cert: str | None  # None: the site names none, or it is not on this machine
    key: str | None
    bundle: bool  # HAProxy `crt FILE` without a key: the key is in FILE or in FILE.key
    dhparam: str | None
    cas: tuple[str, ...]

    def field(self, path: str) -> str:
        """The policy field that names `path` (where the finding points)."""
        if path == self.cert:
            return "certificate"
        if path == self.key:
            return "key"
        return "dhparam" if path == self.dhparam else "client_auth" if path in self.cas else \
            "certificate"

    def stamps(self) -> tuple[tuple[int, ...], ...]:
        """Identity, size, mtime and mode of each file: a changed file is judged again."""
        paths = (self.cert, self.key, self.cert + ".key" if self.bundle and self.cert else None,
                 self.dhparam, *self.cas)
        return tuple(_stamp(p) for p in paths if p)


def _judged(path: str | None) -> bool:
    return bool(path) and os.path.isabs(path or "") and "$" not in (path or "")


def _files(subject: Subject) -> _Files | None:
    """The files to judge: all the site names when its certificate is here (a missing one is
    a finding), else only those that exist; None when there is nothing to judge."""
    tls = subject.site.tls
    cert: str | None = tls.certificate
    here = _judged(cert) and os.path.lexists(cert or "") and not os.path.isdir(cert or "")

    def wanted(path: str | None) -> str | None:
        return path if path and _judged(path) and (here or os.path.lexists(path)) else None

    cas = tuple(p for p in (tls.trusted_ca, tls.client_auth.ca if tls.client_auth else None)
                if p and wanted(p))
    found = _Files(cert if here else None, wanted(tls.key),
                   here and not tls.key and subject.kind == "haproxy", wanted(tls.dhparam), cas)
    return found if found.cert or found.key or found.dhparam or found.cas else None


def _names(domains: tuple[str, ...]) -> tuple[str, ...]:
    """The names a certificate must cover: nginx's `.example.com` is example.com; regexes,
    `_` and other names no certificate can hold are skipped."""
    from tlsconf.certs import san

    out = []
    for name in domains:
        name = name[1:] if name.startswith(".") else name
        try:
            san.normalise(name)
        except ValueError:
            continue
        out.append(name)
    return tuple(out)


def _stamp(path: str) -> tuple[int, ...]:
    try:
        info = os.stat(path)
    except OSError:
        return ()
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_mode)


@lru_cache(maxsize=1024)
def _judge(found: _Files, names: tuple[str, ...], profile: str, stapling: bool,
           expiry_days: int, trust: tuple[str, ...], stamps: tuple[tuple[int, ...], ...],
           now: dt.datetime) -> tuple[CertIssue, ...]:
    from tlsconf.certs.checks import san_mismatch

    issues, sans = _judge_files(found, profile, stapling, expiry_days, trust, stamps, now)
    if sans is None or found.cert is None:
        return issues
    mismatch = san_mismatch(found.cert, sans, names)
    return issues if mismatch is None else tuple(sorted((*issues, mismatch)))


@lru_cache(maxsize=256)
def _judge_files(found: _Files, profile: str, stapling: bool, expiry_days: int,
                 trust: tuple[str, ...], stamps: tuple[tuple[int, ...], ...], now: dt.datetime
                 ) -> tuple[tuple[CertIssue, ...], Any]:
    """Everything but the SAN check, once per set of files (1000 sites sharing a wildcard
    certificate read and verify it once), and the leaf's SANs for the per-site SAN check."""
    from tlsconf import profiles
    from tlsconf.certs import chain, files
    from tlsconf.certs.checks import Thresholds, check_certificate_files, leaf_names

    key = files.bundle_key_path(found.cert) if found.bundle and found.cert else found.key
    issues = tuple(check_certificate_files(
        found.cert, key, domains=(), profile=profiles.get(profile), now=now, stapling=stapling,
        thresholds=Thresholds(expiry_warning_days=expiry_days), dhparam_path=found.dhparam,
        # No anchors: the system store, read only when a chain stops before a root.
        ca_paths=found.cas, trust=chain.with_anchors(trust) if trust else None))
    if found.cert is None:
        return issues, None
    certs, _ = files.read_certificates(found.cert)
    return issues, leaf_names(certs) if certs else None


# The last (subject, context) judged and its (files, issues): the family's rules run one
# after the other on each subject, and the context is new for every `judge` run.
_LAST: list[Any] = [None, None, (None, ())]


def _site_issues(subject: Subject, ctx: Context) -> tuple[_Files | None, tuple[CertIssue, ...]]:
    if _LAST[0] is subject and _LAST[1] is ctx:
        result: tuple[_Files | None, tuple[CertIssue, ...]] = _LAST[2]
        return result
    found = _files(subject) if ctx.settings.certificates else None
    issues: tuple[CertIssue, ...] = ()
    if found is not None:
        issues = _judge(found, _names(subject.site.domains), ctx.profile.name,
                        subject.site.tls.ocsp_stapling, ctx.settings.cert_expiry_days,
                        ctx.settings.trust, found.stamps(), ctx.now)
    _LAST[:] = [subject, ctx, (found, issues)]
    return found, issues


def _hits(subject: Subject, ctx: Context, name: str) -> Iterator[Hit]:
    found, issues = _site_issues(subject, ctx)
    if found is None:
        return
    for issue in issues:
        if issue.check == name:
            yield Hit(found.field(issue.path), f"{safe_text(issue.path)}: {issue.message}")


# --- the rules ---------------------------------------------------------------------------


def _check(name: str) -> Check:
    """The site's issues of the check `name` of `tlsconf.certs.checks`."""

    def check(subject: Subject, ctx: Context) -> Iterator[Hit]:
        return _hits(subject, ctx, name)

    return check


def _declare(table: Iterable[tuple[str, str, Mapping[str, object]]]) -> None:
    """One rule per (id, check name, documentation) row; its severity and summary come from
    the check's catalogue entry."""
    for rule_id, name, doc in table:
        entry = CHECKS[name]
        summary = entry.summary[0].upper() + entry.summary[1:] + "."
        rule(RULES, id=rule_id, name=name, severity=entry.severity, summary=summary,
             applies_to=KINDS, **doc)(_check(name))


# (id, check name, documentation), in id order.
_RULES: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("TLS801", "cert-file-unreadable", dict(
        why="The server cannot start (nginx, HAProxy) or serves its default certificate "
            "(Traefik) when a file it names is missing or unreadable.",
        bad="ssl_certificate /etc/ssl/site.pem;  # the certificate is here\n"
            "ssl_certificate_key /etc/ssl/private/site.key;  # no such file",
        good="ssl_certificate /etc/ssl/site.pem;\n"
             "ssl_certificate_key /etc/ssl/private/site.key;  # present, mode 0600",
        fix="Point the setting at the file, or make it readable by the server's user.",
        references=(NGINX_CERT,))),
    ("TLS802", "cert-file-invalid", dict(
        why="A file that does not hold a parseable certificate, private key or DH "
            "parameters stops the server at start-up.",
        bad="ssl_certificate /etc/ssl/site.key;  # the key, not the certificate",
        good="ssl_certificate /etc/ssl/site.pem;",
        fix="Point each setting at a PEM file of the right kind.", references=(NGINX_CERT,))),
    ("TLS803", "cert-key-encrypted", dict(
        why="Nothing is wrong with an encrypted key (nginx `ssl_password_file`), but tlsconf "
            "cannot check that it matches the certificate or how strong it is.",
        bad="ssl_certificate_key /etc/ssl/private/site.key;  # ENCRYPTED PRIVATE KEY",
        good="ssl_certificate_key /etc/ssl/private/site.key;  # PRIVATE KEY, mode 0600",
        fix="Nothing to fix; suppress it, or check the key with `openssl pkey` yourself.",
        references=(NGINX_CERT,))),
    ("TLS804", "cert-expired", dict(
        why="Every client refuses an expired certificate; an expired intermediate breaks "
            "the chain just the same.",
        bad="ssl_certificate /etc/ssl/site.pem;  # notAfter: last month",
        good="ssl_certificate /etc/ssl/site.pem;  # renewed: notAfter in 60 days",
        fix="Renew the certificate (automate it with ACME) and reload the server.",
        references=(RFC5280,))),
    ("TLS805", "cert-expiring-soon", dict(
        why="A certificate that expires within the threshold (30 days unless "
            "`cert_expiry_days` says otherwise) means renewal is not working.",
        bad="ssl_certificate /etc/ssl/site.pem;  # notAfter in 9 days",
        good="ssl_certificate /etc/ssl/site.pem;  # notAfter in 60 days",
        fix="Renew now and check why automated renewal did not.",
        references=("Let's Encrypt: why ninety-day lifetimes — https://letsencrypt.org/2015/11/09/why-90-days/",))),
    ("TLS806", "cert-not-yet-valid", dict(
        why="Clients refuse a certificate before its notBefore date: a clock or deployment "
            "mistake.",
        bad="ssl_certificate /etc/ssl/site.pem;  # notBefore: tomorrow",
        good="ssl_certificate /etc/ssl/site.pem;  # notBefore: yesterday",
        fix="Check the issuing machine's clock, or deploy the certificate once it is valid.",
        references=(RFC5280,))),
    ("TLS807", "cert-weak-key", dict(
        why="RSA keys under 2048 bits are within reach of factoring; DSA certificates and "
            "curves other than P-256/P-384 are refused by browsers.",
        bad="ssl_certificate /etc/ssl/site.pem;  # RSA 1024",
        good="ssl_certificate /etc/ssl/site.pem;  # ECDSA P-256 (or RSA 2048+)",
        fix="New key and certificate: `tlsconf cert csr --domain ...` makes an ECDSA P-256 "
            "key and CSR.",
        references=(MOZILLA, BR))),
    ("TLS808", "cert-key-type-not-allowed", dict(
        why="Each Mozilla profile names the certificate types its clients get: modern is "
            "ECDSA only, old is RSA (for clients without ECDSA).",
        bad="# profile: modern\nssl_certificate /etc/ssl/site.pem;  # RSA 2048",
        good="# profile: modern\nssl_certificate /etc/ssl/site.pem;  # ECDSA P-256",
        fix="Issue a certificate of an allowed type (`tlsconf cert csr --key-type ...`), or "
            "judge the site against another profile.",
        references=(MOZILLA,))),
    ("TLS809", "cert-weak-signature", dict(
        why="SHA-1 collisions are practical (SHAttered, 2017) and MD5 ones trivial; "
            "browsers refuse such signatures on leaves and intermediates.",
        bad="ssl_certificate /etc/ssl/site.pem;  # sha1WithRSAEncryption",
        good="ssl_certificate /etc/ssl/site.pem;  # ecdsa-with-SHA256",
        fix="Have the certificate (or the intermediate) reissued with SHA-256.",
        references=("SHAttered — https://shattered.io/", BR))),
    ("TLS810", "cert-key-mismatch", dict(
        why="A key that does not belong to the certificate stops the server at start-up "
            "(nginx: \"key values mismatch\").",
        bad="ssl_certificate /etc/ssl/new.pem;\nssl_certificate_key /etc/ssl/private/old.key;",
        good="ssl_certificate /etc/ssl/new.pem;\nssl_certificate_key /etc/ssl/private/new.key;",
        fix="Pair the certificate with the key its CSR was made from.",
        references=(NGINX_CERT,))),
    ("TLS811", "cert-san-mismatch", dict(
        why="Clients match the name they asked for against the subjectAltName only (the CN "
            "is ignored); a wildcard covers exactly one label.",
        bad="server_name example.com www.example.com;\n"
            "ssl_certificate /etc/ssl/site.pem;  # SAN: www.example.com",
        good="server_name example.com www.example.com;\n"
             "ssl_certificate /etc/ssl/site.pem;  # SAN: example.com, www.example.com",
        fix="Reissue the certificate with every served name in its SAN "
            "(`tlsconf cert csr --spec FILE --site NAME`).",
        references=("RFC 6125 (service identity) — https://www.rfc-editor.org/rfc/rfc6125", BR))),
    ("TLS812", "cert-self-signed", dict(
        why="No client trusts a self-signed leaf unless told to; users learn to click "
            "through certificate warnings.",
        bad="ssl_certificate /etc/ssl/selfsigned.pem;  # issuer = subject",
        good="ssl_certificate /etc/ssl/site.pem;  # issued by a CA",
        fix="Use a certificate from a CA (ACME); for local development, `tlsconf cert dev`.",
        references=(RFC5280,))),
    ("TLS813", "cert-chain-order", dict(
        why="The server sends the file as written: the leaf must come first and each "
            "certificate be followed by its issuer. Strict clients refuse other orders and "
            "HAProxy/nginx take the first certificate as the leaf.",
        bad="ssl_certificate /etc/ssl/site.pem;  # intermediate, then leaf",
        good="ssl_certificate /etc/ssl/site.pem;  # leaf, then intermediate",
        fix="Rewrite the file leaf first (`cat leaf.pem intermediate.pem`); drop "
            "certificates that are not on the chain.",
        references=("RFC 8446 §4.4.2 — https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2",
                    NGINX_CERT))),
    ("TLS814", "cert-chain-incomplete", dict(
        why="Clients that do not fetch missing intermediates (most non-browsers, Firefox "
            "on first visit) refuse a chain that stops before a trusted root.",
        bad="ssl_certificate /etc/ssl/cert.pem;  # the leaf alone",
        good="ssl_certificate /etc/ssl/fullchain.pem;  # leaf + intermediate",
        fix="Serve the full chain (the ACME client's fullchain.pem).",
        references=(NGINX_CERT,))),
    ("TLS815", "cert-lifetime-too-long", dict(
        why="CA/B Forum ballot SC-081v3 caps publicly trusted leaves (a chain that ends at a "
            "root of the system store) by their notBefore date: 398 days before 2026-03-15, "
            "200 days from 2026-03-15, 100 days from 2027-03-15, 47 days from 2029-03-15; "
            "browsers refuse longer ones. A private CA's leaf (`trust:`, `--ca-file`, or a "
            "root the file carries) keeps the flat 398 days: long lifetimes hide broken "
            "renewal.",
        bad="ssl_certificate /etc/ssl/site.pem;  # public CA, notBefore 2026-04-01, 365 days",
        good="ssl_certificate /etc/ssl/site.pem;  # public CA, notBefore 2026-04-01, 90 days",
        fix="Issue certificates no longer than the cap (ACME: 90 days, shorter from 2029).",
        references=(SC081_REF, APPLE_398, BR))),
    ("TLS816", "cert-leaf-is-ca", dict(
        why="Clients (Firefox, Go, webpki) refuse a CA certificate as a server certificate; "
            "a leaf that can sign certificates is also dangerous if its key leaks.",
        bad="ssl_certificate /etc/ssl/site.pem;  # basicConstraints CA:TRUE",
        good="ssl_certificate /etc/ssl/site.pem;  # basicConstraints CA:FALSE",
        fix="Reissue the leaf with CA:FALSE.", references=(RFC5280, BR))),
    ("TLS817", "cert-no-server-auth", dict(
        why="Apple platforms and strict verifiers require the serverAuth extended key usage "
            "on a TLS server certificate.",
        bad="ssl_certificate /etc/ssl/site.pem;  # extendedKeyUsage: clientAuth",
        good="ssl_certificate /etc/ssl/site.pem;  # extendedKeyUsage: serverAuth",
        fix="Reissue the certificate with extendedKeyUsage serverAuth.",
        references=(APPLE, BR))),
    ("TLS818", "key-file-permissions", dict(
        why="A private key readable by the group or others can be copied by any local "
            "user or compromised service and used to impersonate the site.",
        bad="ssl_certificate_key /etc/ssl/private/site.key;  # -rw-r--r--",
        good="ssl_certificate_key /etc/ssl/private/site.key;  # -rw------- root",
        fix="`chmod 600` the key (the server reads it as root before dropping privileges).",
        references=(NGINX_CERT,))),
    ("TLS819", "cert-must-staple-without-stapling", dict(
        why="A certificate with the TLS Feature status_request (OCSP Must-Staple) promises a "
            "stapled OCSP response; clients that honour it (Firefox) refuse the connection "
            "without one.",
        bad="ssl_certificate /etc/ssl/must-staple.pem;\nssl_stapling off;",
        good="ssl_certificate /etc/ssl/must-staple.pem;\nssl_stapling on;\n"
             "ssl_stapling_verify on;\nresolver 127.0.0.53;",
        fix="Turn OCSP stapling on, or get a certificate without Must-Staple.",
        references=("RFC 7633 (TLS Feature) — https://www.rfc-editor.org/rfc/rfc7633",))),
    ("TLS820", "dhparam-weak", dict(
        why="The DH parameter file a spec names sets the group for DHE suites; under 2048 "
            "bits it is within reach of precomputation (Logjam).",
        bad="tls:\n  dhparam: /etc/ssl/dh1024.pem",
        good="tls:\n  dhparam: /etc/ssl/ffdhe2048.pem  # or no DHE suites and no dhparam",
        fix="Use 2048-bit (ffdhe2048, RFC 7919) parameters, or drop DHE suites.",
        references=("Logjam — https://weakdh.org/", MOZILLA), example_lang="yaml")),
    ("TLS821", "cert-serial-invalid", dict(
        why="RFC 5280 requires a positive serial number; a zero or negative one comes from a "
            "broken CA or hand-made certificate. Strict clients refuse it, and cryptography "
            "warns that it will refuse to load such certificates.",
        bad="ssl_certificate /etc/ssl/site.pem;  # serial number -1",
        good="ssl_certificate /etc/ssl/site.pem;  # serial number: 20 random positive bytes",
        fix="Have the certificate reissued; a CA you run must draw serials as positive "
            "random integers (`x509.random_serial_number()`).",
        references=("RFC 5280 §4.1.2.2 — https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.2",
                    BR))),
    ("TLS822", "cert-stapling-without-ocsp-url", dict(
        why="A server can only staple what the certificate's OCSP responder (its Authority "
            "Information Access OCSP URL) answers; without one, stapling does nothing (nginx "
            "logs `\"ssl_stapling\" ignored`). Let's Encrypt removed OCSP URLs from its "
            "certificates in 2025.",
        bad="ssl_certificate /etc/ssl/site.pem;  # no OCSP URL\nssl_stapling on;",
        good="ssl_certificate /etc/ssl/site.pem;  # no OCSP URL\nssl_stapling off;",
        fix="Turn stapling off (spec `ocsp_stapling: false`, HAProxy without `ocsp-update`), "
            "or keep it only for certificates that carry an OCSP URL.",
        references=("Let's Encrypt: ending OCSP support in 2025 — "
                    "https://letsencrypt.org/2024/12/05/ending-ocsp/",))),
)
_declare(_RULES)
