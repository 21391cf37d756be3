"""What `render -o DIR` leaves on disk across re-renders: a file is rewritten only when its own
content changes, files tlsconf wrote that the spec no longer produces are removed (and
`--check` reports them), and nothing a generated line holds exceeds what the server accepts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from support.inprocess import run_main
from typer.testing import CliRunner

from tlsconf import policy, targets
from tlsconf.cli import app
from tlsconf.errors import Problem
from tlsconf.render import LimitExceeded, LineLimits, check_limits, summarize_warnings
from tlsconf.specfile import LoadedSpec, parse_spec
from tlsconf.targets import haproxy, nginx

SITE = (
    "  - name: {name}\n"
    "    domains: [{name}.example.com]\n"
    "    tls: {{certificate: /etc/ssl/{name}.pem, key: /etc/ssl/{name}.pem.key}}\n"
    "    upstreams: [{{address: 127.0.0.1:{port}}}]\n"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def spec_text(names: list[str], comment: str = "") -> str:
    return comment + "sites:\n" + "".join(
        SITE.format(name=name, port=8080 + i) for i, name in enumerate(names))


def load_spec_text(text: str) -> LoadedSpec:
    return parse_spec("s.yaml", text.encode())


def identities(root: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and mtime: a rewrite (a new file renamed into place) changes both."""
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
              ) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


# -- one change rewrites one file ----------------------------------------------------------------


def test_a_comment_in_the_spec_rewrites_no_file(tmp_path: Path) -> None:
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a", "b"]))
    assert run("render", str(spec), "--target", "all", "-o", str(out))[0] == 0
    before = identities(out)
    spec.write_text(spec_text(["a", "b"], comment="# reviewed by ops\n"))
    assert run("render", str(spec), "--target", "all", "-o", str(out))[0] == 0
    assert rewritten(before, identities(out)) == []


def test_changing_one_site_rewrites_that_sites_file_only(tmp_path: Path) -> None:
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a", "b", "c"]))
    assert run("render", str(spec), "-o", str(out))[0] == 0
    before = identities(out)
    spec.write_text(spec_text(["a", "b", "c"]).replace("127.0.0.1:8081", "127.0.0.1:9000"))
    assert run("render", str(spec), "-o", str(out))[0] == 0
    assert rewritten(before, identities(out)) == ["nginx/conf.d/b.conf"]


def test_a_profile_change_of_one_site_leaves_the_other_site_files_alone(tmp_path: Path) -> None:
    # The shared file carries the listener's policy and the guidelines of every site, so it
    # changes too; the other site's file names only its own guideline.
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    text = spec_text(["a", "b"]).replace(
        "  - name: b\n", "  - name: b\n    listen: {https_port: 8443}\n")
    spec.write_text(text)
    assert run("render", str(spec), "-o", str(out))[0] == 0
    before = identities(out)
    spec.write_text(text.replace("key: /etc/ssl/b.pem.key}", "key: /etc/ssl/b.pem.key, "
                                 "profile: modern}"))
    assert run("render", str(spec), "-o", str(out))[0] == 0
    assert rewritten(before, identities(out)) == ["nginx/conf.d/00-tlsconf.conf",
                                                  "nginx/conf.d/b.conf"]


# -- no generated line exceeds what the server accepts -------------------------------------------


def test_nginx_limits_every_token_and_comment_not_the_line() -> None:
    limits = nginx.LINE_LIMITS
    many_short = "    server_name " + " ".join(f"a{i}.example.com" for i in range(1000)) + ";"
    check_limits({"nginx/conf.d/a.conf": many_short}, lambda name: limits)  # 16 KB: fine
    long_comment = "# " + "x" * 4093
    with pytest.raises(LimitExceeded) as caught:
        check_limits({"nginx/conf.d/a.conf": "server {\n" + long_comment + "\n}\n"},
                     lambda name: limits)
    assert str(caught.value) == (
        "nginx/conf.d/a.conf:2: a token of 4095 bytes; nginx refuses a parameter or comment "
        "longer than 4094 bytes ('# xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'...); this is a "
        "tlsconf bug, please report it")
    quoted = '    add_header X "' + "v " * 2100 + '";'
    with pytest.raises(LimitExceeded, match="a token of 4203 bytes"):
        check_limits({"nginx/conf.d/a.conf": quoted}, lambda name: limits)


