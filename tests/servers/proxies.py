"""Region proxies for reach tests: real tinyproxy (HTTP CONNECT) and microsocks (SOCKS5).

Each proxy listens on 127.0.0.1 and connects out from its own loopback source address
(tinyproxy `Bind`, microsocks `-b`), so the fake providers see a different caller per region.
Each instance gets its own config, log and free port, and is stopped by pid.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.lifetime import die_with_parent
from tests.servers.providers import free_port


def require(tool: str, package: str) -> str:
    """The tool's path; skip when missing on a dev machine, fail in CI (CI must never skip)."""
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} not installed (apt-get install {package}; `make test` does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class RunningProxy:
    url: str
    bind: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"proxy exited with {process.returncode}: {log.read_text(errors='replace')[-500:]}"
            )
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"proxy on port {port} did not start")


def start_tinyproxy(folder: Path, bind: str) -> RunningProxy:
    binary = require("tinyproxy", "tinyproxy")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / f"tinyproxy-{port}.conf"
    log = folder / f"tinyproxy-{port}.log"
    conf.write_text(
        f"Port {port}\n"
        "Listen 127.0.0.1\n"
        f"Bind {bind}\n"
        "Allow 127.0.0.1\n"
        "Timeout 15\n"
        "MaxClients 400\n"
        "LogLevel Info\n"
        f'LogFile "{log}"\n'
        "DisableViaHeader Yes\n"
    )
    process = subprocess.Popen(
        [binary, "-d", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    log.touch()
    _wait_listening(port, process, log)
    return RunningProxy(f"http://127.0.0.1:{port}", bind, process, log)


def start_microsocks(folder: Path, bind: str) -> RunningProxy:
    binary = require("microsocks", "microsocks")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"microsocks-{port}.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        [binary, "-i", "127.0.0.1", "-p", str(port), "-b", bind],
        stdout=handle,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )
    handle.close()
    _wait_listening(port, process, log)
    return RunningProxy(f"socks5://127.0.0.1:{port}", bind, process, log)
