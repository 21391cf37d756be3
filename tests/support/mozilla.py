"""Check a running server against Mozilla's server-side TLS guidelines with sslyze.

``mozilla_check(port, sni, profile, guideline, cafile)`` scans 127.0.0.1:port (SNI =
``sni``, no DNS) with the scan commands sslyze's own checker needs and returns the
checker's issues: ``{}`` means compliant.

What ``check_server_against_tls_configuration`` (sslyze 6.x) actually looks at:

* per served certificate (only the SNI deployments, not the no-SNI one): path
  validation against the trust stores -- which uses ``cryptography``'s strict verifier
  *including hostname matching* -- so ``cafile`` must contain our test CA and the
  leaf must carry ``sni`` in its SANs; ECDSA curve in ``certificate_curves``; RSA size
  ≥ ``rsa_key_size``; lifespan ``.days`` ≤ ``maximum_certificate_lifespan`` (90 for
  modern); and across all deployments at least one allowed key type and one allowed
  signature algorithm (``ecdsa-with-SHA256`` needs an ECDSA CA; 5.7 *old* wants
  ``sha256WithRSAEncryption``, i.e. an RSA CA);
* accepted TLS versions, ≤1.2 ciphers (IANA names) and TLS 1.3 suites ⊆ the profile;
  smallest ECDH/DH size; accepted curves ⊆ ``tls_curves``;
* TLS compression, CCS injection, Heartbleed, ROBOT, secure renegotiation,
  TLS_FALLBACK_SCSV and Extended Master Secret support. (HSTS and OCSP stapling are
  *not* checked.)

Guideline 6.0 comes from ``tlsconf/data/mozilla-6.0.json``. sslyze's pydantic model
needs ``ciphers.caddy``/``ciphers.go`` (absent from 6.0; both use IANA names, so they
are filled from ``iana``), and 6.0 has no ``old`` profile (``("old", "5.8")`` reads
``mozilla-5.8-old.json`` instead). ``X25519MLKEM768`` is kept and its spellings
aliased: nassl's OpenSSL 1.1.1 cannot offer it, so sslyze never reports it anyway; the
checker only flags curves the server accepts *beyond* the list.

Bounds: sslyze network timeout 5 s with one retry, and the whole scan runs in a
worker thread joined with ``deadline`` (default 120 s; a loopback scan takes seconds).
"""

from __future__ import annotations

import copy
import json
import threading
import warnings
from pathlib import Path
from typing import Any, Literal

from sslyze import (
    CertificateInfoExtraArgument,
    ScanCommandAttemptStatusEnum,
    ScanCommandsExtraArguments,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanResult,
    ServerScanStatusEnum,
)
from sslyze.mozilla_tls_profile.tls_config_checker import (
    SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
    MozillaTlsConfiguration,
    ServerNotCompliantWithTlsConfiguration,
    TlsConfigurationAsJson,
    TlsConfigurationEnum,
    check_server_against_tls_configuration,
)

Profile = Literal["modern", "intermediate", "old"]
Guideline = Literal["5.7", "5.8", "6.0"]

DATA_DIR = Path(__file__).resolve().parents[2] / "tlsconf" / "data"
_GUIDELINE_FILES = {"6.0": "mozilla-6.0.json", "5.8": "mozilla-5.8-old.json"}
# Names the post-quantum hybrid group goes by (IANA/OpenSSL 3.5 vs. other spellings).
_MLKEM_ALIASES = ("X25519MLKEM768", "x25519mlkem768", "X25519_MLKEM768", "x25519_mlkem768")


class ScanFailed(RuntimeError):
    """sslyze could not connect or a scan command errored (not a compliance issue)."""


