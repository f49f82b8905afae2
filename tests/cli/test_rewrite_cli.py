"""`hedgectl rewrite` end to end on examples/rewrite-app: the Python and the JavaScript side print
the same model IDs before and after, hedge.toml and HEDGE_MODEL_* steer them, reruns change nothing,
and bad input is refused without damage."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "rewrite-app"
NODE = shutil.which("node")
runner = CliRunner()
needs_node = pytest.mark.skipif(NODE is None, reason="node not installed (make test installs it)")


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGE_")}
    env.update(extra)
    return env


def python_ids(app_dir: Path, **env: str) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "print_models.py"],
        cwd=app_dir / "python",
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def node_ids(app_dir: Path, **env: str) -> list[str]:
    assert NODE is not None
    proc = subprocess.run(
        [NODE, "js/print_models.js"],
        cwd=app_dir,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts and "__pycache__" not in p.parts
    }


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    app_dir = tmp_path / "app"
    shutil.copytree(SAMPLE, app_dir, ignore=shutil.ignore_patterns("__pycache__"))
    git(app_dir, "init", "-q")
    git(app_dir, "add", "-A")
    git(app_dir, "commit", "-qm", "sample")
    return app_dir


@needs_node
def test_rewrite_keeps_behaviour_and_moves_ids_into_hedge_toml(sample: Path) -> None:
    before_py, before_js = python_ids(sample), node_ids(sample)
    assert "deepseek-chat" in before_py and before_py == before_js
    untouched = snapshot(sample)

    code, diff, summary = run("rewrite", cwd=sample)
    assert code == 0
    assert snapshot(sample) == untouched  # a dry run writes nothing
    assert "+++ b/python/assistant/llm.py" in diff and "+++ b/hedge.toml" in diff
    assert "--- /dev/null" in diff and "+++ b/hedge_models.cjs" in diff
    assert "+++ b/hedge_models.d.cts" in diff  # TypeScript imports the CommonJS resolver typed
    assert "python/assistant/llm.py:43" in summary and "dynamic value" in summary
    assert "config.yaml:3: deepseek-chat (already configuration" in summary
    assert run("rewrite", "--check", "-q", cwd=sample)[0] == 1

    code, _, _ = run("rewrite", "--write", "-q", cwd=sample)
    assert code == 0
    # The diff the dry run showed is exactly what was written.
    git(sample, "add", "-A")
    assert git(sample, "diff", "--cached", "--stat")
    assert python_ids(sample) == before_py
    assert node_ids(sample) == before_js

    llm = (sample / "python/assistant/llm.py").read_text()
    assert "from assistant.hedge_models import hedge_model" in llm
    # The alias hedge.toml already has for this ID is reused; the literal stays as the default.
    assert 'CHAT_MODEL = hedge_model("chat_model", "deepseek-chat")  # module constant' in llm
    assert '"summariser": hedge_model("moonshot_v1_8k", "moonshot-v1-8k"),' in llm
    assert 'model=f"deepseek-{version}"' in llm  # the f-string was left alone
    assert (sample / "python/assistant/hedge_models.py").is_file()
    client = (sample / "js/client.js").read_text()
    assert 'require("../hedge_models.cjs")' in client
    assert 'model = hedgeModel("deepseek_reasoner", "deepseek-reasoner"); // class field' in client
    router = (sample / "ts/router.ts").read_text()
    assert 'import { hedgeModel } from "../hedge_models.cjs";' in router
    assert (sample / "hedge_models.d.cts").is_file()
    assert (sample / "config.yaml").read_bytes() == untouched["config.yaml"]

    toml_text = (sample / "hedge.toml").read_text()
    for comment in (
        "This comment must survive",
        "# the CI gate",
        "# reviewed 2026-11",
        "# Chosen by the platform team",
    ):
        assert comment in toml_text
    models = tomllib.loads(toml_text)["models"]
    # The existing alias is reused for the same ID, and kept exactly as it was.
    assert models["chat_model"] == {
        "id": "deepseek-chat", "provider": "deepseek", "fallbacks": ["openai/gpt-4.1-mini"],
    }  # fmt: skip
    assert models["moonshot_v1_8k"]["id"] == "moonshot-v1-8k"
    assert models["moonshot_v1_8k"]["fallbacks"][-1].startswith(("openai/", "anthropic/"))
    assert "# found in js/client.js:8 as summariser" in toml_text

    # Idempotent: nothing more to do.
    code, diff, _ = run("rewrite", cwd=sample)
    assert code == 0 and diff == ""
    assert run("rewrite", "--check", "-q", cwd=sample)[0] == 0

    # hedge.toml and HEDGE_MODEL_* now decide, on both sides.
    env_py = python_ids(sample, HEDGE_MODEL_CHAT_MODEL="gpt-4.1")
    env_js = node_ids(sample, HEDGE_MODEL_CHAT_MODEL="gpt-4.1")
    assert env_py[0] == env_js[0] == "gpt-4.1" and env_py[1:] == before_py[1:]
    (sample / "hedge.toml").write_text(toml_text.replace('"moonshot-v1-8k"', '"gpt-4.1-mini"'))
    assert python_ids(sample)[1] == node_ids(sample)[1] == "gpt-4.1-mini"
    # A second --write leaves git clean.
    (sample / "hedge.toml").write_text(toml_text)
    git(sample, "add", "-A")
    git(sample, "commit", "-qm", "rewritten")
    assert run("rewrite", "--write", "-q", cwd=sample)[0] == 0
    assert git(sample, "status", "--porcelain") == ""
    other = sample.parent / "elsewhere.toml"
    other.write_text(toml_text.replace('id = "deepseek-chat"', 'id = "claude-sonnet-4-5"'))
    assert python_ids(sample, HEDGE_CONFIG=str(other))[0] == "claude-sonnet-4-5"
    assert node_ids(sample, HEDGE_CONFIG=str(other))[0] == "claude-sonnet-4-5"

    # audit: nothing hard-coded left in rewritten code; hedge.toml counts as externalised.
    code, out, _ = run("audit", ".", "--format", "json", "--fail-on", "never", cwd=sample)
    findings = json.loads(out)["findings"]
    in_code = [f for f in findings if f["location"] == "code"]
    assert in_code == []
    assert {f["location"] for f in findings if f["path"] == "hedge.toml"} == {"externalised"}


@needs_node
def test_without_hedge_toml_or_an_alias_behaviour_is_unchanged(sample: Path) -> None:
    before_py, before_js = python_ids(sample), node_ids(sample)
    assert run("rewrite", "--write", "-q", cwd=sample)[0] == 0
    toml_text = (sample / "hedge.toml").read_text()
    # An alias missing from hedge.toml: its default, the original literal.
    (sample / "hedge.toml").write_text(toml_text.replace("[models.moonshot_v1_8k]", "[models.x]"))
    assert python_ids(sample) == before_py and node_ids(sample) == before_js
    # No hedge.toml at all (an installed wheel, a container): exactly as before the rewrite.
    (sample / "hedge.toml").unlink()
    assert python_ids(sample) == before_py and node_ids(sample) == before_js
    # Only an explicit HEDGE_CONFIG that does not exist is an error.
    proc = subprocess.run(
        [sys.executable, "print_models.py"], cwd=sample / "python",
        env=_env(HEDGE_CONFIG=str(sample / "nope.toml")),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode != 0 and "HEDGE_CONFIG=" in proc.stderr


@needs_node
def test_another_projects_hedge_toml_in_the_working_folder_is_ignored(
    sample: Path, tmp_path: Path
) -> None:
    before_py, before_js = python_ids(sample), node_ids(sample)
    assert run("rewrite", "--write", "-q", cwd=sample)[0] == 0
    other = tmp_path / "other-project"
    other.mkdir()
    (other / "hedge.toml").write_text(
        '[models.chat_model]\nid = "other-model"\nprovider = "openai"\n'
        '[models.moonshot_v1_8k]\nid = "other-model"\nprovider = "openai"\n'
    )
    # Run the rewritten code from inside the other project, as a CLI installed there would be.
    env = _env(PYTHONPATH=str(sample / "python"))
    proc = subprocess.run(
        [sys.executable, str(sample / "python" / "print_models.py")], cwd=other, env=env,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert proc.stdout.split() == before_py
    assert NODE is not None
    proc = subprocess.run(
        [NODE, str(sample / "js" / "print_models.js")], cwd=other, env=_env(),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert proc.stdout.split() == before_js


def test_rewritten_package_imports_from_a_wheel_inside_another_project(
    sample: Path, tmp_path: Path
) -> None:
    """A wheel ships the package and its resolver, never hedge.toml. Imported straight from the
    wheel (a zip: no folder around the resolver) and run inside another project with its own
    hedge.toml, the package keeps its defaults."""
    import zipfile

    before_py = python_ids(sample)
    assert run("rewrite", "--write", "-q", cwd=sample)[0] == 0
    package = sample / "python" / "assistant"
    assert (package / "hedge_models.py").is_file()
    wheel = tmp_path / "assistant-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for f in sorted(package.rglob("*.py")):
            zf.write(f, f.relative_to(package.parent).as_posix())
    other = tmp_path / "other-project"
    other.mkdir()
    aliases = tomllib.loads((sample / "hedge.toml").read_text())["models"]
    (other / "hedge.toml").write_text(
        "".join(f'[models.{a}]\nid = "other-model"\nprovider = "openai"\n' for a in aliases)
    )
    shutil.copy(sample / "python" / "print_models.py", other / "print_models.py")
    proc = subprocess.run(
        [sys.executable, "print_models.py"], cwd=other, env=_env(PYTHONPATH=str(wheel)),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == before_py


@needs_node
def test_js_resolver_reads_hedge_toml_like_tomllib(tmp_path: Path) -> None:
    assert NODE is not None
    from hedgectl.adapters.codemod_js import node_resolver

    (tmp_path / "hedge_models.cjs").write_text(node_resolver(False, "./hedge.toml"))
    toml_text = """# top [models.fake]
