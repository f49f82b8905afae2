"""The LiteLLM export loaded by LiteLLM itself: its Router (what the proxy builds from config.yaml's
model_list and router_settings) accepts every group, resolves the os.environ/ key references, and
falls back along the exported chain. No request leaves the process: LiteLLM's mock_response answers
and mock_testing_fallbacks makes the primary fail.

LiteLLM is large and pins its own dependencies, so `make test` installs it into its own virtualenv
(.venv/litellm) and this test runs a script there; without it the test is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
LITELLM_PY = ROOT / ".venv" / "litellm" / "bin" / "python"
pytestmark = [
    pytest.mark.skipif(
        not (ROOT / ".venv" / "litellm" / ".installed").is_file(),
        reason="needs LiteLLM in .venv/litellm (make test installs it)",
    ),
    pytest.mark.timeout(300),
]

HEDGE_TOML = """
[models.chat]
id = "deepseek-chat"
provider = "deepseek"
fallbacks = ["backup", "anthropic/claude-sonnet-4-5"]

[models.backup]
id = "gpt-4.1-mini"
provider = "openai"
api_key_env = "OPENAI_KEY_EU"

[models.kimi]
id = "moonshotai/Kimi-K2-Instruct"
provider = "together"
fallbacks = ["chat"]

# Vercel AI Gateway's (and OpenRouter's) ID, as rewrite records it from code that calls the gateway.
[models.fast]
id = "anthropic/claude-haiku-4.5"
provider = "anthropic"
fallbacks = ["anthropic/claude-opus-4.5"]
"""

SCRIPT = r"""
import json, sys, yaml
import litellm
from litellm import Router

cfg = yaml.safe_load(open(sys.argv[1]))
router = Router(model_list=cfg["model_list"], **cfg["router_settings"])
out = {"groups": sorted({d["model_name"] for d in router.model_list})}
keys = {}
for d in router.model_list:
    keys[d["model_name"]] = d["litellm_params"].get("api_key")
out["keys"] = keys
served = {}
for group in ("chat", "kimi"):
    r = router.completion(
        model=group,
        messages=[{"role": "user", "content": "ping"}],
        mock_response="pong",
        mock_testing_fallbacks=True,
    )
    served[group] = [r.model, r.choices[0].message.content]
out["served"] = served
# The Anthropic models LiteLLM would call, and which of them its own model map does not know.
anthropic = [d["litellm_params"]["model"] for d in router.model_list]
anthropic = sorted(m.split("/", 1)[1] for m in anthropic if m.startswith("anthropic/"))
out["anthropic"] = anthropic
out["unknown"] = [m for m in anthropic if m not in litellm.model_cost]
print(json.dumps(out))
"""


def test_litellm_router_loads_the_export_and_falls_back(tmp_path: Path) -> None:
    (tmp_path / "hedge.toml").write_text(HEDGE_TOML)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(
            app, ["config", "export", "--format", "litellm", "-o", "config.yaml"]
        )
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.stderr
    (tmp_path / "check.py").write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")} | {
        # Never fetch the model cost map from the network at import.
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_TELEMETRY": "False",
        "DEEPSEEK_API_KEY": "sk-ds",
        "OPENAI_KEY_EU": "sk-eu",
        "ANTHROPIC_API_KEY": "sk-an",
        "TOGETHER_API_KEY": "sk-tg",
    }
    proc = subprocess.run(
        [str(LITELLM_PY), "check.py", "config.yaml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["groups"] == [
        "anthropic/claude-opus-4.5", "anthropic/claude-sonnet-4-5", "backup", "chat", "fast", "kimi",
    ]  # fmt: skip
    # Anthropic's own IDs, which LiteLLM's model map lists, not the gateway's dotted ones.
    assert out["anthropic"] == ["claude-haiku-4-5", "claude-opus-4-5", "claude-sonnet-4-5"]
    assert out["unknown"] == []
    # The primary failed (mock_testing_fallbacks) and the first fallback in the chain answered.
    # os.environ/ references resolved by LiteLLM to the keys in the environment.
    assert out["keys"] == {
        "chat": "sk-ds", "backup": "sk-eu", "anthropic/claude-sonnet-4-5": "sk-an", "kimi": "sk-tg",
        "fast": "sk-an", "anthropic/claude-opus-4.5": "sk-an",
    }  # fmt: skip
    assert out["served"]["chat"] == ["gpt-4.1-mini", "pong"]
    assert out["served"]["kimi"][1] == "pong"
    assert out["served"]["kimi"][0] in ("deepseek-chat", "deepseek/deepseek-chat")