def test_haproxy_limits_words_per_line_and_crt_list_lines() -> None:
    def cfg_line(names: int) -> str:
        return ("    http-request set-var(txn.x) str(a) if { req.hdr(host) -i "
                + " ".join(f"n{i}.test" for i in range(names)) + " }")

    check_limits({"haproxy/haproxy.cfg": cfg_line(56)}, haproxy.line_limits)  # 64 words
    with pytest.raises(LimitExceeded, match=r"haproxy/haproxy.cfg:1: a line of 65 words; "
                       r"HAProxy reads at most 64 words a line"):
        check_limits({"haproxy/haproxy.cfg": cfg_line(57)}, haproxy.line_limits)
    # A quoted value with blanks is one word; a comment counts none.
    check_limits({"haproxy/haproxy.cfg": '    http-after-response set-header X "' + "a " * 80
                  + '" # ' + "c " * 80}, haproxy.line_limits)
    crt = "haproxy/crt-list-0.0.0.0_443.txt"
    check_limits({crt: "/c.pem " + " ".join(f"n{i}.test" for i in range(2047))},
                 haproxy.line_limits)
    with pytest.raises(LimitExceeded, match="a line of 2049 words; HAProxy reads at most 2048"):
        check_limits({crt: "/c.pem " + " ".join(f"n{i}.test" for i in range(2048))},
                     haproxy.line_limits)
    with pytest.raises(LimitExceeded, match="a line of 65535 bytes; HAProxy refuses lines "
                       "longer than 65534 bytes"):
        check_limits({crt: "/c.pem " + "a" * 65528}, haproxy.line_limits)


def test_a_line_the_server_would_refuse_is_an_internal_error_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every spec value that can make a line long is refused with its field first, so a line
    # over the limit is tlsconf's own fault: exit 3, before anything is written.
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a"]))
    monkeypatch.setattr(nginx, "LINE_LIMITS", LineLimits("nginx", token=30))
    code, stdout, err = run_main(["render", str(spec), "-o", str(out)])
    assert (code, stdout) == (3, "")
    assert err.startswith("tlsconf: internal error: LimitExceeded: nginx/conf.d/")
    assert not out.exists()


def test_the_catch_all_comment_counts_the_sites_of_its_listener() -> None:
    # It listed every site on one line: with ~200 sites nginx refused the file.
    spec = spec_text([f"site{i}" for i in range(300)])
    loaded = load_spec_text(spec)
    rendered = targets.render("nginx", loaded, policy.resolve(loaded))
    common = rendered.files["nginx/conf.d/00-tlsconf.conf"].splitlines()
    assert common[10:13] == [
        "# 0.0.0.0:443: no site is the default server, so handshakes without SNI or with an",
        "# unknown name are refused. nginx negotiates with this server's settings before SNI "
        "is known,",
        "# so it carries the TLS policy of the listener's 300 site(s).",
    ]


# -- a warning shared by many sites is one line with a count -------------------------------------


