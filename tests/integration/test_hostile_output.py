"""Every human output of every command, on hostile input: nothing reaches the terminal raw.

A scanned repository names its files, a Hub repository names its files, a provider's server
writes its error bodies, hedge.toml's [catalog] names vendors: any of them can hold ESC sequences
(clear the screen, set the title, fake a hyperlink), BEL, a CR that overwrites the line before it,
C1 controls (\\x9b is a one-byte CSI) or bidi overrides that reorder what is shown, and a newline
that forges a line of its own. Each row runs one command in one human format and checks stdout,
stderr and the --output file; JSON and SARIF (machine formats) are checked to keep the exact value.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import run
from tests.integration.mirror.conftest import seaweed  # noqa: F401  (the real S3 for mirror)
from tests.servers.hub import HubFile, HubRepo, HubServer
from tests.servers.seaweed import Seaweed

EVIL = "e\x1b]0;owned\x07\x1b[2J\r\u202e\x9bx\nfake"
# What no human output may hold: C0 controls but tab and line feed, a CR that is not part of a
# CRLF, DEL, C1 controls, bidi overrides/isolates, and (a name that is not UTF-8) lone surrogates.
RAW = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]|\r(?!\n)"
)


@dataclass
class World:
    tree: Path  # a checkout with hostile names and contents
    reach: Path  # a folder whose hedge.toml points at a hostile provider
    config: Path  # a folder whose hedge.toml names a vendor with control characters
    hub: HubServer
    weed: Seaweed

    def mirror(self, *rest: str) -> list[str]:
        return ["--hub-endpoint", self.hub.url, "--endpoint-url", self.weed.endpoint, *rest]


def _hostile_provider() -> tuple[socket.socket, int]:
    """A provider that answers 403 with an error code and message built to attack a terminal."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(30)
    body = json.dumps({"error": {"code": EVIL, "type": EVIL, "message": EVIL}}).encode()

    def serve() -> None:
        for _ in range(200):  # bounded
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
                )

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, seaweed: Seaweed) -> Iterator[World]:  # noqa: F811
    tree = tmp_path_factory.mktemp("tree")
    (tree / f"{EVIL}.py").write_text(f'MODEL = "deepseek-chat"  # {EVIL}\n')
    (tree / f"{EVIL}.js").write_text(f'const model = "kimi-k2-thinking"; // {EVIL}\n')
    (tree / f"{EVIL}.png").write_bytes(b"\x89PNG\0")  # skipped: -v names it
    (tree / "client.py").write_text('MODEL = "glm-4.6"\n')
    config = tmp_path_factory.mktemp("config")  # a hedge.toml that names a vendor hostilely
    (config / "hedge.toml").write_text(
        f"[catalog.vendors.acme]\nname = {json.dumps(EVIL)}\nhq = {json.dumps('CN')}\n"
        'tier = "named"\napi_hosts = ["api.acme.example"]\n'
    )
    server, port = _hostile_provider()
    reach = tmp_path_factory.mktemp("reach")
    (reach / "hedge.toml").write_text(
        f'[reach]\ntimeout = 5\nhistory = "h.sqlite3"\n[regions.here]\n'
        f'[providers.evil]\nbase_url = "http://127.0.0.1:{port}"\n'
    )
    repo = HubRepo(
        "acme/tiny",
        [
            HubFile("config.json", 0, lfs=False, content=b"{}\n"),
            HubFile(f"{EVIL}.bin", 0, lfs=False, content=b"weights\n"),
        ],
    )
    hub = HubServer([repo]).start()
    try:
        yield World(tree, reach, config, hub, seaweed)
    finally:
        hub.stop()
        server.close()


