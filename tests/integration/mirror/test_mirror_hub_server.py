"""The test Hub speaks the Hub API as the real huggingface_hub client uses it (so mirror tests mean something)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.servers.hub import HubServer


def test_real_client_against_the_test_hub(hub: HubServer, tmp_path: Path) -> None:
    from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.hf_api import RepoFile

    repo = hub.repos["acme/tiny-model"]
    api = HfApi(endpoint=hub.url)
    info = api.model_info(repo.repo_id, files_metadata=True)
    assert info.sha == repo.commit
    lfs = {s.rfilename: s.lfs.sha256 for s in info.siblings or [] if s.lfs}
    assert lfs["tiktoken.model"] == repo.file("tiktoken.model").sha256  # type: ignore[union-attr]

    tree = [e for e in api.list_repo_tree(repo.repo_id, recursive=True) if isinstance(e, RepoFile)]
    assert sorted(e.path for e in tree) == sorted(f.path for f in repo.files)  # across pages

    paths = api.get_paths_info(repo.repo_id, ["config.json", "nope.txt", "tiktoken.model"])
    assert sorted(p.path for p in paths) == ["config.json", "tiktoken.model"]

    url = hf_hub_url(repo.repo_id, "tiktoken.model", revision=repo.commit, endpoint=hub.url)
    meta = get_hf_file_metadata(url)
    assert meta.commit_hash == repo.commit and meta.location.startswith(
        hub.cdn_url
    )  # 302 to the CDN
    assert meta.etag == repo.file("tiktoken.model").sha256  # type: ignore[union-attr]

    path = hf_hub_download(repo.repo_id, "tiktoken.model", endpoint=hub.url, local_dir=tmp_path)
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == meta.etag
    cdn = hub.requests(origin="cdn", path="tiktoken.model")
    assert cdn and cdn[-1]["status"] == 200