[audit]
note = '''
[models.inside_a_string]
id = "nope"
'''
[models.chat]   # c
id = "deepseek-chat"  # trailing
provider = "deepseek"
fallbacks = [
  "openai/gpt-4.1-mini",  # [models.x]
]
[models."quoted"]
id = 'Qwen/Qwen2.5-72B-Instruct'
provider = "alibaba"
[other]
id = "not-a-model"
"""
    (tmp_path / "hedge.toml").write_text(toml_text)
    script = (
        "const {hedgeModel} = require('./hedge_models.cjs'); console.log(JSON.stringify("
        "['chat','quoted','inside_a_string'].map((a) => hedgeModel(a, 'default'))));"
    )
    proc = subprocess.run(
        [NODE, "-e", script], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    expected = tomllib.loads(toml_text)["models"]
    assert json.loads(proc.stdout) == [expected["chat"]["id"], expected["quoted"]["id"], "default"]


def test_python_resolver_imports_and_reads_hedge_toml_without_tomllib(tmp_path: Path) -> None:
    """A rewritten library that supports Python 3.10 must still import there: with tomllib and
    tomli made unimportable (standing in for an older Python, which this machine does not have),
    the resolver reads the subset hedgectl writes and agrees with tomllib."""
    from importlib import resources

    template = (
        resources.files("hedgectl.templates").joinpath("resolver").joinpath("hedge_models.py")
    )
    text = template.read_text(encoding="utf-8").replace("@@CONFIG@@", "hedge.toml")
    (tmp_path / "hedge_models.py").write_text(text)
    toml_text = """[audit]
