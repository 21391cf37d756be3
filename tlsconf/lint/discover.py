"""`tlsconf lint DIR`: the configs under a directory, found as ruff, yamllint or checkov find
theirs.

The walk is sorted, so the same tree gives the same files in the same order on every run.
Hidden files and directories (`.git`, `.venv`, `.tox`, `.tlsconf.yaml` itself), virtualenvs
(any directory holding `pyvenv.cfg`), `node_modules` and `__pycache__` are skipped; symlinked
directories are not followed (no loops, nothing outside the tree). A file is taken when its
content shows a kind (`ingest.found_kind`), so READMEs, workflows and other YAML are ignored.
Never fail open: a file that may be a config (a config suffix, or nginx/haproxy in its name)
but cannot be read is taken anyway so that reading it reports why (exit 2), an unreadable
directory is an error, and a directory with no config at all is an error, never clean.
"""

from __future__ import annotations

import os
import stat

from tlsconf.errors import Location, Problem

HEAD_BYTES = 1024 * 1024  # the part of each file its kind is told from
SKIP_DIRS = frozenset({"node_modules", "__pycache__"})


def _skipped_dir(parent: str, name: str) -> bool:
    return (name.startswith(".") or name in SKIP_DIRS
            or os.path.isfile(os.path.join(parent, name, "pyvenv.cfg")))


def _may_be_config(name: str) -> bool:
    from tlsconf.ingest import CONFIG_SUFFIXES, caddyfile_name

    lowered = name.lower()
    return (lowered.endswith(CONFIG_SUFFIXES) or "nginx" in lowered or "haproxy" in lowered
            or caddyfile_name(name)
            or (lowered.endswith(".json") and ("envoy" in lowered or "caddy" in lowered)))


def _taken(path: str, kind: str | None) -> bool:
    from tlsconf.ingest import found_kind

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return False  # a FIFO, socket or device is nobody's config (and could block)
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return _may_be_config(os.path.basename(path))  # read again later: the error is shown
    return found_kind(path, head.decode("utf-8", "replace"), kind) is not None


def configs_under(root: str, kind: str | None = None) -> tuple[list[str], list[Problem]]:
    """The configs under the directory `root` (named `root/...`, or relative for `.`) and the
    problems that keep the search from being complete."""
    problems: list[Problem] = []

    def unreadable(error: OSError) -> None:
        where = error.filename if isinstance(error.filename, str) else root
        problems.append(Problem(Location(where), "",
                                f"cannot search this directory: {error.strerror or error}"))

    found = []
    for directory, dirnames, filenames in os.walk(root, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not _skipped_dir(directory, d))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            if _taken(path, kind):
                found.append(path[2:] if root in (".", "./") and path.startswith("./") else path)
    if not found and not problems:
        what = f"{kind} file" if kind else ("spec or nginx/HAProxy/Traefik/Envoy/Caddy/Kubernetes "
                                            "config")
        problems.append(Problem(Location(root), "", f"no {what} found in this directory"))
    return found, problems
