"""What `render -o DIR` leaves on disk across re-renders: a file is rewritten only when its own
content changes, files tlsconf wrote that the spec no longer produces are removed (and
`--check` reports them), and nothing a generated line holds exceeds what the server accepts."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tlsconf.cli import app

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
