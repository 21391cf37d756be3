"""`targets.nginx` / `targets.haproxy` process settings: Debian's by default, each one
replaceable or left out with `null`, validated with allowlists like every field."""

from __future__ import annotations

import pytest

from tlsconf import policy, targets
from tlsconf.errors import TlsconfError
from tlsconf.specfile import parse_spec

SITE = """\
sites:
  - name: shop
    domains: [shop.example.com]
    tls: {certificate: /etc/ssl/c.pem, key: /etc/ssl/c.pem.key}
    upstreams: [{address: 127.0.0.1:8080}]
"""


def rendered(target: str, targets_yaml: str) -> dict[str, str]:
    loaded = parse_spec("s.yaml", (SITE + targets_yaml).encode())
    return targets.render(target, loaded, policy.resolve(loaded), main_config=True).files


def section(text: str, name: str) -> list[str]:
    lines = text.split(f"\n{name}\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line.strip() for line in lines if not line.strip().startswith("#")]


def test_haproxy_global_without_the_process_settings() -> None:
    cfg = rendered("haproxy", "targets:\n  haproxy: {user: null, group: null, chroot: null, "
                   "log: null, stats_socket: null, daemon: false}\n")["haproxy/haproxy.cfg"]
    assert section(cfg, "global")[:2] == ["default-path config", "ssl-load-extra-files key"]
    assert section(cfg, "defaults")[0] == "mode http"


def test_haproxy_process_settings_replaced_and_quoted() -> None:
    cfg = rendered("haproxy", "targets:\n  haproxy: {user: lb, group: lb-admins, "
                   "chroot: /srv/ha jail, log: /run/systemd/journal/dev-log, "
                   "stats_socket: /run/lb/api.sock}\n")["haproxy/haproxy.cfg"]
    assert section(cfg, "global")[:8] == [
        "log /run/systemd/journal/dev-log local0",
        "log /run/systemd/journal/dev-log local1 notice",
        'chroot "/srv/ha jail"',
        "stats socket /run/lb/api.sock mode 660 level admin",
        "stats timeout 30s",
        "user lb",
        "group lb-admins",
        "daemon",
    ]
    assert section(cfg, "defaults")[:3] == ["log global", "option httplog", "option dontlognull"]


def test_nginx_main_config_process_settings() -> None:
    conf = rendered("nginx", "targets:\n  nginx: {user: null, pid: /run/web/nginx.pid, "
                    "error_log: null, access_log: /var/log/web/access.log}\n")["nginx/nginx.conf"]
    lines = [line for line in conf.splitlines() if line and not line.startswith("#")]
    assert lines[:2] == ["worker_processes auto;", "pid /run/web/nginx.pid;"]
    assert "    access_log /var/log/web/access.log;" in lines
    assert not any(line.startswith(("user", "error_log")) for line in lines)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("user", "'root;'", "must be 1-32 characters of a-z, 0-9, '_' and '-', starting with a "
     "letter or '_'"),
    ("group", "'1wheel'", "must be 1-32 characters of a-z, 0-9, '_' and '-', starting with a "
     "letter or '_'"),
    ("chroot", "'var/lib/haproxy'", "must be an absolute path"),
    ("daemon", "'yes'", "Input should be a valid boolean"),
])
def test_haproxy_process_settings_are_validated(field: str, value: str, message: str) -> None:
    with pytest.raises(TlsconfError) as caught:
        parse_spec("s.yaml", (SITE + f"targets:\n  haproxy:\n    {field}: {value}\n").encode())
    (problem,) = caught.value.problems
    assert problem.path == f"targets.haproxy.{field}"
    assert message in problem.message
