"""`hedgectl rewrite` on a small TypeScript web project modelled on a Next.js chat UI: browser and
edge files get a resolver without fs or require, Node files the one that reads hedge.toml, the
real TypeScript compiler reports the same before and after, and a second run changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_rewrite_cli import _env, git, run

ROOT = Path(__file__).resolve().parents[2]
TSC = ROOT / ".venv" / "typescript" / "node_modules" / ".bin" / "tsc"
NODE = shutil.which("node")
needs_tsc = pytest.mark.skipif(
    not TSC.exists() or NODE is None, reason="typescript not installed (make test installs it)"
)

FILES = {
    "package.json": json.dumps(
        {"name": "web", "private": True, "type": "module", "dependencies": {"next": "14.2.0"}}
    ),
    "tsconfig.json": json.dumps(
        {
            "compilerOptions": {
                "strict": True,
                "noEmit": True,
                "target": "es2022",
                "module": "esnext",
                "moduleResolution": "bundler",
                "jsx": "preserve",
                "isolatedModules": True,
                "lib": ["es2022", "dom"],
                "types": [],
            },
            "include": ["**/*.ts", "**/*.tsx"],
        }
    ),
    # Stand-ins for @types/react and @types/node (no npm install in a test).
    "types.d.ts": """declare namespace JSX {
  interface IntrinsicElements { [name: string]: { [attr: string]: unknown } }
}
declare module "node:fs" {
  const fs: { existsSync(p: string): boolean };
  export default fs;
}
""",
    # A client component: model IDs as a typed union, a default, a prefix check, a label.
    "app/components/chat.tsx": """'use client';
export type ModelType = "gpt-4o-mini" | "deepseek-chat";
export const DEFAULT_MODEL: ModelType = "gpt-4o-mini";
export const STORE_KEY = "chatgpt-next-web-store";
export const MODELS = ["gpt-4o-mini", "deepseek-chat"] as const;
export function isGPT4(model: string): boolean {
  return model.startsWith("gpt-4") || model.includes("claude-2");
}
export function Label() {
  return <span title="deepseek-chat">{DEFAULT_MODEL}</span>;
}
export const summarizeModel: ModelType = "deepseek-chat";
// Literals TypeScript widens to string: a const read into a mutable object, an object property.
export const DEFAULT_TTS_MODEL = "tts-1";
export const settings = { tts: { model: DEFAULT_TTS_MODEL }, realtime: { model: "gpt-4o-mini" } };
settings.tts.model = String(Date.now());
settings.realtime.model = String(Date.now());
""",
    # An edge route: the request payload's model.
    "app/api/chat/route.ts": """export const runtime = "edge";
export function body(prompt: string) {
  return { model: "deepseek-chat", messages: [{ role: "user", content: prompt }] };
}
""",
    # A Node-only server file.
    "server/jobs.ts": """import fs from "node:fs";
export const CHAT_MODEL = "deepseek-reasoner";
export function exists(p: string): boolean {
  return fs.existsSync(p);
}
""",
    # Plain JavaScript in the browser bundle (ESM package).
    "public/widget.js": """"use client";
export const widget = { model: "moonshot-v1-8k" };
""",
}


@pytest.fixture
def web(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "web")
    return root


def tsc(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TSC), "-p", "tsconfig.json"], cwd=root, capture_output=True, text=True,
        timeout=180, check=False,
    )  # fmt: skip


def node_eval(root: Path, script: str, **env: str) -> str:
    assert NODE is not None
    proc = subprocess.run(
        [NODE, "--input-type=module", "-e", script], cwd=root, env=_env(**env),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return proc.stdout.strip()


@needs_tsc
def test_web_project_type_checks_and_browser_code_gets_no_fs(web: Path) -> None:
    before = tsc(web)
    assert before.returncode == 0, before.stdout

    code, _, summary = run("rewrite", "--write", "-q", cwd=web)
    assert code == 0, summary
    chat = (web / "app/components/chat.tsx").read_text()
    assert 'import { hedgeModel } from "../../hedge_models.browser";' in chat
    assert 'DEFAULT_MODEL: ModelType = hedgeModel("gpt_4o_mini", "gpt-4o-mini")' in chat
    assert 'DEFAULT_TTS_MODEL = hedgeModel("tts_1", "tts-1")' in chat
    assert 'realtime: { model: hedgeModel("gpt_4o_mini", "gpt-4o-mini") }' in chat
    for kept in ('"chatgpt-next-web-store"', '["gpt-4o-mini", "deepseek-chat"] as const',
                 'startsWith("gpt-4")', 'includes("claude-2")', 'title="deepseek-chat"'):  # fmt: skip
        assert kept in chat
    route = (web / "app/api/chat/route.ts").read_text()
    assert '"../../../hedge_models.browser"' in route
    jobs = (web / "server/jobs.ts").read_text()
    assert 'from "../hedge_models.cjs"' in jobs
    widget = (web / "public/widget.js").read_text()
    assert 'from "../hedge_models.browser.js"' in widget

    for name in ("hedge_models.browser.ts", "hedge_models.browser.js"):
        text = (web / name).read_text()
        assert "require(" not in text and "node:" not in text and "fs." not in text
        assert "NEXT_PUBLIC_HEDGE_MODEL_GPT_4O_MINI" in text
    # The TypeScript compiler reports exactly what it reported before (nothing).
    after = tsc(web)
    assert after.returncode == 0, after.stdout

    # The browser module in plain JavaScript: defaults, hedge.toml's ids, build-time variables.
    script = (
        "import { hedgeModel } from './hedge_models.browser.js';"
        "console.log(hedgeModel('moonshot_v1_8k', 'x'), hedgeModel('not_there', 'dflt'));"
    )
    assert node_eval(web, script) == "moonshot-v1-8k dflt"
    env = {"NEXT_PUBLIC_HEDGE_MODEL_MOONSHOT_V1_8K": "gpt-4.1"}
    assert node_eval(web, script, **env) == "gpt-4.1 dflt"
    # The Node resolver from ESM, through the CommonJS module.
    node_script = (
        "import { hedgeModel } from './hedge_models.cjs';"
        "console.log(hedgeModel('deepseek_reasoner', 'x'));"
    )
    assert node_eval(web, node_script) == "deepseek-reasoner"

    # Idempotent: a second --write leaves git clean.
    git(web, "add", "-A")
    git(web, "commit", "-qm", "rewritten")
    assert run("rewrite", "--write", "-q", cwd=web)[0] == 0
    assert git(web, "status", "--porcelain") == ""

    # Editing hedge.toml and rewriting refreshes the browser module's data, nothing else.
    toml = web / "hedge.toml"
    toml.write_text(toml.read_text().replace('id = "moonshot-v1-8k"', 'id = "kimi-k2"'))
    assert run("rewrite", "--write", "--force", "-q", cwd=web)[0] == 0
    changed = git(web, "status", "--porcelain").split()
    assert sorted(c for c in changed if c != "M") == sorted(
        ["hedge.toml", "hedge_models.browser.js", "hedge_models.browser.ts"]
    )
    assert node_eval(web, script) == "kimi-k2 dflt"


@needs_tsc
def test_js_runtime_option_forces_the_browser_resolver(web: Path) -> None:
    assert run("rewrite", "--write", "-q", "--js-runtime", "browser", cwd=web)[0] == 0
    assert not (web / "hedge_models.cjs").exists()
    assert '"../hedge_models.browser"' in (web / "server/jobs.ts").read_text()
    assert tsc(web).returncode == 0
