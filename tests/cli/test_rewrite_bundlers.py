"""What `rewrite` writes into browser and bundled projects goes through real bundlers: Vite (a
browser app in TypeScript, ESM) and Rollup (a bundled JavaScript package run by Node), from npm.
The bundles build, carry no fs or require, keep the original IDs without overrides, and take an
override from a build-time variable, a runtime variable or hedge.toml."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_rewrite_cli import _env, git, run

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "vite" / "node_modules" / ".bin"
NODE = shutil.which("node")
needs_vite = pytest.mark.skipif(
    not (BIN / "vite").exists() or NODE is None,
    reason="vite not installed (make test installs it from npm)",
)

VITE_APP = {
    "package.json": json.dumps(
        {"name": "chat", "private": True, "type": "module", "devDependencies": {"vite": "5.4.11"}}
    ),
    "index.html": '<!doctype html><html><body><script type="module" src="/src/main.ts"></script>'
    "</body></html>\n",
    "src/main.ts": """const DEFAULT_MODEL = "gpt-4o-mini";
export function body(prompt: string): string {
  return JSON.stringify({ model: DEFAULT_MODEL, messages: [{ role: "user", content: prompt }] });
}
export const MODELS = ["gpt-4o-mini", "deepseek-chat"];
document.title = body("hi") + MODELS.join(",");
""",
}

ROLLUP_PKG = {
    "package.json": json.dumps(
        {"name": "router", "private": True, "type": "module", "devDependencies": {"rollup": "4"}}
    ),
    "src/index.js": """export const CHAT_MODEL = "deepseek-chat";