def load_profile(profile: Profile, guideline: Guideline) -> TlsConfigurationAsJson:
    """The sslyze ``TlsConfigurationAsJson`` for ``profile`` in ``guideline``."""
    if guideline == "5.7":
        return MozillaTlsConfiguration.get(TlsConfigurationEnum(profile))
    if guideline not in _GUIDELINE_FILES:
        raise ValueError(f"unknown guideline {guideline!r} (5.7, 5.8 (old only), 6.0)")
    data = json.loads((DATA_DIR / _GUIDELINE_FILES[guideline]).read_text())
    configs = data["configurations"]
    if profile not in configs:
        hint = ' (Mozilla dropped "old" in 6.0; use guideline "5.8")' if profile == "old" else ""
        raise ValueError(f"guideline {guideline} has no {profile!r} profile{hint}")
    cfg: dict[str, Any] = copy.deepcopy(configs[profile])
    ciphers = cfg.setdefault("ciphers", {})
    ciphers.setdefault("iana", [])
    ciphers.setdefault("openssl", [])
    ciphers.setdefault("caddy", list(ciphers["iana"]))
    ciphers.setdefault("go", list(ciphers["iana"]))
    curves = list(cfg.get("tls_curves", []))
    if any(c in _MLKEM_ALIASES for c in curves):
        curves += [a for a in _MLKEM_ALIASES if a not in curves]
    cfg["tls_curves"] = curves
    return TlsConfigurationAsJson(**cfg)


def sslyze_scan(
    port: int,
    sni: str,
    cafile: Path | str,
    *,
    commands: set[Any] | None = None,
    network_timeout: int = 5,
    deadline: float = 120.0,
) -> ServerScanResult:
    """Run an sslyze scan of 127.0.0.1:port (hostname/SNI ``sni``), bounded by ``deadline``."""
    request = ServerScanRequest(
        server_location=ServerNetworkLocation(sni, port, ip_address="127.0.0.1"),
        network_configuration=ServerNetworkConfiguration(
            tls_server_name_indication=sni,
            network_timeout=network_timeout,
            network_max_retries=1,
        ),
        scan_commands=set(commands or SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER),
        scan_commands_extra_arguments=ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(cafile))
        ),
    )
    results: list[ServerScanResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            scanner = Scanner(per_server_concurrent_connections_limit=5)
            scanner.queue_scans([request])
            results.extend(scanner.get_results())
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, name="sslyze-scan", daemon=True)
    with warnings.catch_warnings():
        # sslyze's *bundled* trust stores contain a negative-serial root; not our PKI.
        warnings.filterwarnings("ignore", message="Parsed a serial number which wasn't positive")
        worker.start()
        worker.join(deadline)
    if worker.is_alive():
        raise TimeoutError(f"sslyze scan of 127.0.0.1:{port} exceeded {deadline:.0f}s")
    if errors:
        raise ScanFailed(f"sslyze crashed: {errors[0]!r}") from errors[0]
    if len(results) != 1:
        raise ScanFailed(f"expected one sslyze result, got {len(results)}")
    result = results[0]
    if result.scan_status != ServerScanStatusEnum.COMPLETED:
        trace = (
            "".join(result.connectivity_error_trace.format())
            if result.connectivity_error_trace
            else ""
        )
        raise ScanFailed(f"sslyze could not scan 127.0.0.1:{port} ({sni}): {trace}")
    failed = []
    for command in request.scan_commands:
        attempt = getattr(result.scan_result, command.value)
        if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
            trace = "".join(attempt.error_trace.format()) if attempt.error_trace else ""
            failed.append(f"{command.value}: {attempt.error_reason}\n{trace}")
    if failed:
        raise ScanFailed("sslyze scan commands failed:\n" + "\n".join(failed))
    return result


def check_result(result: ServerScanResult, config: TlsConfigurationAsJson) -> dict[str, str]:
    """Issues of an existing scan against a profile (``{}`` when compliant)."""
    try:
        check_server_against_tls_configuration(result, config)
    except ServerNotCompliantWithTlsConfiguration as exc:
        return dict(exc.issues)
    return {}


def mozilla_check(
    port: int,
    sni: str,
    profile: Profile,
    guideline: Guideline,
    cafile: Path | str,
    *,
    deadline: float = 120.0,
) -> dict[str, str]:
    """Scan 127.0.0.1:port and return Mozilla ``profile``/``guideline`` issues; ``{}`` = OK."""
    config = load_profile(profile, guideline)
    return check_result(sslyze_scan(port, sni, cafile, deadline=deadline), config)
