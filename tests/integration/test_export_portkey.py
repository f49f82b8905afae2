"""The Portkey export against the real Portkey gateway (npm @portkey-ai/gateway, run by node on
loopback): every exported config passes the gateway's own config validator, and a fallback chain
really fails over when the first provider answers with a geo-block 403.

The providers are one fake OpenAI-compatible server on 127.0.0.1; the test points each target at it
with `custom_host` (the gateway trusts 127.0.0.1 for that by default). `make test` installs the
gateway into .venv/portkey; without it (or without node) these tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import string
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = (
    ROOT
    / ".venv"
    / "portkey"
    / "node_modules"
    / "@portkey-ai"
    / "gateway"
    / "build"
    / "start-server.js"
)
NODE = shutil.which("node")
pytestmark = [
    pytest.mark.skipif(
        NODE is None or not GATEWAY.is_file(),
        reason="needs node and the Portkey gateway in .venv/portkey (make test installs both)",
    ),
    pytest.mark.timeout(180),
]

HEDGE_TOML = """
[models.chat]
id = "deepseek-chat"
provider = "deepseek"
fallbacks = ["backup"]

[models.backup]
id = "gpt-4.1-mini"
provider = "openai"
api_key_env = "OPENAI_KEY_EU"

[models.writer]
id = "moonshot-v1-8k"
provider = "moonshot"
fallbacks = ["openai/gpt-4.1"]
"""
KEYS = {
    "DEEPSEEK_API_KEY": "sk-ds",
    "OPENAI_KEY_EU": "sk-eu",
    "OPENAI_API_KEY": "sk-oa",
    "MOONSHOT_API_KEY": "sk-ms",
}


class FakeProvider(BaseHTTPRequestHandler):
    """OpenAI-style chat completions; deepseek-chat is geo-blocked like OpenAI's own 403."""

    calls: list[tuple[str, str, str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
        model = str(body.get("model"))
        self.calls.append((self.path, model, self.headers.get("authorization", "")))
        if model == "deepseek-chat":
            code: int = 403
            out: dict[str, Any] = {
                "error": {
                    "code": "unsupported_country_region_territory",
                    "message": "Country, region, or territory not supported",
                    "type": "request_forbidden",
                }
            }
        else:
            code = 200
            out = {
                "id": "c1", "object": "chat.completion", "created": 1, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }  # fmt: skip
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert NODE is not None
    port = _free_port()
    log = tmp_path_factory.mktemp("portkey") / "gateway.log"
    env = {
        k: v for k, v in os.environ.items() if not k.endswith("_PROXY") and not k.endswith("_proxy")
    }
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [NODE, str(GATEWAY), f"--port={port}", "--headless"],
            stdout=sink, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"Portkey gateway did not start: {log.read_text(errors='replace')[-2000:]}"
                    )
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _export(tmp_path: Path, *args: str) -> str:
    (tmp_path / "hedge.toml").write_text(HEDGE_TOML)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(app, ["config", "export", "--format", "portkey", *args])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _deployable(config: dict[str, Any], provider: str) -> dict[str, Any]:
    """What a deploy step does with the export: fill ${VAR} (as envsubst would); the test also
    points every target at the loopback provider."""
    filled: dict[str, Any] = json.loads(string.Template(json.dumps(config)).substitute(KEYS))
    for target in filled["targets"]:
        target["custom_host"] = provider + "/v1"
    return filled


def _ask(gateway: str, config: dict[str, Any]) -> httpx.Response:
    with httpx.Client(timeout=30, trust_env=False) as client:
        return client.post(
            f"{gateway}/v1/chat/completions",
            headers={"x-portkey-config": json.dumps(config)},
            json={"messages": [{"role": "user", "content": "ping"}], "max_tokens": 16},
        )


def test_every_exported_config_passes_the_gateway_validator(
    tmp_path: Path, gateway: str, provider: str
) -> None:
    configs = json.loads(_export(tmp_path))["configs"]
    assert set(configs) == {"chat", "backup", "writer"}
    for name, config in configs.items():
        response = _ask(gateway, _deployable(config, provider))
        assert response.status_code == 200, (name, response.text)
    # The validator is really on: a malformed strategy is refused with the gateway's own message.
    bad = _deployable(configs["chat"], provider)
    bad["strategy"]["mode"] = "fallbak"
    response = _ask(gateway, bad)
    assert response.status_code == 400 and "Invalid config passed" in response.text


def test_fallback_chain_fails_over_on_a_geo_block(
    tmp_path: Path, gateway: str, provider: str
) -> None:
    config = json.loads(_export(tmp_path, "--alias", "chat"))
    FakeProvider.calls.clear()
    response = _ask(gateway, _deployable(config, provider))
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "gpt-4.1-mini"
    tried = [(model, auth) for _, model, auth in FakeProvider.calls]
    # DeepSeek first (refused with 403), then the alias's fallback with its own key.
    assert tried == [("deepseek-chat", "Bearer sk-ds"), ("gpt-4.1-mini", "Bearer sk-eu")]