def test_a_thousand_sites_get_one_key_path_advice_with_a_count(tmp_path: Path) -> None:
    # The advice names each site's own files, so no two messages are equal; they differ only
    # in the site they are about.
    spec = tmp_path / "s.yaml"
    spec.write_text(spec_text([f"s{i}" for i in range(1000)]).replace(".pem.key}", ".key}"))
    code, out, err = run("render", str(spec), "--target", "haproxy")
    assert code == 0 and out.startswith("==> haproxy/crt-list-0.0.0.0_443.txt <==\n# Generated")
    assert err.splitlines() == [
        f"{spec}:2:5: warning: sites[0].tls.key: HAProxy < 3.0 takes no key path: it reads the "
        "key from /etc/ssl/s0.pem itself or from /etc/ssl/s0.pem.key. Deploy the key there "
        "(e.g. `ln -s /etc/ssl/s0.key /etc/ssl/s0.pem.key`) or make /etc/ssl/s0.pem one PEM "
        "with certificate, chain and key (mode 0600) (and 999 more alike: sites[1].tls.key, "
        "sites[2].tls.key, sites[3].tls.key, …)",
    ]


def test_warnings_that_differ_in_more_than_their_site_stay_apart() -> None:
    loaded = load_spec_text(spec_text(["alpha", "beta", "gamma"]))
    sites = policy.resolve(loaded)
    where = [site.location for site in sites]
    warnings = [
        Problem(where[0], "sites[0].tls.key", "reads /etc/ssl/alpha.pem.key"),
        Problem(where[1], "sites[1].tls.key", "reads /etc/ssl/beta.pem.key"),
        Problem(where[2], "sites[2].tls.key", "reads /etc/ssl/other.pem.key"),  # not its own
        Problem(where[1], "sites[1].tls.certificate", "reads /etc/ssl/beta.pem.key"),
        Problem(where[0], "targets.haproxy.version", "old"),
        Problem(where[0], "targets.haproxy.version", "old"),
    ]
    assert summarize_warnings(warnings, sites) == [
        "s.yaml:2:5: warning: sites[0].tls.key: reads /etc/ssl/alpha.pem.key (and 1 more "
        "alike: sites[1].tls.key)",
        "s.yaml:10:5: warning: sites[2].tls.key: reads /etc/ssl/other.pem.key",
        "s.yaml:6:5: warning: sites[1].tls.certificate: reads /etc/ssl/beta.pem.key",
        "s.yaml:2:5: warning: targets.haproxy.version: old (and 1 more alike: "
        "targets.haproxy.version)",
    ]


# -- a re-render removes what the spec no longer produces ----------------------------------------

K8S_SPEC = Path(__file__).resolve().parent / "golden" / "k8s" / "specs" / "shop.yaml"


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_removed_site_loses_its_files_and_check_reports_them_first(tmp_path: Path) -> None:
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a", "old"]).replace(
        "  - name: old\n", "  - name: old\n    listen: {https_port: 8443}\n"))
    assert run("render", str(spec), "--target", "all", "-o", str(out))[0] == 0
    (out / "nginx" / "conf.d" / "mine.conf").write_text("# the operator's own file\n")
    spec.write_text(spec_text(["a"]))
    code, stdout, err = run("render", str(spec), "--target", "all", "-o", str(out), "--check")
    assert code == 1
    assert [line for line in stdout.splitlines() if line.startswith("stale:")] == [
        "stale: would delete haproxy/crt-list-0.0.0.0_8443.txt",
        "stale: would delete nginx/conf.d/old.conf",
    ]
    assert err.endswith("are stale; run `tlsconf render` with -o " + str(out) + "\n")
    assert "nginx/conf.d/old.conf" in files_under(out)  # --check writes and deletes nothing
    assert run("render", str(spec), "--target", "all", "-o", str(out))[0] == 0
    assert files_under(out) == [
        "haproxy/crt-list-0.0.0.0_443.txt", "haproxy/haproxy.cfg",
        "nginx/conf.d/00-tlsconf.conf", "nginx/conf.d/a.conf",
        "nginx/conf.d/mine.conf",  # not tlsconf's: never deleted
        "traefik/dynamic/tlsconf.yml", "traefik/traefik.yml",
    ]
    assert run("render", str(spec), "--target", "all", "-o", str(out), "--check") == (0, "", "")