note = '''
[models.inside_a_string]
id = "nope"
'''
[models.chat]   # c
id = "deepseek-chat"  # trailing
provider = "deepseek"
[models."quoted"]
id = 'Qwen/Qwen2.5-72B-Instruct'
[models.escaped]
id = "a\\u00e9b"
"""
    (tmp_path / "hedge.toml").write_text(toml_text)
    script = (
        "import sys, json\n"
        "sys.modules['tomllib'] = None; sys.modules['tomli'] = None\n"
        "import hedge_models as h\n"
        "assert h._toml is None\n"
        "print(json.dumps([h.hedge_model(a, 'default') for a in "
        "('chat', 'quoted', 'escaped', 'inside_a_string', 'missing')]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=_env(), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    expected = tomllib.loads(toml_text)["models"]
    assert json.loads(proc.stdout) == [
        expected["chat"]["id"], expected["quoted"]["id"], expected["escaped"]["id"], "default",
        "default",
    ]  # fmt: skip


def test_unparsable_file_is_skipped_never_touched(sample: Path) -> None:
    broken = sample / "python" / "broken.py"
    broken.write_text('MODEL = "deepseek-chat"\ndef oops(:\n')
    (sample / "js" / "broken.js").write_text('const m = { model: "deepseek-chat" ;\n')
    git(sample, "add", "-A")
    git(sample, "commit", "-qm", "broken files")
    code, _, err = run("rewrite", "--write", cwd=sample)
    assert code == 0
    assert "skipped python/broken.py: does not parse" in err
    assert "; skipped" not in err  # said once, at the start of the line
    # JS is read statement by statement: the broken one is listed, the file left as it was.
    assert "js/broken.js:1: 'deepseek-chat': needs a person: code the parser cannot read" in err
    assert (sample / "js" / "broken.js").read_text() == 'const m = { model: "deepseek-chat" ;\n'
    assert broken.read_text() == 'MODEL = "deepseek-chat"\ndef oops(:\n'


def test_read_only_file_is_a_clear_error_and_nothing_is_written(sample: Path) -> None:
    target = sample / "js" / "client.js"
    target.chmod(0o444)
    before = snapshot(sample)
    code, _, err = run("rewrite", "--write", "-q", cwd=sample)
    assert code == 2
    assert "client.js: the file is read-only; nothing was written" in err
    assert "Traceback" not in err
    assert snapshot(sample) == before


def test_dirty_tree_needs_force(sample: Path) -> None:
    llm = sample / "python" / "assistant" / "llm.py"
    llm.write_text(llm.read_text() + "\n# local edit\n")
    code, _, err = run("rewrite", "--write", "-q", cwd=sample)
    assert code == 2
    assert "uncommitted changes in python/assistant/llm.py" in err and "--force" in err
    assert "hedge_model(" not in llm.read_text()
    # Removed from the index but still on disk: git reports it twice, the error names it once.
    git(sample, "rm", "-q", "--cached", "python/assistant/llm.py")
    code, _, err = run("rewrite", "--write", "-q", cwd=sample)
    assert code == 2 and err.count("python/assistant/llm.py") == 1, err
    code, _, _ = run("rewrite", "--write", "--force", "-q", cwd=sample)
    assert code == 0
    assert "# local edit" in llm.read_text() and "hedge_model(" in llm.read_text()


def test_json_plan_and_selectors(sample: Path) -> None:
    code, out, _ = run("rewrite", "--format", "json", "--vendor", "moonshot", "-q", cwd=sample)
    assert code == 0
    plan = json.loads(out)
    assert plan["schema"] == "hedgectl.rewrite/v1"
    assert {r["vendor"] for r in plan["rewrites"]} == {"moonshot"}
    assert {a["alias"] for a in plan["aliases"]} == {"moonshot_v1_8k", "kimi_k2_0905_preview"}
    assert {c["path"] for c in plan["changes"] if c["kind"] == "code"} == {
        "js/client.js", "python/assistant/llm.py", "ts/router.ts",
    }  # fmt: skip
    assert any(s["reason"].startswith("needs a person: dynamic") for s in plan["skipped"])
    assert plan["config_ids"] == [{"line": 3, "model_id": "deepseek-chat", "path": "config.yaml"}]
    assert run("rewrite", "--vendor", "nosuch", cwd=sample)[0] == 2
    assert run("rewrite", "--write", "--check", cwd=sample)[0] == 2


def test_script_outside_a_package_gets_a_resolver_next_to_it(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text('import sys\nMODEL = "deepseek-reasoner"\nprint(MODEL)\n')
    code, _, _ = run("rewrite", "--write", "-q", cwd=tmp_path)
    assert code == 0  # not a git repository: nothing to be dirty
    assert (tmp_path / "hedge_models.py").is_file()
    assert "from hedge_models import hedge_model" in (tmp_path / "tool.py").read_text()
    proc = subprocess.run(
        [sys.executable, "tool.py"], cwd=tmp_path, env=_env(), capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert proc.stdout.strip() == "deepseek-reasoner"
    data = tomllib.loads((tmp_path / "hedge.toml").read_text())
    assert data["models"]["deepseek_reasoner"]["provider"] == "deepseek"


def test_folder_imported_as_a_namespace_package_imports_both_ways(tmp_path: Path) -> None:
    """A folder with no `__init__.py` whose sibling imports it relatively (`from .evaluate import
    ...`, gpt-researcher's evals/hallucination_eval) runs as a package (`python -m`) and as a
    script: the resolver import must work both ways, a bare `from hedge_models` only in one."""
    evals = tmp_path / "evals" / "judge"
    evals.mkdir(parents=True)
    (evals / "evaluate.py").write_text(
        'import sys\nMODEL = "deepseek-chat"\nif __name__ == "__main__":\n    print(MODEL)\n'
    )
    (evals / "run.py").write_text("from .evaluate import MODEL\nprint(MODEL)\n")
    code, _, _ = run("rewrite", "--write", "-q", cwd=tmp_path)
    assert code == 0
    assert (evals / "hedge_models.py").is_file()
    for command in (
        [sys.executable, "-m", "evals.judge.run"],
        [sys.executable, "evals/judge/evaluate.py"],
    ):
        proc = subprocess.run(
            command, cwd=tmp_path, env=_env(HEDGE_MODEL_DEEPSEEK_CHAT="from-env"),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "from-env"
    before = (evals / "evaluate.py").read_text()
    assert run("rewrite", "--check", "-q", cwd=tmp_path)[0] == 0  # a second run changes nothing
    assert (evals / "evaluate.py").read_text() == before


def test_package_without_init_that_imports_itself_by_name(tmp_path: Path) -> None:
    """open_deep_research's src/open_deep_research/ has no `__init__.py`; its modules import each
    other as `open_deep_research.configuration`: a bare `from hedge_models` fails there too."""
    pkg = tmp_path / "src" / "agent"
    pkg.mkdir(parents=True)
    (pkg / "configuration.py").write_text('research_model: str = "deepseek-chat"\n')
    (pkg / "graph.py").write_text(
        "from agent.configuration import research_model\nprint(research_model)\n"
    )
    code, _, _ = run("rewrite", "--write", "-q", cwd=tmp_path)
    assert code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "agent.graph"], cwd=tmp_path / "src",
        env=_env(HEDGE_MODEL_DEEPSEEK_CHAT="from-env"), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "from-env"


@pytest.mark.parametrize("layout", ["src on sys.path", "package on sys.path"])
def test_resolver_import_follows_how_the_package_imports_itself(
    tmp_path: Path, layout: str
) -> None:
    """`src/` with an `__init__.py` but run with `src/` itself on sys.path (its modules import
    `config.schema`, not `src.config.schema`): the import must be `from hedge_models`, or the
    rewritten server no longer starts. The usual layout keeps `from src.hedge_models`."""
    src = tmp_path / "server" / "src"
    (src / "config").mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "config" / "__init__.py").write_text("")
    (src / "config" / "schema.py").write_text('MODEL = "deepseek-chat"\n')
    head = "config.schema" if layout == "src on sys.path" else "src.config.schema"
    (src / "app.py").write_text(f"from {head} import MODEL\nprint(MODEL)\n")
    if layout == "src on sys.path":  # the project's entry point, like graphiti's mcp_server
        (tmp_path / "server" / "main.py").write_text(
            "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent / 'src'))\n"
            "import app\n"
        )
        command = [sys.executable, "main.py"]
    else:
        command = [sys.executable, "-m", "src.app"]
    code, _, _ = run("rewrite", "--write", "-q", cwd=tmp_path)
    assert code == 0
    module = "hedge_models" if layout == "src on sys.path" else "src.hedge_models"
    assert f"from {module} import hedge_model" in (src / "config" / "schema.py").read_text()
    proc = subprocess.run(
        command, cwd=tmp_path / "server", env=_env(HEDGE_MODEL_DEEPSEEK_CHAT="from-env"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "from-env"


def test_symlinked_source_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "lib"
    real.mkdir()
    (real / "models.py").write_text('CHAT_MODEL = "deepseek-chat"\n')
    (tmp_path / "link.py").symlink_to(real / "models.py")
    assert run("rewrite", "--write", "-q", "link.py", cwd=tmp_path)[0] == 0
    assert (tmp_path / "link.py").is_symlink()
    assert (
        'CHAT_MODEL = hedge_model("deepseek_chat", "deepseek-chat")'
        in (real / "models.py").read_text()
    )


def test_settings_in_pyproject_are_not_shadowed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.hedgectl.audit]\nfail_on = "any"\n')
    (tmp_path / "app.py").write_text('CHAT = "deepseek-chat"\n')
    code, _, err = run("rewrite", "--write", cwd=tmp_path)
    assert code == 2 and "[tool.hedgectl]" in err
    assert not (tmp_path / "hedge.toml").exists()


def test_help_does_not_load_the_parsers() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, hedgectl.cli.app; print(sorted(sys.modules))"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    loaded = proc.stdout
    for heavy in ("libcst", "tree_sitter", "tomlkit"):
        assert f"'{heavy}" not in loaded


def test_only_files_where_audit_finds_a_model_id_are_parsed(tmp_path: Path) -> None:
    # Both files are broken Python: a parse would report them. Only the one with an ID is parsed.
    (tmp_path / "mentions.py").write_text("# talks to deepseek and gpt servers\ndef oops(:\n")
    (tmp_path / "holds_id.py").write_text('def oops(:\n    MODEL = "deepseek-chat"\n')
    code, _, err = run("rewrite", cwd=tmp_path)
    assert code == 0
    assert "skipped holds_id.py: does not parse" in err
    assert "mentions.py" not in err


def test_a_default_typed_as_a_union_of_literals_still_type_checks(tmp_path: Path) -> None:
    """pydantic-ai's `model: Model | KnownModelName = "openai:gpt-5.2"`: mypy infers the
    resolver's type variable from that union only when it has no `str` bound."""
    (tmp_path / "judge.py").write_text(
        "from typing import Literal\n\n\nclass Model: ...\n\n\n"
        'def judge(model: Model | Literal["openai:gpt-4o", "x"] = "openai:gpt-4o") -> None: ...\n'
    )
    code, _, _ = run("rewrite", "--write", "-q", cwd=tmp_path)
    assert code == 0
    assert 'hedge_model("gpt_4o", "openai:gpt-4o")' in (tmp_path / "judge.py").read_text()
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "judge.py"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout


PARENT_TOML = '[models.x]\nid = "gpt-4o"\nprovider = "openai"\n'


def test_a_hedge_toml_above_the_repository_is_refused_not_edited(tmp_path: Path) -> None:
    (tmp_path / "hedge.toml").write_text(PARENT_TOML)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text('CHAT_MODEL = "deepseek-chat"\n')
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "app")
    for args in (("rewrite",), ("rewrite", "--write"), ("rewrite", "--format", "json")):
        code, out, err = run(*args, cwd=repo)
        assert (code, out) == (2, "")
        assert err.startswith(
            f"error: {tmp_path / 'hedge.toml'} is outside the project being rewritten"
        )
        assert f"pass --config {tmp_path / 'hedge.toml'}" in err and "Traceback" not in err
    assert (tmp_path / "hedge.toml").read_text() == PARENT_TOML
    assert git(repo, "status", "--porcelain") == ""
    # Named on purpose, it is used, and the diff names it as a path from the working folder.
    code, out, _ = run("rewrite", "--config", "../hedge.toml", cwd=repo)
    assert code == 0
    assert "+++ b/../hedge.toml\n" in out and "b//" not in out
    # Once the project has its own, that one is the project's configuration.
    (repo / "hedge.toml").write_text("")
    code, out, _ = run("rewrite", cwd=repo)
    assert code == 0 and "+++ b/hedge.toml\n" in out


def test_outside_git_the_project_is_the_working_folder_or_the_target(tmp_path: Path) -> None:
    (tmp_path / "hedge.toml").write_text(PARENT_TOML)
    work = tmp_path / "work"
    (work / "proj").mkdir(parents=True)
    (work / "proj" / "app.py").write_text('CHAT_MODEL = "deepseek-chat"\n')
    assert run("rewrite", "proj", cwd=work)[0] == 2
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run("rewrite", str(work / "proj"), cwd=elsewhere)[0] == 2
    # A hedge.toml in the working folder is the project's, whatever PATH says.
    (work / "hedge.toml").write_text(PARENT_TOML)
    code, out, _ = run("rewrite", "proj", cwd=work)
    assert code == 0 and "+++ b/hedge.toml\n" in out
