"""End-to-end test support for tlsconf.

Small, dependency-light helpers that the e2e tests use to stand up *real*
nginx / HAProxy / Traefik processes on 127.0.0.1 and probe them:

* :mod:`support.pki`       -- throwaway CA + leaf certificates (``cryptography``).
* :mod:`support.procs`     -- free ports, bounded waits, server process lifecycle.
* :mod:`support.upstream`  -- an echoing HTTP/1.1 (+WebSocket) backend.
* :mod:`support.tlsprobe`  -- TLS handshakes, cipher/protocol enumeration, HTTP over TLS.
* :mod:`support.mozilla`   -- sslyze scan checked against Mozilla guideline 5.7 / 6.0.
* :mod:`support.fixtures`  -- pytest fixtures (load with ``pytest_plugins``).

Tests import them as ``from support.pki import ...`` because pytest puts
``tests/`` on ``sys.path`` (``tests/`` itself has no ``__init__.py``).
"""
