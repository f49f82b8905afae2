"""Scanning file contents: where a match sits decides whether and how it is reported."""

from __future__ import annotations

from hedgectl.catalog import Overrides, load_catalog
from hedgectl.core.audit import Scanner, gates, to_findings
from hedgectl.core.models import Location

CATALOG = load_catalog()
S = Scanner(CATALOG)
CATALOG_OVERRIDES = Overrides()


def scan(text: str, path: str = "app.py") -> list[tuple[int, int, str, str, str]]:
    raws = S.scan(text.encode(), path)
    return [(r.line, r.column, r.match.model_id, r.location.value, r.context) for r in raws]


def test_python_literals_with_context_and_columns() -> None:
    src = 'import os\nclient.create(model="deepseek-chat")\nBASE = "https://api.deepseek.com/v1"\n'
    assert scan(src) == [
        (2, 22, "deepseek-chat", "code", "model"),
        (3, 9, "api.deepseek.com", "code", "BASE"),
    ]


def test_comment_and_docstring_are_not_code() -> None:
    src = (
        '# we moved off "deepseek-chat" last week\n'
        "# DeepSeek and Kimi are good models\n"
        "def minimax(board, depth):\n"
        '    """Uses deepseek-chat in prose inside a docstring."""\n'
        "    return glm(x)\n"
    )
    assert scan(src) == [
        (1, 17, "deepseek-chat", "comment", ""),
        (4, 13, "deepseek-chat", "docs", ""),
    ]


def test_bare_o_series_needs_a_model_setting() -> None:
    src = 'o3 = compute()\nlevel = "o3"\nMODEL = "o3"\nclient.create(model="o1")\n'
    assert [r[2] for r in scan(src)] == ["o3", "o1"]


def test_getenv_default_takes_the_env_name_as_context() -> None:
    assert scan('m = os.getenv("LLM_MODEL", "o3")\n') == [(1, 29, "o3", "code", "LLM_MODEL")]


def test_yaml_unquoted_values_and_provider_keys() -> None:
    src = "deepseek:\n  model: deepseek-reasoner\n  base_url: https://api.deepseek.com\nweights:\n  - moonshotai/Kimi-K2-Instruct\n"
    got = scan(src, "config.yaml")
    assert [(g[0], g[2], g[3]) for g in got] == [
        (2, "deepseek-reasoner", "config"),
        (3, "api.deepseek.com", "config"),
        (5, "moonshotai/Kimi-K2-Instruct", "config"),
    ]


def test_env_file_and_shell_flags() -> None:
    assert [g[2] for g in scan("LLM_MODEL=deepseek-chat\n", ".env")] == ["deepseek-chat"]
    assert [
        g[2] for g in scan("vllm serve --model deepseek-ai/DeepSeek-V3.2 --tp 8\n", "run.sh")
    ] == ["deepseek-ai/DeepSeek-V3.2"]


def test_markdown_prose_is_not_a_finding_but_code_is() -> None:
    src = (
        "We use deepseek-chat and Kimi.\n"
        "Set `LLM_MODEL=deepseek-chat` first.\n"
        "```python\n"
        'client.create(model="kimi-k2-0905-preview")\n'
        "```\n"
        "After the block, kimi-k2-0905-preview in prose.\n"
    )
    got = scan(src, "README.md")
    assert [(g[0], g[2], g[3]) for g in got] == [
        (2, "deepseek-chat", "docs"),
        (4, "kimi-k2-0905-preview", "docs"),
    ]


def test_template_strings_are_split_at_placeholders() -> None:
    assert [g[2] for g in scan('m = f"{prefix}/deepseek-chat"\n')] == ["deepseek-chat"]
    assert [g[2] for g in scan("const m = `${base}/glm-4.6`;\n", "a.ts")] == ["glm-4.6"]


def test_notebook_sources_are_read_as_code() -> None:
    nb = '{"cells": [{"source": ["client.create(model=\\"deepseek-chat\\")\\n"]}]}'
    assert [g[2] for g in scan(nb, "demo.ipynb")] == ["deepseek-chat"]


def test_minified_line_is_scanned_in_windows() -> None:
    line = "var a=1;" * 200_000 + 'x={model:"deepseek-chat"};' + "var b=2;" * 10
    got = scan(line + "\n", "bundle.js")
    assert [(g[0], g[1], g[2]) for g in got] == [(1, 1_600_000 + 11, "deepseek-chat")]


def test_invalid_utf8_does_not_stop_the_scan() -> None:
    data = b'\xff\xfe bad bytes \xc3\x28\nmodel = "deepseek-chat"\n'
    assert [r.match.model_id for r in S.scan(data, "x.py")] == ["deepseek-chat"]


def test_suppression_and_fingerprints_survive_line_moves() -> None:
    src = 'A = "deepseek-chat"\nB = "deepseek-chat"  # hedgectl: ignore reason="migration"\n'
    findings = to_findings("x.py", S.scan(src.encode(), "x.py"), CATALOG)
    assert [f.suppressed for f in findings] == [False, True]
    moved = to_findings("x.py", S.scan(("\n\n\n" + src).encode(), "x.py"), CATALOG)
    assert [f.fingerprint for f in findings] == [f.fingerprint for f in moved]
    assert findings[0].fingerprint != findings[1].fingerprint  # two occurrences, two fingerprints


