"""`hedgectl rewrite` on TypeScript that tsc compiles into an outDir (modelled on
vercel-labs/ai-sdk-slackbot: `include: ["app"]`, code in lib/, `outDir: "dist"`, so tsc's rootDir
is the project and dist/lib/x.js sits one folder deeper than lib/x.ts): the build output must run
and read hedge.toml, not only type-check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_rewrite_cli import _env, git, run
from tests.cli.test_rewrite_web import NODE, needs_tsc, tsc

LLM = """export const CHAT_MODEL = "deepseek-chat";
export function body(prompt: string) {
  return { model: CHAT_MODEL, messages: [{ role: "user", content: prompt }] };
}
"""


def project(root: Path, *, esm: bool) -> Path:
    ext = ".js" if esm else ""
    files = {
        "package.json": json.dumps(
            {"name": "bot", "private": True, "type": "module" if esm else "commonjs"}
        ),
        # tsconfig.json with comments and a trailing comma, its outDir from the base it extends.
        "tsconfig.base.json": '{ "compilerOptions": { "outDir": "./dist" } }',
        "tsconfig.json": """{
  // as tsc reads it: JSON with comments
  "extends": "./tsconfig.base.json",
  "compilerOptions": {
    "strict": true, "target": "es2022", "types": [], "lib": ["es2022", "dom"],
    "module": "MODULE", /* the output's module kind */
  },
  "include": ["app"],
}
""".replace("MODULE", "nodenext" if esm else "commonjs"),
        "app/main.ts": f'import {{ body }} from "../lib/llm{ext}";\nconsole.log(body("hi").model);\n',
        "lib/llm.ts": LLM,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "bot")
    return root


def node_run(root: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, script], cwd=root.parent, env=_env(**env), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


@needs_tsc
@pytest.mark.parametrize("esm", [False, True], ids=["commonjs", "nodenext-esm"])
def test_the_compiled_output_runs_and_reads_hedge_toml(tmp_path: Path, esm: bool) -> None:
    root = project(tmp_path / "bot", esm=esm)
    code, _, summary = run("rewrite", "--write", "-q", cwd=root)
    assert code == 0, summary
    # The resolver is a TypeScript module beside the code, so tsc compiles it into outDir.
    assert (root / "lib/hedge_models.ts").is_file()
    assert not (root / "hedge_models.cjs").exists()
    assert 'from "./hedge_models.js"' in (root / "lib/llm.ts").read_text()
    built = tsc(root)
    assert built.returncode == 0, built.stdout
    assert (root / "dist/lib/hedge_models.js").is_file()

    main = str(root / "dist/app/main.js")
    assert node_run(root, main).stdout.strip() == "deepseek-chat"
    toml = root / "hedge.toml"
    toml.write_text(toml.read_text().replace('id = "deepseek-chat"', 'id = "deepseek-reasoner"'))
    assert node_run(root, main).stdout.strip() == "deepseek-reasoner"
    assert node_run(root, main, HEDGE_MODEL_DEEPSEEK_CHAT="qwen-max").stdout.strip() == "qwen-max"
    # A second run changes nothing.
    code, out, _ = run("rewrite", "--check", cwd=root)
    assert (code, out) == (0, "")


@needs_tsc
def test_a_deeper_output_folder_still_finds_hedge_toml(tmp_path: Path) -> None:
    root = project(tmp_path / "bot", esm=False)
    (root / "tsconfig.base.json").write_text('{"compilerOptions": {"outDir": "build/out/js"}}')
    git(root, "commit", "-qam", "deeper")
    assert run("rewrite", "--write", "-q", cwd=root)[0] == 0
    assert tsc(root).returncode == 0
    toml = root / "hedge.toml"
    toml.write_text(toml.read_text().replace('id = "deepseek-chat"', 'id = "deepseek-reasoner"'))
    out = node_run(root, str(root / "build/out/js/app/main.js"))
    assert out.stdout.strip() == "deepseek-reasoner", out.stderr


@pytest.mark.parametrize(
    "tsconfig",
    [
        '{"compilerOptions": {"outDir": "dist"',  # cut short
        '{"extends": "./tsconfig.json", "compilerOptions": {"outDir": "dist"}}',  # a cycle
        '{"compilerOptions": {"outDir": "dist", "module": "amd"}}',  # not a Node module kind
        '{"compilerOptions": {"outDir": "dist"}, "x": "' + "a" * 300_000 + '"}',  # too large
    ],
    ids=["bad-json", "extends-cycle", "amd", "huge"],
)
def test_a_tsconfig_it_cannot_trust_keeps_the_node_resolver_with_a_note(
    tmp_path: Path, tsconfig: str
) -> None:
    root = project(tmp_path / "bot", esm=False)
    (root / "tsconfig.json").write_text(tsconfig)
    code, _, summary = run("rewrite", cwd=root)
    assert code == 0, summary
    assert "note: tsconfig.json not read (" in summary
    code, out, _ = run("rewrite", "--format", "json", cwd=root)
    plan = json.loads(out)
    assert [c["path"] for c in plan["changes"] if c["kind"] == "resolver"] == [
        "hedge_models.cjs",
        "hedge_models.d.cts",
    ]
    assert plan["notes"][0].startswith("tsconfig.json not read (")


def test_a_tsconfig_symlinked_outside_the_project_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text('{"compilerOptions": {"outDir": "dist"}}')
    root = project(tmp_path / "bot", esm=False)
    (root / "tsconfig.json").unlink()
    (root / "tsconfig.json").symlink_to(outside)
    code, _, summary = run("rewrite", cwd=root)
    assert code == 0
    assert "note: tsconfig.json not read (it points outside the project)" in summary


def test_without_an_out_dir_the_node_resolver_is_kept(tmp_path: Path) -> None:
    root = project(tmp_path / "bot", esm=False)
    (root / "tsconfig.base.json").write_text('{"compilerOptions": {"noEmit": true, "outDir": "d"}}')
    code, out, summary = run("rewrite", cwd=root)
    assert code == 0
    assert "+++ b/hedge_models.cjs" in out and "hedge_models.ts" not in out
    assert "note:" not in summary


def test_an_out_dir_outside_the_folder_of_hedge_toml_keeps_the_node_resolver_with_a_note(
    tmp_path: Path,
) -> None:
    root = project(tmp_path / "bot", esm=False)
    (root / "tsconfig.base.json").write_text('{"compilerOptions": {"outDir": "../out"}}')
    code, out, summary = run("rewrite", cwd=root)
    assert code == 0, summary
    assert "note: tsconfig.json: its outDir or its files are outside the folder of hedge.toml" in (
        summary.replace("\n", " ")
    )
    assert "+++ b/hedge_models.cjs" in out and "hedge_models.ts" not in out
