"""The start-up cache: what audit keeps between runs, and that a bad entry is only a miss."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hedgectl.adapters import cache
from hedgectl.catalog import compile_kept, compile_kept_each, load_catalog, load_data
from hedgectl.core import prefilter
from hedgectl.core.detect import Detector

CATALOG = load_catalog()
KEYWORDS = Detector(CATALOG).keywords()
DATA = b'model = "DeepSeek-Chat"\nBASE = "https://api.moonshot.cn/v1"\n' + b"x = 1\n" * 20


class Store:
    """A store in memory that counts what it was asked."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.hits = 0

    def get(self, key: str) -> bytes | None:
        found = self.data.get(key)
        self.hits += found is not None
        return found

    def put(self, key: str, data: bytes) -> None:
        self.data[key] = data


def test_entries_round_trip_and_a_damaged_one_is_a_miss(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path / "c")
    key = "hs-" + "ab" * 32
    assert store.get(key) is None
    store.put(key, b"payload")
    assert store.get(key) == b"payload"
    (entry,) = (tmp_path / "c").iterdir()
    raw = entry.read_bytes()
    entry.write_bytes(raw[:-1] + b"X")  # altered
    assert store.get(key) is None
    entry.write_bytes(raw[:-3])  # truncated
    assert store.get(key) is None
    entry.write_bytes(b"other-format\n" + raw[len(cache.MAGIC) :])
    assert store.get(key) is None
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_an_unwritable_cache_costs_nothing_but_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    store = cache.Cache(blocker / "hedgectl")
    store.put("toml-" + "0" * 64, b"x")  # cannot create the folder: dropped, no exception
    assert store.get("toml-" + "0" * 64) is None


def test_old_entries_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    store = cache.Cache(tmp_path)
    for i in range(5):
        store.put(f"hs-{i:064x}", b"x")
        os.utime(tmp_path / f"hs-{i:064x}.bin", (1000 + i, 1000 + i))
    assert sorted(p.name[-6:] for p in tmp_path.iterdir()) == ["02.bin", "03.bin", "04.bin"]


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == tmp_path / ".cache" / "hedgectl"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "hedgectl"
    monkeypatch.setenv("HEDGECTL_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("HEDGECTL_NO_CACHE", "0")
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("HEDGECTL_NO_CACHE", "1")
    assert cache.cache_dir() is None and cache.user_cache() is None
    monkeypatch.delenv("HEDGECTL_NO_CACHE")
    monkeypatch.delenv("HEDGECTL_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")

    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(homeless))
    assert cache.cache_dir() is None


def test_a_kept_prefilter_answers_as_a_compiled_one() -> None:
    store = Store()
    built = prefilter.Prefilter(KEYWORDS, store)
    assert store.hits == 0 and len(store.data) == 1
    kept = prefilter.Prefilter(KEYWORDS, store)
    assert store.hits == 1
    assert kept.offsets(DATA) == built.offsets(DATA) == prefilter.Prefilter(KEYWORDS).offsets(DATA)
    # Other keywords (a [catalog] override) are another entry, never the kept one.
    prefilter.Prefilter([*KEYWORDS, "acme-model"], store)
    assert store.hits == 1 and len(store.data) == 2


def test_a_database_hyperscan_refuses_is_compiled_again() -> None:
    store = Store()
    prefilter.WordFinder(KEYWORDS, store)
    (key,) = store.data
    store.data[key] = b"\0" * 512
    again = prefilter.WordFinder(KEYWORDS, store)
    assert store.data[key] != b"\0" * 512  # replaced by a good one
    assert again.ends("use deepseek-chat or qwen") == prefilter.WordFinder(KEYWORDS).ends(
        "use deepseek-chat or qwen"
    )


def test_a_kept_catalog_file_parses_as_the_toml() -> None:
    store = Store()
    first = load_data("families.toml", store)
    assert first == load_data("families.toml") and len(store.data) == 1
    assert load_data("families.toml", store) == first and store.hits == 1
    (key,) = store.data
    store.data[key] = b"{not json"
    assert load_data("families.toml", store) == first


