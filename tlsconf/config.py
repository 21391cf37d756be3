"""The linter's configuration: `.tlsconf.yaml`, or `[tool.tlsconf]` in pyproject.toml.

    profile: intermediate        # profile sites are judged against (modern/intermediate/old)
    fail_on: warning             # exit 1 at or above this severity
    report_unused_suppressions: false
    hsts_min_age: 31536000       # default: the profile's (two years)
    cert_expiry_days: 30         # certificates expiring sooner are flagged
    certificates: true           # false: skip the TLS8xx family (repos without certificates)
    openssl: "3.0"               # the OpenSSL the servers run on, when known
    nginx_version: "1.22"        # the releases the configs run on, when known: nginx's and
    haproxy_version: "2.6"       #   HAProxy's defaults (protocols, ticket keys) are judged;
    traefik_version: "3.7"       #   Traefik's default: the version tlsconf renders for
    severity: {TLS703: warning}  # per-rule overrides (id or name)
    ignore:                      # project-wide suppressions, each with a reason
      - {rule: TLS704, path: "legacy/*.conf", reason: "fronted by a CDN that drops unknown SNI"}
    trust: [certs/company-ca.pem]  # private CAs that finish certificate chains

Looked up in the current directory, then each parent; in each directory `.tlsconf.yaml`, then
`.tlsconf.yml`, then a pyproject.toml with a `[tool.tlsconf]` table — the first found wins.
`--config FILE` names one explicitly. The date dated rules and certificate expiry are judged
at (`as_of`) is not a setting: it is `lint --as-of DATE` (default: now). Paths in the file
(`ignore[].path` globs, `trust`) are relative to the directory holding it, so a run from a
subdirectory or with absolute paths judges the same files the same way. Unknown keys, unknown
rule ids (in `severity` and `ignore`) and unreadable `trust` files are refused (exit 2), never
ignored.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from tlsconf.errors import Location, TlsconfError
from tlsconf.findings import Severity

CONFIG_NAMES = (".tlsconf.yaml", ".tlsconf.yml", "pyproject.toml")  # lookup order, per directory
_KEYS = ("profile", "fail_on", "report_unused_suppressions", "hsts_min_age", "cert_expiry_days",
         "certificates",
         "openssl", "nginx_version", "haproxy_version", "traefik_version", "severity", "ignore",
         "trust")
UNKNOWN_RULE = "unknown rule id {!r}; known ids: see tlsconf rules"


class Ignore(Struct, frozen=True):
    rule: str  # id, name, or "*"
    path: str  # glob on the finding's file, relative to `root`; "*" for every file
    reason: str
    root: str = ""  # the directory of the settings file (absolute); "" for the current one

    def matches(self, rule_id: str, rule_name: str, file: str) -> bool:
        return self.rule in ("*", rule_id, rule_name) and self.covers(file)

    def covers(self, file: str) -> bool:
        """Does the glob match `file` (as typed: relative to the current directory, or
        absolute)? The glob is matched against the file's path relative to the settings
        file's directory; a glob without `/` also matches the file name alone."""
        if self.path == "*":
            return True
        if "/" not in self.path and fnmatch.fnmatch(os.path.basename(file), self.path):
            return True
        relative = os.path.relpath(os.path.abspath(file), self.root or os.getcwd())
        return not relative.startswith(os.pardir + os.sep) and fnmatch.fnmatch(relative,
                                                                                self.path)


class Settings(Struct, frozen=True):
    profile: str | None = None  # None: a spec site's own profile, else intermediate
    fail_on: Severity = Severity.WARNING
    report_unused_suppressions: bool = False
    hsts_min_age: int | None = None
    cert_expiry_days: int = 30
    certificates: bool = True  # the TLS8xx family reads certificate/key files on this machine
    openssl: tuple[int, ...] | None = None
    nginx_version: tuple[int, ...] | None = None
    haproxy_version: tuple[int, ...] | None = None
    traefik_version: tuple[int, ...] | None = None  # None: the version tlsconf renders for
    severity: dict[str, Severity] = field(default_factory=dict)
    ignore: tuple[Ignore, ...] = ()
    trust: tuple[str, ...] = ()  # CA files (absolute paths) that anchor certificate chains
    source: str = ""  # the file the settings came from
    # The day dated rules and certificate validity are judged at (`--as-of`, 00:00 UTC);
    # None: now. Not a settings-file key: a committed date would silently freeze the checks.
    as_of: dt.date | None = None

    def now(self) -> dt.datetime:
        """The instant the judgement is made at."""
        if self.as_of is None:
            return dt.datetime.now(dt.UTC)
        return dt.datetime(self.as_of.year, self.as_of.month, self.as_of.day, tzinfo=dt.UTC)

    def server_version(self, kind: str) -> tuple[int, ...] | None:
        """The release of the server an input of `kind` runs on, when the settings say."""
        return {"nginx": self.nginx_version, "haproxy": self.haproxy_version,
                "traefik": self.traefik_version}.get(kind)


def find_config(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES[:2]:
            yaml_file = directory / name
            if yaml_file.is_file():
                return yaml_file
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.tlsconf]" in pyproject.read_text("utf-8", "replace"):
            return pyproject
    return None


