"""`pip install hedgectl` without extras, for real: a fresh venv, this checkout's files (a copy,
so the build writes nothing into the checkout the rest of the suite imports) built and installed
by pip with its declared base dependencies (offline, from the wheels `make test` collects in
.venv/wheelhouse). audit, catalog, init and config work; rewrite, mirror and reach stop with one
line naming the install command that adds their extra.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"
HEAVY = {"boto3", "botocore", "huggingface-hub", "hf-xet", "libcst", "tree-sitter", "httpx"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (WHEELHOUSE / ".done").exists(), reason="needs .venv/wheelhouse (make test builds it)"
    ),
]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's files as they are now (tracked and new, not ignored), without git."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    dest = tmp_path_factory.mktemp("checkout") / "hedgectl"
    for name in filter(None, listing.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, source: Path) -> Path:
    """bin/ of a venv holding hedgectl's base install from the checkout."""
    env_dir = tmp_path_factory.mktemp("base-venv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-index",
         "--find-links", str(WHEELHOUSE), str(source)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return bin_dir


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEDGECTL_", "PYTHON"))}
    return subprocess.run(
        [str(bin_dir / "hedgectl"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_the_base_install_leaves_the_heavy_sdks_out(base: Path) -> None:
    listing = subprocess.run(
        [str(base / "python"), "-m", "pip", "list", "--format", "json"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    names = {p["name"].lower().replace("_", "-") for p in json.loads(listing.stdout)}
    assert "hedgectl" in names
    assert not names & HEAVY


def test_audit_catalog_init_and_config_run_on_the_base_install(base: Path, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('MODEL = "deepseek-chat"\n', encoding="utf-8")
    done = run(base, "audit", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "deepseek-chat" in done.stdout
    assert run(base, "audit", "-f", "cyclonedx", "--fail-on", "never", cwd=tmp_path).returncode == 0
    assert run(base, "catalog", "-f", "json", cwd=tmp_path).returncode == 0
    assert run(base, "init", cwd=tmp_path).returncode == 0
    done = run(base, "config", "check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert run(base, "--version", cwd=tmp_path).stdout.startswith("hedgectl ")


@pytest.mark.parametrize(
    ("args", "command", "extra"),
    [
        (["mirror", "deepseek-v3.2", "s3://models/hub"], "mirror", "mirror"),
        (["mirror", "verify", "deepseek-v3.2", "s3://models/hub"], "mirror verify", "mirror"),
        (["mirror", "serve", "s3://models/hub"], "mirror serve", "mirror"),
        (["mirror", "sync", "s3://models/hub"], "mirror sync", "mirror"),
        (["rewrite"], "rewrite", "rewrite"),
        (["reach", "--no-history"], "reach", "reach"),
        (["reach", "serve"], "reach serve", "reach"),
    ],
)
def test_a_command_whose_extra_is_missing_says_how_to_add_it(
    base: Path, source: Path, tmp_path: Path, args: list[str], command: str, extra: str
) -> None:
    done = run(base, *args, cwd=tmp_path)
    assert done.returncode == 2  # docs/exit-codes.md: usage
    assert done.stdout == ""
    # One line, naming the install command for this checkout (never a bare index name).
    assert done.stderr == (
        f"error: hedgectl {command} needs the {extra} extra: pip install '{source}[{extra}]'\n"
    )


def test_help_lists_every_command_without_the_extras(base: Path, tmp_path: Path) -> None:
    done = run(base, "--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("audit", "rewrite", "mirror", "reach", "catalog", "init", "config"):
        assert command in done.stdout
    assert run(base, "mirror", "copy", "--help", cwd=tmp_path).returncode == 0


def test_the_interpreter_running_the_suite_has_every_extra() -> None:
    # make test installs hedgectl[all]: the rest of the suite exercises every command.
    from hedgectl.cli._extras import EXTRAS, missing

    assert all(not missing(extra) for extra in EXTRAS), sys.executable
