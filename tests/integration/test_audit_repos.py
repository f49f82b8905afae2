"""audit across repositories: clones from git servers on loopback, one report, and `audit merge`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
}  # fmt: skip


def make_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=path, env=env, check=True, timeout=30)
    return path


def hedgectl(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hedgectl", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    served = tmp_path / "served"
    make_repo(
        served / "alpha", {"app.py": 'MODEL = "deepseek-chat"\n', "requirements.txt": "dashscope\n"}
    )
    # A repository's own hedge.toml must not lower the gate of an organisation-wide run.
    make_repo(
        served / "beta",
        {"svc.py": 'M = "kimi-k2-0905-preview"\n', "hedge.toml": '[audit]\nfail_on = "never"\n'},
    )
    make_repo(served / "clean", {"README.md": "nothing to see\n"})
    return served


@pytest.fixture
def git_daemon(repos: Path) -> Iterator[str]:
    """`git daemon` serving the repositories on 127.0.0.1 (read-only, stopped after the test)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={repos}",
         "--listen=127.0.0.1", f"--port={port}", str(repos)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("git daemon did not start")
        yield f"git://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_urls_from_a_git_daemon_are_cloned_scanned_and_tagged(
    git_daemon: str, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    proc = hedgectl(
        "audit", f"{git_daemon}/alpha", f"{git_daemon}/beta", f"{git_daemon}/missing",
        "-f", "json", cwd=work,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # beta's fail_on = "never" did not apply
    doc = json.loads(proc.stdout)
    got = sorted((f["repo"], f["path"], f["model_id"]) for f in doc["findings"])
    assert got == [
        ("alpha", "alpha/app.py", "deepseek-chat"),
        ("alpha", "alpha/requirements.txt", "pkg:pypi/dashscope"),
        ("beta", "beta/svc.py", "kimi-k2-0905-preview"),
    ]
    repos = doc["summary"]["repositories"]
    assert {label: row["findings"] for label, row in repos.items()} == {
        "alpha": 2, "beta": 1, "missing": 0
    }  # fmt: skip
    assert "git clone" in repos["missing"]["error"]
    assert "not scanned" in proc.stderr


def test_repos_file_with_file_urls_and_no_code_from_the_remote_runs(
    repos: Path, tmp_path: Path
) -> None:
    # A clone would run a post-checkout hook from the template directory; --template= stops it.
    templates = tmp_path / "templates"
    (templates / "hooks").mkdir(parents=True)
    marker = tmp_path / "hook-ran"
    hook = templates / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    listing = tmp_path / "repos.txt"
    listing.write_text(
        f"# the organisation\n{(repos / 'alpha').as_uri()}\n\n{(repos / 'clean').as_uri()}  # docs\n"
    )
    proc = hedgectl(
        "audit", "--repos", str(listing), "-f", "markdown", "--fail-on", "never",
        cwd=tmp_path, env={"GIT_TEMPLATE_DIR": str(templates)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "| Repository | Findings |" in proc.stdout
    assert "| `served/alpha` | 2 | 1 | 1 | 0 |" in proc.stdout
    assert "| `served/clean` | 0 |" in proc.stdout
    assert not marker.exists()


def test_clone_refuses_transports_that_run_commands(tmp_path: Path) -> None:
    proc = hedgectl("audit", "--repos", "/dev/stdin", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 0  # an empty list is an empty report
    listing = tmp_path / "evil.txt"
    marker = tmp_path / "pwned"
    listing.write_text(f"ext::sh -c touch% {marker}\n")
    proc = hedgectl("audit", "--repos", str(listing), "-f", "json", cwd=tmp_path)
    assert not marker.exists()
    assert proc.returncode in (2, 4), proc.stderr


def test_merge_combines_per_repository_reports(repos: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    for name in ("alpha", "beta"):
        proc = hedgectl("audit", "-f", "json", "-o", str(out / f"{name}.json"), cwd=repos / name)
        assert proc.returncode in (0, 1), proc.stderr
    proc = hedgectl(
        "audit", "merge", str(out / "alpha.json"), str(out / "beta.json"), "-f", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert sorted((f["repo"], f["path"]) for f in doc["findings"]) == [
        ("alpha", "alpha/app.py"), ("alpha", "alpha/requirements.txt"), ("beta", "beta/svc.py")
    ]  # fmt: skip
    assert set(doc["summary"]["repositories"]) == {"alpha", "beta"}
    bom = hedgectl(
        "audit", "merge", str(out / "alpha.json"), str(out / "beta.json"), "-f", "cyclonedx",
        cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "0"},
    )  # fmt: skip
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(bom.stdout) is None
    refs = {c["bom-ref"] for c in json.loads(bom.stdout)["components"]}
    assert {"model:deepseek/deepseek-chat", "model:moonshot/kimi-k2-0905-preview"} <= refs


def test_merge_rejects_what_is_not_an_audit_report(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"schema": "hedgectl.reach/v1"}')
    proc = hedgectl("audit", "merge", "x.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not a hedgectl audit JSON report" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_python_api_scans_repositories_and_merges_reports(repos: Path, tmp_path: Path) -> None:
    import hedgectl

    seen: list[tuple[str, str]] = []
    result = hedgectl.audit(
        repos=[(repos / "alpha").as_uri(), str(repos / "clean")],
        cwd=tmp_path,
        on_repo=lambda label, status: seen.append((label, status)),
    )
    assert result.repos == ["clean", "served/alpha"]
    assert {f.repo for f in result.findings} == {"served/alpha"}
    assert [f.model_id for f in result.failing] == ["deepseek-chat"]
    assert ("served/alpha", "cloning") in seen
    report = tmp_path / "alpha.json"
    from hedgectl.report import Format, render
    from hedgectl.report import audit as _  # noqa: F401

    report.write_text(render("audit", Format.JSON, result))
    merged = hedgectl.merge_audits([report])
    assert sorted(f.path for f in merged.findings) == [
        "served/alpha/app.py", "served/alpha/requirements.txt"
    ]  # fmt: skip