def test_gating_by_tier_and_location() -> None:
    src = 'A = "deepseek-chat"\nB = "qwen-max"\nC = "gpt-4o"\n# D = "deepseek-chat"\n'
    findings = to_findings("x.py", S.scan(src.encode(), "x.py"), CATALOG)
    tiers = [(f.tier, f.location) for f in findings]
    assert tiers == [
        ("named", Location.CODE),
        ("elevated", Location.CODE),
        ("standard", Location.CODE),
        ("named", Location.COMMENT),
    ]
    assert [gates(f, "named") for f in findings] == [True, False, False, False]
    assert [gates(f, "elevated") for f in findings] == [True, True, False, False]
    assert [gates(f, "any") for f in findings] == [True, True, True, False]
    assert [gates(f, "never") for f in findings] == [False] * 4
    assert gates(findings[3], "named", gate_comments=True)


def test_files_without_keywords_cost_nothing() -> None:
    assert S.scan(b"print('hello world')\n" * 1000, "x.py") == []


def test_labels_built_from_model_names_are_not_findings() -> None:
    src = (
        "wandb_group: llama3-8b-instruct\noutput_dir: runs/llama-3.1-8b\nmodel: llama3-8b-instruct\n"
        "name: Codestral\nmodel_name: codestral-latest\nrepository: deepseek-ai/DeepSeek-V3\n"
        "repo_id: deepseek-ai/DeepSeek-V3\n"
    )
    assert [(g[0], g[2]) for g in scan(src, "train.yml")] == [
        (3, "llama3-8b-instruct"),
        (5, "codestral-latest"),
        (7, "deepseek-ai/DeepSeek-V3"),
    ]


def test_quoted_keys_and_lists_give_the_right_context() -> None:
    src = 'ALIASES = {"4-turbo": "gpt-4-1106-preview"}\nNAMES = ["gpt-3.5-turbo", "gpt-4"]\n'
    assert [(g[2], g[4]) for g in scan(src)] == [
        ("gpt-4-1106-preview", "4-turbo"),
        ("gpt-3.5-turbo", "NAMES"),
        ("gpt-4", ""),
    ]


def test_a_remembered_line_is_judged_as_a_fresh_scanner_judges_it() -> None:
    """Lines are remembered by their bytes, the file's type and the multi-line regions over
    them (their kind, key and where they cut the line); where they sit still counts."""
    files = [
        ("a.py", b'import openai\nMODEL = "gpt-4o"  # hedgectl: ignore\nx = "gpt-4o"\n'),
        ("b.py", b'def f():\n    """Doc.\nx = "gpt-4o"\n    """\nx = "gpt-4o"\n'),
        ("c.md", b'x = "gpt-4o"\n`gpt-4o`\n'),
        ("d.txt", b'import openai\nx = "gpt-4o"\n'),
        ("e.js", b'const s = `\nx = "gpt-4o"\n`;\nx = "gpt-4o"\n'),
        ("f.py", b'import openai\nMODEL = "gpt-4o"  # hedgectl: ignore\nx = "gpt-4o"\n'),
        # The same line in a docstring, in strings with other keys, and cut where a region ends.
        ("g.py", b'def f():\n    """\nx = "gpt-4o"\n"""\nMODEL = """\nx = "gpt-4o"\n"""\n'),
        ("h.py", b'NAME = """\nx = "gpt-4o"\n"""\nMODEL = """\nx = "gpt-4o"\n"""\n'),
        ("i.js", b'const s = `\nx = "gpt-4o"`; y = "gpt-4o"\nconst t = `x = "gpt-4o"`\n'),
        (
            "j.js",
            b'/* a\nx = "gpt-4o" */ y = "gpt-4o"\nconst u = `\nx = "gpt-4o" */ y = "gpt-4o"`\n',
        ),
    ]
    warm = Scanner(CATALOG)
    for path, data in files:
        fresh = Scanner(CATALOG).scan(data, path)
        assert warm.scan(data, path) == fresh, path
    assert warm.scan(files[0][1], "a.py") == Scanner(CATALOG).scan(files[0][1], "a.py")
    locations = {(f.line, f.location.value) for f in warm.scan(files[1][1], "b.py")}
    assert locations == {(3, "docs"), (5, "code")}


def test_pools_scanning_side_by_side_each_use_their_own_catalog(tmp_path: object) -> None:
    """Repositories are scanned in threads at once (audit --repos), each with the catalog of its
    hedge.toml: the workers of one pool must not read with the other's."""
    import threading
    from pathlib import Path

    from hedgectl.adapters.files import scan_files
    from hedgectl.catalog import Where, parse_overrides

    root = Path(str(tmp_path))
    files = []
    for i in range(420):  # enough for a pool of workers (SMALL_RUN)
        path = root / f"m{i}.py"
        path.write_text(f'MODEL = "acme-{i}b"\n', encoding="utf-8")
        files.append((str(path), path.name, None))
    custom = parse_overrides(
        {
            "families": {
                "acme": {"vendor": "openai", "keywords": ["acme-"], "patterns": ["acme-\\d{T}"]}
            }
        },
        Where(None, "catalog"),
    )
    results: dict[str, int] = {}

    def run(name: str, overrides: object) -> None:
        found, *_ = scan_files(iter(files), overrides, jobs=2)  # type: ignore[arg-type]
        results[name] = sum(len(f.raws) for f in found)

    threads = [
        threading.Thread(target=run, args=("custom", custom)),
        threading.Thread(target=run, args=("shipped", CATALOG_OVERRIDES)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == {"custom": 420, "shipped": 0}


def test_a_match_survives_the_trip_from_a_worker_whole() -> None:
    import dataclasses
    import pickle

    from hedgectl.core.models import Kind, Match

    values = {f.name: f"v{i}" for i, f in enumerate(dataclasses.fields(Match))}
    values.update(kind=Kind.ENDPOINT, start=3, end=9)  # every field away from its default
    match = Match(**values)  # type: ignore[arg-type]
    assert pickle.loads(pickle.dumps(match)) == match
