"""The Hub adapter's two read paths: stdlib http.client straight to the source, httpx behind a
proxy (real tinyproxy on loopback). httpx is loaded only when a proxy applies."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hedgectl.adapters.hub import HubAdapter
from tests.servers.hub import HubServer
from tests.servers.proxies import start_tinyproxy

REPO = "acme/tiny-model"


def _shard(hub: HubServer) -> tuple[str, int]:
    f = next(f for f in hub.repos[REPO].files if f.path.endswith(".safetensors"))
    return f.path, f.size


def test_reads_go_through_a_proxy_with_httpx(
    hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = start_tinyproxy(tmp_path / "proxy", "127.0.0.1")
    try:
        for var in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        adapter = HubAdapter(hub.url)
        try:
            snap = adapter.snapshot(REPO, "main")
            path, size = _shard(hub)
            f = next(x for x in snap.files if x.path == path)
            start, end = size // 3, size // 3 + 3 * 1024 * 1024 + 5
            got = adapter.read(REPO, snap.commit, f, start, end)
            assert adapter._http is not None  # the proxied path
        finally:
            adapter.close()
        want = hub.repos[REPO].file(path)
        assert want is not None and bytes(got) == want.read(start, end)
        for _ in range(100):  # the bytes came via the proxy (its log is written late under load)
            if "/cdn/" in proxy.log.read_text(errors="replace"):
                break
            time.sleep(0.1)
        assert "/cdn/" in proxy.log.read_text(errors="replace")
    finally:
        proxy.stop()


def test_a_direct_read_loads_neither_httpx_nor_rich(hub: HubServer) -> None:
    """Start-up CPU counts for every copy: httpx (and the rich console its CLI module loads) is
    about 70 ms of it, and only a proxied read needs it."""
    path, size = _shard(hub)
    code = (
        "import sys, json\n"
        "from hedgectl.adapters.hub import HubAdapter\n"
        f"a = HubAdapter({hub.url!r})\n"
        f"snap = a.snapshot({REPO!r}, 'main')\n"
        f"f = next(x for x in snap.files if x.path == {path!r})\n"
        f"data = a.read({REPO!r}, snap.commit, f, 0, {size})\n"
        "a.close()\n"
        "print(json.dumps([len(data), sorted({'httpx', 'rich'} & set(sys.modules))]))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "NO_PROXY": "127.0.0.1,localhost", "HOME": str(Path.home())}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [size, []]
