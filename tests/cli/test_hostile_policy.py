"""A pull request cannot loosen the gate that judges it: --config-from-base reads the policy
([audit], [catalog], the baseline) from the base branch's hedge.toml, through git's object store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run
from tests.cli.test_hostile_repo import _arm, git

BASE_CONFIG = '[audit]\nfail_on = "named"\n'
LOOSENED = """[audit]
fail_on = "never"
exclude = ["**/*.py"]
baseline = "known.json"
[catalog.tiers]
deepseek = "standard"
"""


def ids(out: str) -> list[tuple[str, str]]:
    return sorted((f["path"], f["model_id"]) for f in json.loads(out)["findings"])


@pytest.fixture
def pr(tmp_path: Path) -> Path:
    """main has a hedge.toml; the feature branch adds a named-tier ID and loosens hedge.toml."""
    root = tmp_path / "repo"
    root.mkdir()
    git("init", "-q", "-b", "main", cwd=root)
    git("config", "user.email", "t@example.invalid", cwd=root)
    git("config", "user.name", "t", cwd=root)
    (root / "hedge.toml").write_text(BASE_CONFIG)
    (root / "README.md").write_text("app\n")
    git("add", ".", cwd=root)
    git("commit", "-qm", "init", cwd=root)
    git("checkout", "-qb", "feature", cwd=root)
    (root / "app.py").write_text('MODEL = "deepseek-chat"\n')
    git("add", ".", cwd=root)
    git("commit", "-qm", "add a model", cwd=root)
    return root


def _loosen(root: Path) -> None:
    # The baseline the PR adds lists the very finding it introduces.
    code, _, err = run("audit", "--write-baseline", "known.json", cwd=root)
    assert code == 0, err
    (root / "hedge.toml").write_text(LOOSENED)
    git("add", ".", cwd=root)
    git("commit", "-qm", "relax the gate", cwd=root)


def test_a_pull_request_cannot_loosen_its_own_gate(pr: Path) -> None:
    code, out, _ = run("audit", "--diff", "main", "-f", "json", cwd=pr)
    assert code == 1 and ids(out) == [("app.py", "deepseek-chat")]
    _loosen(pr)
    # Read from the checkout, the PR's hedge.toml waves its own change through...
    for flags in ([], ["--fail-on", "named"]):
        code, out, err = run("audit", "--diff", "main", *flags, "-f", "json", cwd=pr)
        assert code == 0, (flags, err)
    # ...read from the base, it does not: exclude, fail_on, tiers and the baseline are main's.
    code, out, err = run(
        "audit", "--diff", "main", "--config-from-base", "main", "-f", "json", cwd=pr
    )
    assert code == 1, err
    doc = json.loads(out)
    (app,) = [f for f in doc["findings"] if f["path"] == "app.py"]
    assert app["model_id"] == "deepseek-chat" and app["tier"] == "named" and app["gating"]
    assert doc["summary"]["fail_on"] == "named"
    # Flags still win (the CI job's own choices are trusted).
    code, _, _ = run("audit", "--diff", "main", "--config-from-base", "main",
                     "--fail-on", "never", cwd=pr)  # fmt: skip
    assert code == 0
    # [models] and the rest still come from the checkout: its hedge.toml is where IDs belong.
    code, out, _ = run("audit", "--config-from-base", "main", "-f", "json", cwd=pr)
    assert code == 1 and ("app.py", "deepseek-chat") in ids(out)


def test_the_base_baseline_is_used_and_a_pr_cannot_add_to_it(pr: Path) -> None:
    git("checkout", "-q", "main", cwd=pr)
    (pr / "old.py").write_text('LEGACY = "kimi-k2-thinking"\n')
    run("audit", "--write-baseline", "known.json", cwd=pr)
    (pr / "hedge.toml").write_text(BASE_CONFIG + 'baseline = "known.json"\n')
    git("add", ".", cwd=pr)
    git("commit", "-qm", "baseline the legacy ID", cwd=pr)
    git("checkout", "-q", "feature", cwd=pr)
    git("rebase", "-q", "main", cwd=pr)
    (pr / "old.py").write_text('LEGACY = "kimi-k2-thinking"\nX = 1\n')
    code, out, err = run("audit", "--config-from-base", "main", "-f", "json", cwd=pr)
    assert code == 1, err
    assert ids(out) == [("app.py", "deepseek-chat")]  # the legacy ID is baselined on main
    # The PR rewrites the baseline to list its own finding: main's baseline still rules.
    run("audit", "--write-baseline", "known.json", cwd=pr)
    git("commit", "-qam", "baseline everything", cwd=pr)
    code, out, _ = run("audit", "--config-from-base", "main", "-f", "json", cwd=pr)
    assert code == 1 and ids(out) == [("app.py", "deepseek-chat")]
    assert run("audit", "-f", "json", cwd=pr)[0] == 0  # the checkout's baseline would pass it


def test_a_base_without_config_gives_the_defaults(pr: Path) -> None:
    git("rm", "-q", "hedge.toml", cwd=pr)
    git("commit", "-qm", "x", cwd=pr)
    git("branch", "-q", "bare", cwd=pr)
    git("checkout", "-q", "feature", cwd=pr)
    git("reset", "-q", "--hard", "HEAD~1", cwd=pr)
    _loosen(pr)
    code, out, _ = run("audit", "--config-from-base", "bare", "-f", "json", cwd=pr)
    assert code == 1 and json.loads(out)["summary"]["fail_on"] == "named"


def test_the_base_is_read_without_running_anything_the_checkout_configures(pr: Path) -> None:
    _loosen(pr)
    marker = pr.parent / "ran.txt"
    _arm(pr, marker)
    (pr / "app.py").write_text('MODEL = "deepseek-chat"\nB = "MiniMax-M2"\n')  # stat-dirty
    code, _out, err = run("audit", "--diff", "main", "--config-from-base", "main", "-f", "json",
                         cwd=pr)  # fmt: skip
    assert code == 1, err
    assert not marker.exists(), marker.read_text()


@pytest.mark.parametrize("ref", ["nope", "--output=x", "main:hedge.toml"])
def test_an_unknown_base_is_a_usage_error(pr: Path, ref: str) -> None:
    code, _, err = run("audit", "--config-from-base", ref, cwd=pr)
    assert code == 2 and "--config-from-base" in err and "Traceback" not in err


def test_a_base_config_in_pyproject_and_from_a_subfolder(pr: Path) -> None:
    git("checkout", "-q", "main", cwd=pr)
    git("rm", "-q", "hedge.toml", cwd=pr)
    (pr / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.hedgectl.audit]\nfail_on = "named"\n'
    )
    (pr / "pkg").mkdir()
    (pr / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')  # not a config
    git("add", ".", cwd=pr)
    git("commit", "-qm", "config in pyproject", cwd=pr)
    git("checkout", "-q", "feature", cwd=pr)
    (pr / "pkg").mkdir(exist_ok=True)
    (pr / "pkg" / "mod.py").write_text('M = "kimi-k2-thinking"\n')
    (pr / "pkg" / "hedge.toml").write_text('[audit]\nfail_on = "never"\n')
    git("add", ".", cwd=pr)
    git("commit", "-qm", "sub", cwd=pr)
    assert run("audit", ".", cwd=pr / "pkg")[0] == 0  # the PR's own pkg/hedge.toml
    code, out, err = run("audit", ".", "--config-from-base", "main", "-f", "json", cwd=pr / "pkg")
    assert code == 1, err
    assert ("mod.py", "kimi-k2-thinking") in ids(out)


def test_an_export_the_pull_request_adds_counts_only_as_rendered(pr: Path) -> None:
    """A PR that adds `config export -o FILE` names FILE in its own hedge.toml, which the base
    policy does not trust; the file still counts as generated when it is exactly what the
    checkout's hedge.toml renders (IDs from [models], externalised anyway), and nothing else."""
    (pr / "app.py").unlink()
    (pr / "hedge.toml").write_text(
        BASE_CONFIG + '[models.chat]\nid = "deepseek-chat"\nprovider = "deepseek"\n'
    )
    code, _, err = run("config", "export", "-f", "litellm", "-o", "litellm.yaml", cwd=pr)
    assert code == 0, err
    git("add", "-A", cwd=pr)
    git("commit", "-qm", "gateway config", cwd=pr)
    args = ("audit", "--diff", "main", "--config-from-base", "main", "-f", "json")
    code, out, err = run(*args, cwd=pr)
    assert code == 0, err
    assert {f["location"] for f in json.loads(out)["findings"]} == {"externalised"}
    # Sealed, at the path the PR names, but not what hedge.toml renders: scanned.
    code, text, _ = run("config", "export", "-f", "litellm", cwd=pr)
    import re

    from hedgectl.core.seal import PLACEHOLDER, is_sealed, seal

    unsealed = re.sub("sha256:[0-9a-f]{64}", PLACEHOLDER, text, count=1)
    forged = seal(unsealed.replace("deepseek-chat", "kimi-k2-thinking"))
    assert is_sealed(forged.encode())  # anyone can seal a file
    (pr / "litellm.yaml").write_text(forged)
    git("commit", "-qam", "forged", cwd=pr)
    code, out, _ = run(*args, cwd=pr)
    assert code == 1 and ("litellm.yaml", "kimi-k2-thinking") in ids(out)
    assert run("audit", "--diff", "main", "-f", "json", cwd=pr)[0] == 0  # the checkout's policy


def test_an_invalid_pattern_on_the_base_is_named_there(pr: Path) -> None:
    git("checkout", "-q", "main", cwd=pr)
    (pr / "hedge.toml").write_text('[audit]\nexclude = ["x\\\\"]\n')
    git("commit", "-qam", "bad pattern", cwd=pr)
    git("checkout", "-q", "feature", cwd=pr)
    code, _, err = run("audit", "--config-from-base", "main", cwd=pr)
    assert code == 3 and "audit.exclude[0]" in err and "main:hedge.toml" in err, err


def test_the_base_config_is_found_from_the_scanned_path_not_the_working_folder(
    pr: Path, tmp_path: Path
) -> None:
    # Run from outside the checkout, as `hedgectl audit path/to/checkout` in a CI workspace.
    _loosen(pr)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, err = run(
        "audit", str(pr), "--config-from-base", "main", "-f", "json", cwd=elsewhere
    )
    assert code == 1, err
    doc = json.loads(out)
    assert doc["summary"]["fail_on"] == "named"
    assert any(f["model_id"] == "deepseek-chat" and f["gating"] for f in doc["findings"])