export function request(prompt) {
  return { model: CHAT_MODEL, messages: [{ role: "user", content: prompt }] };
}
console.log(request("hi").model);
""",
}


def project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "project")
    return root


def tool(name: str, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(BIN / name), *args], cwd=cwd, env=_env(**env), capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def bundle_text(dist: Path) -> str:
    return "".join(p.read_text() for p in sorted(dist.rglob("*.js")))


@needs_vite
def test_vite_app_builds_and_takes_a_build_time_override(tmp_path: Path) -> None:
    app = project(tmp_path / "chat", VITE_APP)
    tool("vite", "build", "--logLevel", "error", cwd=app)
    before = bundle_text(app / "dist")
    assert "gpt-4o-mini" in before

    assert run("rewrite", "--write", "-q", cwd=app)[0] == 0
    main = (app / "src/main.ts").read_text()
    assert 'import { hedgeModel } from "../hedge_models.browser";' in main
    assert 'DEFAULT_MODEL = hedgeModel("gpt_4o_mini", "gpt-4o-mini")' in main
    assert 'MODELS = ["gpt-4o-mini", "deepseek-chat"]' in main  # a list: left to a person
    resolver = (app / "hedge_models.browser.ts").read_text()
    assert "VITE_HEDGE_MODEL_GPT_4O_MINI" in resolver

    # Builds with no override: the bundle still holds the original ID and nothing of Node.
    tool("vite", "build", "--logLevel", "error", cwd=app)
    after = bundle_text(app / "dist")
    assert "gpt-4o-mini" in after
    for node_only in ("node:fs", "require(", "readFileSync"):
        assert node_only not in after
    # A build-time variable is inlined by Vite.
    tool("vite", "build", "--logLevel", "error", cwd=app, VITE_HEDGE_MODEL_GPT_4O_MINI="gpt-4.1")
    assert '"gpt-4.1"' in bundle_text(app / "dist")
    # hedge.toml's ID, after rewrite refreshes the generated module.
    toml = app / "hedge.toml"
    toml.write_text(toml.read_text().replace('id = "gpt-4o-mini"', 'id = "qwen-max"'))
    assert run("rewrite", "--write", "--force", "-q", cwd=app)[0] == 0
    tool("vite", "build", "--logLevel", "error", cwd=app)
    assert '"qwen-max"' in bundle_text(app / "dist")


@needs_vite
def test_rollup_bundle_runs_anywhere_and_takes_overrides(tmp_path: Path) -> None:
    """A bundled package gets the data resolver (rollup does not load CommonJS without a plugin,
    and a bundle moves the code away from hedge.toml); the bundle runs from any folder."""
    assert NODE is not None
    pkg = project(tmp_path / "router", ROLLUP_PKG)
    assert run("rewrite", "--write", "-q", cwd=pkg)[0] == 0
    index = (pkg / "src/index.js").read_text()
    assert 'import { hedgeModel } from "../hedge_models.browser.js";' in index
    assert not (pkg / "hedge_models.cjs").exists() and not (pkg / "hedge_models.mjs").exists()
    tool(
        "rollup", "src/index.js", "--file", "dist/index.cjs", "--format", "cjs", "--silent", cwd=pkg
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(pkg / "dist" / "index.cjs", elsewhere / "index.cjs")
    (elsewhere / "hedge.toml").write_text('[models.deepseek_chat]\nid = "other-project"\n')

    def node(**env: str) -> str:
        assert NODE is not None
        return subprocess.run(
            [NODE, "index.cjs"], cwd=elsewhere, env=_env(**env), capture_output=True, text=True,
            timeout=60, check=True,
        ).stdout.strip()  # fmt: skip

    assert node() == "deepseek-chat"  # another project's hedge.toml is never read
    assert node(HEDGE_MODEL_DEEPSEEK_CHAT="deepseek-reasoner") == "deepseek-reasoner"


def test_edge_and_nested_packages_get_their_own_data_resolver(tmp_path: Path) -> None:
    """A Cloudflare Workers project (wrangler.toml) has no fs: its TypeScript gets the data
    resolver even without a front-end dependency; a nested package (an example app with its own
    package.json) gets a resolver inside itself, never an import that leaves its folder."""
    files = {
        "package.json": json.dumps({"name": "gw", "private": True}),
        "wrangler.toml": 'name = "gw"\nmain = "src/index.ts"\n',
        "src/providers/x.ts": 'export const config = { model: "grok-beta" };\n',
        "src/server.ts": 'import fs from "node:fs";\nexport const DEFAULT_MODEL = "gpt-4o";\n'
        "export const exists = fs.existsSync;\n",
        "cookbook/app/package.json": json.dumps({"name": "demo", "dependencies": {"next": "14"}}),
        "cookbook/app/lib/chat.ts": 'export const req = { model: "gpt-4o-mini" };\n',
    }
    root = project(tmp_path / "gw", files)
    assert run("rewrite", "--write", "-q", cwd=root)[0] == 0
    assert 'from "../../hedge_models.browser";' in (root / "src/providers/x.ts").read_text()
    assert 'from "../hedge_models.cjs";' in (root / "src/server.ts").read_text()  # imports fs
    assert 'from "../hedge_models.browser";' in (root / "cookbook/app/lib/chat.ts").read_text()
    nested = (root / "cookbook/app/hedge_models.browser.ts").read_text()
    assert "NEXT_PUBLIC_HEDGE_MODEL_GPT_4O_MINI" in nested
    assert "NEXT_PUBLIC_" not in (root / "hedge_models.browser.ts").read_text()
    # Idempotent, and an edit of hedge.toml refreshes both generated modules.
    git(root, "add", "-A")
    git(root, "commit", "-qm", "rewritten")
    assert run("rewrite", "--write", "-q", cwd=root)[0] == 0
    assert git(root, "status", "--porcelain") == ""
    toml = root / "hedge.toml"
    toml.write_text(toml.read_text().replace('id = "grok-beta"', 'id = "grok-4"'))
    assert run("rewrite", "--write", "--force", "-q", cwd=root)[0] == 0
    changed = sorted(line[3:] for line in git(root, "status", "--porcelain").splitlines())
    assert changed == [
        "cookbook/app/hedge_models.browser.ts",
        "hedge.toml",
        "hedge_models.browser.ts",
    ]