# (command line, folder, exit codes accepted). {mirror} expands to the Hub and S3 flags.
HUMAN: list[tuple[str, list[str], str, tuple[int, ...]]] = [
    ("audit table", ["audit"], "tree", (1,)),
    ("audit -v", ["audit", "-v"], "tree", (1,)),
    ("audit csv", ["audit", "-f", "csv"], "tree", (1,)),
    ("audit markdown", ["audit", "-f", "markdown"], "tree", (1,)),
    ("audit summary", ["audit", "--summary"], "tree", (1,)),
    ("audit summary markdown", ["audit", "--summary", "-f", "markdown"], "tree", (1,)),
    ("audit by model", ["audit", "--group-by", "model"], "tree", (1,)),
    ("audit by vendor", ["audit", "--group-by", "vendor"], "tree", (1,)),
    ("audit by file", ["audit", "--group-by", "file"], "tree", (1,)),
    ("audit by file markdown", ["audit", "--group-by", "file", "-f", "markdown"], "tree", (1,)),
    ("audit table -o", ["audit", "-o", "{out}"], "tree", (1,)),
    ("audit csv -o", ["audit", "-f", "csv", "-o", "{out}"], "tree", (1,)),
    ("audit error", ["audit", f"{EVIL}.missing"], "tree", (2,)),
    ("audit missing baseline", ["audit", "--baseline", f"{EVIL}.json"], "tree", (2,)),
    ("rewrite diff", ["rewrite"], "tree", (0,)),
    ("rewrite check", ["rewrite", "--check"], "tree", (1,)),
    ("rewrite diff -o", ["rewrite", "-o", "{out}"], "tree", (0,)),
    ("catalog", ["catalog"], "tree", (0,)),
    ("config export error", ["config", "export", "-f", "litellm"], "tree", (3,)),
    ("catalog hostile config", ["catalog"], "config", (3,)),
    ("audit hostile config", ["audit"], "config", (3,)),
    ("config check hostile config", ["config", "check"], "config", (3,)),
    ("reach table", ["reach"], "reach", (1,)),
    ("reach html", ["reach", "-f", "html"], "reach", (1,)),
    ("reach history", ["reach", "history"], "reach", (0,)),
    ("mirror plan", ["mirror", "acme/tiny", "s3://hostile-out/m", "--dry-run", "{mirror}"],
     "tree", (0,)),
    ("mirror copy", ["mirror", "acme/tiny", "s3://hostile-out/m", "{mirror}"], "tree", (0,)),
    ("mirror verify", ["mirror", "verify", "acme/tiny", "s3://hostile-out/m", "{s3}"], "tree", (0,)),
    ("mirror error", ["mirror", f"acme/{EVIL}", "s3://hostile-out/m", "{mirror}"], "tree",
     (2, 4)),
]  # fmt: skip


def _argv(world: World, args: list[str], out: Path) -> list[str]:
    argv: list[str] = []
    for arg in args:
        if arg == "{mirror}":
            argv += world.mirror()
        elif arg == "{s3}":
            argv += ["--endpoint-url", world.weed.endpoint]
        else:
            argv.append(arg.replace("{out}", str(out)))
    return argv


@pytest.mark.parametrize(("args", "where", "codes"), [row[1:] for row in HUMAN],
                         ids=[row[0] for row in HUMAN])  # fmt: skip
def test_human_output_carries_no_raw_control_character(
    world: World, tmp_path: Path, args: list[str], where: str, codes: tuple[int, ...]
) -> None:
    if args[0] == "mirror":
        world.weed.client().create_bucket(Bucket="hostile-out") if not _bucket(world) else None
    if args[:2] == ["mirror", "verify"]:  # something to verify, whichever row ran before
        copy = ["mirror", "acme/tiny", "s3://hostile-out/m", "-q", *world.mirror()]
        assert run(*copy, cwd=world.tree)[0] == 0
    if args[:2] == ["reach", "history"]:  # a history to show, whichever worker ran `reach`
        assert run("reach", cwd=world.reach)[0] == 1
    out_file = tmp_path / "out.txt"
    code, out, err = run(*_argv(world, args, out_file), cwd=getattr(world, where))
    assert code in codes, (code, out, err)
    texts = {"stdout": out, "stderr": err}
    if out_file.exists():
        texts["--output"] = out_file.read_text(encoding="utf-8")
    assert any(texts.values())
    for name, text in texts.items():
        raw = RAW.search(text)
        assert raw is None, (
            f"{name} holds {raw.group()!r}: {text[max(raw.start() - 60, 0) : raw.end() + 20]!r}"
        )
        # A newline in a name never starts a line of its own.
        assert not re.search(r"^fake", text, re.MULTILINE), (name, text)


def _bucket(world: World) -> bool:
    client: Any = world.weed.client()
    return any(b["Name"] == "hostile-out" for b in client.list_buckets().get("Buckets", []))


def test_machine_formats_keep_the_exact_value(world: World) -> None:
    code, out, _ = run("audit", "-f", "json", cwd=world.tree)
    assert code == 1
    assert {f["path"] for f in json.loads(out)["findings"]} >= {f"{EVIL}.py", f"{EVIL}.js"}
    assert RAW.search(out) is None  # escaped by JSON itself, the value intact
    code, out, _ = run("reach", "-f", "json", "--no-history", cwd=world.reach)
    assert json.loads(out)["results"][0]["error_code"] == EVIL
    assert RAW.search(out) is None