def test_a_kept_regex_program_matches_as_the_compiled_regex() -> None:
    detector = Detector(CATALOG)
    pattern, flags = detector.any_family.pattern, detector.any_family.flags
    store = Store()
    built = compile_kept(pattern, flags, store)
    kept = compile_kept(pattern, flags, store)
    assert store.hits == 1 and kept is not built
    fresh = re.compile(pattern, flags)
    for regex in (built, kept):
        assert (regex.pattern, regex.flags, regex.groups) == (
            fresh.pattern,
            fresh.flags,
            fresh.groups,
        )
        assert regex.groupindex == fresh.groupindex
    samples = [s for f in CATALOG.families.values() for s in (*f.positives, *f.negatives)]
    assert len(samples) > 500
    for token in [*samples, "", "gpt", "not-a-model", "Qwen/Qwen2.5-72B-Instruct"]:
        want, got = fresh.fullmatch(token), kept.fullmatch(token)
        assert (got and (got.lastgroup, got.span())) == (want and (want.lastgroup, want.span()))
    assert Detector(CATALOG, store).classify("deepseek-chat") == detector.classify("deepseek-chat")


def test_a_regex_program_the_engine_refuses_is_compiled_again() -> None:
    store = Store()
    compile_kept("a(?P<x>b+)c", re.IGNORECASE, store)
    (key,) = store.data
    for damaged in (b"[1, [1, 2, 3], 0, {}, []]", b"{}", b"[]", b"not json"):
        store.data[key] = damaged
        regex = compile_kept("a(?P<x>b+)c", re.IGNORECASE, store)
        assert regex.fullmatch("ABBC") and regex.fullmatch("ABBC").group("x") == "BB"  # type: ignore[union-attr]


def test_regex_programs_kept_together_match_as_each_compiled_regex() -> None:
    families = list(CATALOG.families.values())
    patterns = [f.regex.pattern for f in families]
    store = Store()
    built = compile_kept_each(patterns, re.IGNORECASE, store)
    kept = compile_kept_each(patterns, re.IGNORECASE, store)
    assert store.hits == 1 and len(store.data) == 1 and len(kept) == len(families)
    for family, regex in zip(families, kept, strict=True):
        assert (regex.pattern, regex.flags) == (family.regex.pattern, family.regex.flags)
        for token in (*family.positives, *family.negatives):
            want, got = family.regex.fullmatch(token), regex.fullmatch(token)
            assert (got and got.span()) == (want and want.span()), (family.id, token)
    assert [r.pattern for r in built] == patterns
    (key,) = store.data
    refused = b"[" + b", ".join([b"[1, [1, 2, 3], 0, {}, []]"] * len(patterns)) + b"]"
    for damaged in (b"[]", refused, b"not json"):  # too few, refused by the engine, broken
        store.data[key] = damaged
        again = compile_kept_each(patterns, re.IGNORECASE, store)
        assert [r.pattern for r in again] == patterns
        assert again[0].fullmatch(families[0].positives[0])


def audit(tree: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "hedgectl", "audit", ".", "-f", "json", "--fail-on", "never"],
        cwd=tree, env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout


def test_audit_keeps_its_start_up_work_outside_the_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text('MODEL = "deepseek-chat"\nURL = "https://api.openai.com"\n')
    folder = tmp_path / "cache"
    env = {"HEDGECTL_CACHE_DIR": str(folder)}
    first = audit(tree, env)
    kinds = sorted(p.name.split("-")[0] for p in folder.iterdir())
    assert kinds == ["hs", "hs", "re", "toml", "toml", "toml", "toml"]
    assert audit(tree, env) == first
    for entry in folder.iterdir():  # damaged entries: rebuilt, same report
        entry.write_bytes(entry.read_bytes()[:-1])
    assert audit(tree, env) == first
    assert (
        audit(tree, {"HEDGECTL_NO_CACHE": "1", "HEDGECTL_CACHE_DIR": str(tmp_path / "x")}) == first
    )
    assert not (tmp_path / "x").exists()
    assert sorted(p.name for p in tree.iterdir()) == ["app.py"]