def test_symlinks_and_dot_files_are_never_stale(tmp_path: Path) -> None:
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a", "b"]))
    assert run("render", str(spec), "-o", str(out))[0] == 0
    conf_d = out / "nginx" / "conf.d"
    (conf_d / "link.conf").symlink_to(conf_d / "b.conf")  # points at a tlsconf file
    (conf_d / ".b.conf.swp").write_text((conf_d / "b.conf").read_text())
    spec.write_text(spec_text(["a"]))
    code, stdout, _ = run("render", str(spec), "-o", str(out), "--check")
    assert code == 1
    assert [line for line in stdout.splitlines() if line.startswith("stale:")] == [
        "stale: would delete nginx/conf.d/b.conf"]
    assert run("render", str(spec), "-o", str(out))[0] == 0
    assert sorted(p.name for p in conf_d.iterdir()) == [
        ".b.conf.swp", "00-tlsconf.conf", "a.conf", "link.conf"]
    assert (conf_d / "link.conf").is_symlink()


def test_dropping_main_config_removes_nginx_conf(tmp_path: Path) -> None:
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a"]))
    assert run("render", str(spec), "-o", str(out), "--main-config")[0] == 0
    assert "nginx/nginx.conf" in files_under(out)
    code, stdout, _ = run("render", str(spec), "-o", str(out), "--check")
    assert (code, stdout) == (1, "stale: would delete nginx/nginx.conf\n")
    assert run("render", str(spec), "-o", str(out))[0] == 0
    assert files_under(out) == ["nginx/conf.d/00-tlsconf.conf", "nginx/conf.d/a.conf"]


def test_dropping_impl_removes_that_implementations_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("render", str(K8S_SPEC), "--target", "gateway-api", "-o", str(out))
    assert run(*args, "--impl", "traefik")[0] == 0
    with_impl = files_under(out)
    assert run(*args)[0] == 0
    assert sorted(set(with_impl) - set(files_under(out))) == [
        "gateway-api/tlsoptions.yaml", "gateway-api/tlsstores.yaml"]
    assert set(files_under(out)) < set(with_impl)


def test_another_target_and_a_site_filter_delete_nothing(tmp_path: Path) -> None:
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a", "b"]))
    assert run("render", str(spec), "--target", "all", "-o", str(out))[0] == 0
    everything = files_under(out)
    spec.write_text(spec_text(["a"]))
    # Only nginx/ belongs to this render: haproxy/ and traefik/ keep what they have.
    assert run("render", str(spec), "--target", "haproxy", "-o", str(out))[0] == 0
    assert files_under(out) == everything
    # --site renders a part of the spec: the other sites' files are not stale.
    spec.write_text(spec_text(["a", "b"]))
    assert run("render", str(spec), "-o", str(out), "--site", "a")[0] == 0
    assert files_under(out) == everything


def test_a_failed_write_puts_back_the_stale_files_it_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, out = tmp_path / "s.yaml", tmp_path / "out"
    spec.write_text(spec_text(["a", "old"]))
    assert run("render", str(spec), "-o", str(out))[0] == 0
    before = {name: (out / name).read_text() for name in files_under(out)}
    real_fsync = os.fsync
    seen_at_failure: list[list[str]] = []

    def failing_fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):  # after every rename and removal
            seen_at_failure.append(files_under(out))
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    spec.write_text(spec_text(["a"]).replace("127.0.0.1:8080", "127.0.0.1:9090"))
    code, _, err = run_main(["render", str(spec), "-o", str(out)])
    assert code == 3 and "Input/output error" in err
    assert "nginx/conf.d/old.conf" not in seen_at_failure[0]  # it was removed, then put back
    monkeypatch.undo()
    assert {name: (out / name).read_text() for name in files_under(out)} == before
    assert sorted(p.name for p in out.rglob(".*")) == []  # no temporary or kept file left