def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    name = str(path)
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(path.read_text("utf-8")).get("tool", {}).get("tlsconf", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise TlsconfError.single(Location(name), "", f"cannot read: {exc}") from None
        return parse_settings(data, name, lambda where, key: _toml_line(path, str(where[0])))
    from tlsconf import source

    data_bytes = source.read_bytes(name)
    text = source.decode(name, data_bytes)
    if not text.strip():
        return Settings(source=name)
    document = source.load(name, text)
    return parse_settings(document.data, name,
                          lambda where, key: document.locate(where, key=key))


def _toml_line(path: Path, key: str) -> Location:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip().startswith(key):
            return Location(str(path), number, 1)
    return Location(str(path))


def parse_settings(data: Any, name: str, where: Any) -> Settings:
    """`where(path, key)` is the location of the key (`key`) or else the value at `path`."""
    from tlsconf.profiles import PROFILE_NAMES
    from tlsconf.rules import get as rule

    def fail(at: str | tuple[str | int, ...], message: str, key: bool = True) -> TlsconfError:
        """An error at the key `at` (a top-level name or a path), or at its value."""
        path = (at,) if isinstance(at, str) else at
        label = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path if p != "")
        return TlsconfError.single(where(path, key), f"tlsconf{label}", message)

    root = os.path.dirname(os.path.abspath(name)) if name else ""

    if not isinstance(data, dict):
        raise fail("", "must be a mapping")
    for key in data:
        if key not in _KEYS:
            raise fail(key, f"unknown setting {key!r}; allowed: {', '.join(_KEYS)}")
    profile = data.get("profile")
    if profile is not None and profile not in PROFILE_NAMES:
        raise fail("profile", f"unknown profile {profile!r}; allowed: {', '.join(PROFILE_NAMES)}")
    values: dict[str, Any] = {"profile": profile, "source": name}
    if "fail_on" in data:
        values["fail_on"] = _severity(data["fail_on"], lambda m: fail("fail_on", m))
    for key in ("hsts_min_age", "cert_expiry_days"):
        if key in data:
            if not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 0:
                raise fail(key, "must be a non-negative integer")
            values[key] = data[key]
    if "certificates" in data:
        if not isinstance(data["certificates"], bool):
            raise fail("certificates", "must be true or false")
        values["certificates"] = data["certificates"]
    if "report_unused_suppressions" in data:
        if not isinstance(data["report_unused_suppressions"], bool):
            raise fail("report_unused_suppressions", "must be true or false")
        values["report_unused_suppressions"] = data["report_unused_suppressions"]
    for key, example in (("openssl", "3.0"), ("nginx_version", "1.22"),
                         ("haproxy_version", "2.6"), ("traefik_version", "3.7")):
        if key in data:
            if key != "openssl" and not isinstance(data[key], str):  # 1.20 would read as 1.2
                raise fail(key, f"must be a quoted version such as \"{example}\"")
            try:
                values[key] = tuple(int(p) for p in str(data[key]).split("."))
            except ValueError:
                raise fail(key, f"must be a version such as \"{example}\"") from None
    overrides = data.get("severity", {})
    if not isinstance(overrides, dict):
        raise fail("severity", "must map rule ids to info, warning or error")
    values["severity"] = {}
    for key, level in overrides.items():
        if rule(str(key)) is None:
            raise fail(("severity", str(key)), UNKNOWN_RULE.format(str(key)))
        values["severity"][str(key)] = _severity(
            level, lambda m, at=("severity", str(key)): fail(at, m))
    ignores = []
    for number, entry in enumerate(data.get("ignore", []) or []):
        if isinstance(entry, str):
            raise fail("ignore", f"{entry!r}: each ignore needs a reason: "
                                 "{rule: ID, reason: why, path: glob (optional)}")
        if not isinstance(entry, dict) or set(entry) - {"rule", "path", "reason"}:
            raise fail("ignore", "each entry is {rule: ID, reason: why, path: glob (optional)}")
        if not entry.get("rule") or not str(entry.get("reason", "")).strip():
            raise fail("ignore", "each entry needs `rule` and a non-empty `reason`")
        rule_id = str(entry["rule"])
        if rule_id != "*" and rule(rule_id) is None:
            raise fail(("ignore", number, "rule"), UNKNOWN_RULE.format(rule_id), key=False)
        ignores.append(Ignore(rule_id, str(entry.get("path", "*")), str(entry["reason"]), root))
    values["ignore"] = tuple(ignores)
    trust = data.get("trust", [])
    if not isinstance(trust, list) or not all(isinstance(p, str) and p for p in trust):
        raise fail("trust", "must be a list of CA certificate files (PEM), relative to "
                            f"{os.path.basename(name) or 'the settings file'}")
    values["trust"] = tuple(os.path.normpath(os.path.join(root, p)) for p in trust)
    for number, path in enumerate(values["trust"]):
        problem = trust_problem(path)
        if problem is not None:
            raise fail(("trust", number), f"{trust[number]!r} {problem}", key=False)
    return Settings(**values)


def trust_problem(path: str) -> str | None:
    """Why the CA file `path` cannot anchor chains, or None: a trust anchor tlsconf cannot
    read would turn every chain it finishes into a finding, so it is bad input."""
    from tlsconf.certs.chain import anchors

    try:
        anchors((path,))
    except ValueError as error:
        return str(error)
    return None


def _severity(value: Any, fail: Any) -> Severity:
    try:
        return Severity.parse(str(value))
    except KeyError:
        raise fail(f"unknown severity {value!r}; allowed: info, warning, error") from None
