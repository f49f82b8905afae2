"""Vendor SDK dependencies: manifest and lock-file parsers, imports, catalog lookup, reconcile."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedgectl.catalog import load_catalog
from hedgectl.core import dependencies as deps
from hedgectl.core.audit import AuditResult, Scanner, finalize, to_findings
from hedgectl.core.models import Kind


@pytest.fixture(scope="module")
def index() -> deps.PackageIndex:
    return deps.load_packages()


def names(path: str, text: str) -> list[tuple[str, int, str]]:
    return [(d.name, d.line, d.scope) for d in deps.declared(path, text.encode())]


def test_catalog_entries_name_known_vendors_or_platforms_with_sources() -> None:
    catalog = load_catalog()
    known = set(catalog.vendors) | set(catalog.platforms)
    for p in deps.load_packages().packages:
        assert p.vendor in known, p
        assert p.source and p.date, p


def test_requirements_names_lines_and_skipped_options() -> None:
    text = (
        "# comment\n"
        "-r base.txt\n"
        "--index-url https://example.invalid/simple\n"
        "DashScope[extra]>=1.2 ; python_version > '3.8'  # pinned\n"
        "-e git+https://example.invalid/x.git#egg=zhipuai\n"
        "requests\n"
    )
    assert names("requirements-dev.txt", text) == [
        ("DashScope", 4, "direct"),
        ("zhipuai", 5, "direct"),
        ("requests", 6, "direct"),
    ]
    assert deps.manifest_kind("requirements/prod.txt") == "requirements.txt"
    assert deps.manifest_kind("docs/notes.txt") is None


def test_pyproject_reads_project_optional_groups_and_poetry() -> None:
    text = """
[project]
name = "x"
dependencies = ["httpx>=0.27", "dashscope"]
[project.optional-dependencies]
cn = ["zhipuai>=2"]
[dependency-groups]
dev = ["anthropic"]
[tool.poetry.dependencies]
python = "^3.11"
qianfan = "*"
[tool.poetry.group.llm.dependencies]
langchain-deepseek = "^1"
"""
    got = {(d.name, d.group) for d in deps.declared("pyproject.toml", text.encode())}
    assert got == {
        ("httpx", ""),
        ("dashscope", ""),
        ("zhipuai", "cn"),
        ("anthropic", "dev"),
        ("qianfan", ""),
        ("langchain-deepseek", "llm"),
    }
    lines = {d.name: d.line for d in deps.declared("pyproject.toml", text.encode())}
    assert lines["zhipuai"] == 6 and lines["langchain-deepseek"] == 13


def test_uv_lock_marks_the_projects_own_dependencies_direct() -> None:
    text = """version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "dashscope" }]

[[package]]
name = "dashscope"
version = "1.20.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "aiohttp" }]

[[package]]
name = "aiohttp"
version = "3.9.0"
source = { registry = "https://pypi.org/simple" }
"""
    got = {d.name: (d.scope, d.line) for d in deps.declared("uv.lock", text.encode())}
    assert got["dashscope"] == ("direct", 9)
    assert got["aiohttp"] == ("transitive", 15)


def test_package_json_and_lock_v3_direct_and_nested() -> None:
    pkg = {"dependencies": {"@ai-sdk/deepseek": "^1"}, "devDependencies": {"openai": "4"}}
    got = {(d.name, d.group) for d in deps.declared("package.json", json.dumps(pkg).encode())}
    assert got == {("@ai-sdk/deepseek", ""), ("openai", "dev")}
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"@ai-sdk/deepseek": "^1"}},
            "node_modules/@ai-sdk/deepseek": {"version": "1.0.0"},
            "node_modules/ai/node_modules/@ai-sdk/deepseek": {"version": "0.9.0"},
            "node_modules/@anthropic-ai/sdk": {"version": "1.0.0"},
        },
    }
    got_lock = {
        d.name: d.scope
        for d in deps.declared("package-lock.json", json.dumps(lock, indent=2).encode())
    }
    assert got_lock == {"@ai-sdk/deepseek": "direct", "@anthropic-ai/sdk": "transitive"}


def test_pnpm_and_yarn_locks() -> None:
    pnpm = """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      '@ai-sdk/deepseek':
        specifier: ^1.0.0
        version: 1.0.0
packages:
  '@ai-sdk/deepseek@1.0.0':
    resolution: {integrity: sha512-x}
  '@anthropic-ai/sdk@0.30.0':
    resolution: {integrity: sha512-y}
"""
    got = {d.name: d.scope for d in deps.declared("pnpm-lock.yaml", pnpm.encode())}
    assert got == {"@ai-sdk/deepseek": "direct", "@anthropic-ai/sdk": "transitive"}
    yarn = """# yarn lockfile v1

"@ai-sdk/deepseek@^1.0.0", "@ai-sdk/deepseek@^1.0.1":
  version "1.0.1"

openai@^4.0.0:
  version "4.0.0"
"""
    got_yarn = [(d.name, d.line) for d in deps.declared("yarn.lock", yarn.encode())]
    assert got_yarn == [("@ai-sdk/deepseek", 3), ("openai", 6)]


def test_go_mod_indirect_is_transitive() -> None:
    text = """module example.com/x

go 1.22

require github.com/anthropics/anthropic-sdk-go/v2 v2.1.0

require (
\tgithub.com/sashabaranov/go-openai v1.40.0
\tgithub.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/hunyuan v1.0.900 // indirect
)
"""
    assert names("go.mod", text) == [
        ("github.com/anthropics/anthropic-sdk-go/v2", 5, "direct"),
        ("github.com/sashabaranov/go-openai", 8, "direct"),
        ("github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/hunyuan", 9, "transitive"),
    ]


def test_cargo_gemfile_pom_gradle() -> None:
    cargo = '[dependencies]\nserde = "1"\nllm = { package = "async-openai", version = "0.2" }\n'
    assert {d.name for d in deps.declared("Cargo.toml", cargo.encode())} == {
        "serde",
        "async-openai",
    }
    assert names("Gemfile", "source 'x'\ngem 'ruby-openai', '~> 7'\n") == [
        ("ruby-openai", 2, "direct")
    ]
    pom = """<project xmlns="http://maven.apache.org/POM/4.0.0"><dependencies>
<dependency><groupId>com.alibaba</groupId>
<artifactId>dashscope-sdk-java</artifactId><version>2.0</version></dependency>
</dependencies></project>"""
    assert names("pom.xml", pom) == [("com.alibaba:dashscope-sdk-java", 3, "direct")]
    gradle = 'dependencies {\n    implementation("com.anthropic:anthropic-java:3.0.0")\n}\n'
    assert names("app/build.gradle.kts", gradle) == [("com.anthropic:anthropic-java", 2, "direct")]


def test_hostile_or_broken_manifests_yield_nothing() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
        "<project><dependencies><dependency><groupId>&lol;</groupId>"
        "<artifactId>a</artifactId></dependency></dependencies></project>"
    )
    assert deps.declared("pom.xml", bomb.encode()) == []
    assert deps.declared("package.json", b"{not json") == []
    assert deps.declared("pyproject.toml", b"[project\n") == []
    assert deps.declared("pnpm-lock.yaml", b"a: [\n") == []


def test_lookup_normalises_pypi_names_and_go_major_versions(index: deps.PackageIndex) -> None:
    hit = index.lookup("pypi", "LangChain_DeepSeek")
    assert hit is not None and hit.vendor == "deepseek"
    go = index.lookup("golang", "github.com/anthropics/anthropic-sdk-go/v2")
    assert go is not None and go.vendor == "anthropic"
    assert index.lookup("golang", "github.com/anthropics/anthropic-sdk-gopher") is None
    # Names that look like a vendor's but are not its SDK stay out.
    assert index.lookup("pypi", "minimax") is None
    assert index.lookup("pypi", "openai").vendor == "openai-compatible"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "line", "expected"),
    [
        ("a.py", "import dashscope", "pkg:pypi/dashscope"),
        ("a.py", "from zhipuai import ZhipuAI", "pkg:pypi/zhipuai"),
        ("a.py", "from google import genai", "pkg:pypi/google-genai"),
        (
            "a.py",
            "import os, tencentcloud.hunyuan.v20230901 as h",
            "pkg:pypi/tencentcloud-sdk-python-hunyuan",
        ),
        ("a.py", "from volcenginesdkarkruntime import Ark", "pkg:pypi/volcengine-python-sdk"),
        ("a.ts", 'import { createDeepSeek } from "@ai-sdk/deepseek";', "pkg:npm/@ai-sdk/deepseek"),
        ("a.js", "const A = require('@anthropic-ai/sdk/resources');", "pkg:npm/@anthropic-ai/sdk"),
        (
            "a.go",
            '\t"github.com/sashabaranov/go-openai"',
            "pkg:golang/github.com/sashabaranov/go-openai",
        ),
        ("a.ipynb", '    "import dashscope\\n",', "pkg:pypi/dashscope"),
    ],
)
def test_imports(index: deps.PackageIndex, path: str, line: str, expected: str) -> None:
    got = [m.model_id for _, m in deps.import_matches(index, path, 1, line)]
    assert got == [expected]


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("a.py", "# import dashscope later"),
        ("a.py", 'text = "from zhipuai import x"'),
        ("a.md", "import dashscope"),
        ("a.py", "import dashscope_helpers"),
        ("a.ts", 'const s = "@ai-sdk/deepseek";'),
    ],
)
def test_not_imports(index: deps.PackageIndex, path: str, line: str) -> None:
    assert deps.import_matches(index, path, 1, line) == []


def test_scanner_reports_dependencies_and_reconcile_keeps_one_per_fact() -> None:
    catalog = load_catalog()
    scanner = Scanner(catalog)
    files = {
        "svc/requirements.txt": b"dashscope==1.0\nrequests\n",
        "svc/poetry.lock": b'[[package]]\nname = "dashscope"\nversion = "1.0"\n\n'
        b'[[package]]\nname = "zhipuai"\nversion = "2.0"\n',
        "svc/app.py": b"import dashscope\nimport anthropic  # hedgectl: ignore\n",
        "tool/run.py": b"from zhipuai import ZhipuAI\nfrom langchain_deepseek import ChatDeepSeek\n",
    }
    findings = []
    for path, data in files.items():
        findings += to_findings(path, scanner.scan(data, path), catalog)
    result = finalize(AuditResult(root=".", findings=findings))
    got = sorted(
        (f.path, f.line, f.model_id, f.context)
        for f in result.findings
        if f.kind is Kind.DEPENDENCY
    )
    assert got == [
        ("svc/poetry.lock", 6, "pkg:pypi/zhipuai", "transitive"),
        ("svc/requirements.txt", 1, "pkg:pypi/dashscope", "direct"),
        ("tool/run.py", 2, "pkg:pypi/langchain-deepseek", "import"),
    ]
    assert result.suppressed_inline == 1  # the anthropic import carries `hedgectl: ignore`
    named = [f for f in result.findings if f.model_id == "pkg:pypi/langchain-deepseek"]
    assert named[0].tier == "named" and named[0] in result.failing


def test_diff_lines_limit_manifest_findings() -> None:
    catalog = load_catalog()
    raws = Scanner(catalog).scan(b"dashscope\nzhipuai\n", "requirements.txt", lines=frozenset({2}))
    assert [r.match.model_id for r in raws] == ["pkg:pypi/zhipuai"]


def test_setup_py_is_read_as_a_syntax_tree_never_run(tmp_path: object) -> None:
    text = """import os
os.system("touch /tmp/hedgectl-should-not-run")
extras_require = {"cn": ["dashscope>=1"], "us": ["anthropic"]}
extras_require["all"] = ["zhipuai"]
setup(
    name="x",
    install_requires=[
        "requests",
        'qianfan==0.4',
    ],
    extras_require=extras_require,
    package_data={"x": ["dashscope.txt"]},
)
"""
    got = [(d.name, d.line) for d in deps.declared("setup.py", text.encode())]
    assert sorted(got) == [
        ("anthropic", 3), ("dashscope", 3), ("qianfan", 9), ("requests", 8), ("zhipuai", 4)
    ]  # fmt: skip
    assert deps.declared("setup.py", b"def (:\n") == []


def test_package_json_places_a_dependency_at_its_key_not_the_name_field() -> None:
    text = '{\n  "name": "openai",\n  "dependencies": {\n    "openai": "^4"\n  }\n}\n'
    assert names("package.json", text) == [("openai", 4, "direct")]


def test_large_lock_files_are_placed_in_linear_time() -> None:
    """8,000 packages: one pass each. Placing names by a search per package took minutes at
    this size; the bound is generous on purpose (a broken, quadratic version misses it by far)."""
    import time

    n = 8_000
    pnpm = ["lockfileVersion: '9.0'", "importers:", "  .:", "    dependencies:"]
    pnpm += ["      '@ai-sdk/deepseek':", "        specifier: ^1.0.0", "        version: 1.0.0"]
    pnpm += ["packages:"] + [
        f"  pkg-{i}@1.0.{i}:\n    resolution: {{integrity: x}}" for i in range(n)
    ]
    poetry = "".join(f'[[package]]\nname = "pkg-{i}"\nversion = "1.0"\n\n' for i in range(n))
    started = time.monotonic()
    got_pnpm = deps.declared("pnpm-lock.yaml", "\n".join(pnpm).encode())
    got_poetry = deps.declared("poetry.lock", poetry.encode())
    assert time.monotonic() - started < 30
    assert len(got_pnpm) == n + 1 and got_pnpm[0].name == "@ai-sdk/deepseek"
    assert got_pnpm[-1].line == 8 + 2 * (n - 1) + 1
    assert len(got_poetry) == n and got_poetry[-1].line == 4 * (n - 1) + 2


# ------------------------------------------------ fast paths answer what the full reading answers
PNPM_DOCS = [
    "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      openai:\n"
    "        specifier: ^4\n        version: 4.0.0\n    devDependencies:\n      zod: 3\n"
    "  packages/web:\n    optionalDependencies: {'@ai-sdk/deepseek': {version: 1}}\n"
    "packages:\n  openai@4.0.0:\n    resolution: {integrity: sha512-x}\n"
    "  '@ai-sdk/deepseek@1.0.0': {}\n  /dashscope/1.0.0:\n    dev: false\n",
    # pnpm 5/6: no importers, the sections at the top
    "lockfileVersion: 5.4\ndependencies:\n  openai: 4.0.0\nspecifiers:\n  openai: ^4\n"
    "packages:\n  /openai/4.0.0:\n    resolution: {integrity: x}\n",
    "importers: {}\ndependencies: {openai: 1}\n",  # empty importers: the top sections count
    "importers:\ndependencies:\n  openai: 1\nimporters:\n  a:\n    dependencies: {zod: 1}\n",
    "importers:\n  a: ~\n  b:\n    dependencies: ~\npackages: null\n",
    "",
    "# only a comment\n",
    "---\n",
    "- a\n- b\n",  # not a mapping
    "plain text\n",
    "a: 1\n---\nb: 2\n",  # two documents: refused by the loader
    "dependencies:\n  yes: 1\n  2: x\n",  # keys the loader turns into a bool and an int
    "dependencies:\n  openai: !!binary aGk=\n",  # a tag
    "dependencies:\n  openai: 2024-13-45\n",  # a date that does not construct
    "packages:\n  ? [a, b]\n  : 1\n",  # a complex key
    "packages:\n  openai@1: {x: 0b_}\n",  # a number that does not construct
    "packages:\n  <<: {a: 1}\n",  # a merge key
    "dependencies: x\n",  # a string where a mapping belongs
    "importers: [a]\n",
    "packages:\n  - a\n  - b\n",
    "dependencies:\n  openai: '1'\n  'quoted key': 2\n  \"true\": 3\n",
    "packages: {a@1: 1, b@2: 2, a@1: 3}\n",  # a repeated key
    "key: 'unclosed\n",  # a syntax error
]


def _loaded_or_error(text: str) -> object:
    import yaml

    try:
        found = deps._pnpm_loaded(text)
    except yaml.YAMLError:
        return "yaml error"
    except (ValueError, TypeError, AttributeError) as exc:
        return type(exc).__name__
    return None if found is None else (set(found[0]), found[1])


@pytest.mark.parametrize("text", PNPM_DOCS)
def test_pnpm_events_answer_what_loading_answers(text: str) -> None:
    """The event reader gives the loader's answer, or says the document is unusual."""
    import yaml

    from hedgectl.core import pnpm_lock

    try:
        found = pnpm_lock.tables(text)
    except pnpm_lock.Unusual:
        return  # read by the loader instead
    except yaml.YAMLError:
        assert _loaded_or_error(text) == "yaml error"
        return
    expected = _loaded_or_error(text)
    assert (set(found[0]), found[1]) == expected


def test_pnpm_declared_names_through_either_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from hedgectl.core import pnpm_lock

    text = PNPM_DOCS[0]
    fast = names("pnpm-lock.yaml", text)

    def unusual(_: str) -> None:
        raise pnpm_lock.Unusual

    monkeypatch.setattr(pnpm_lock, "tables", unusual)
    assert sorted(names("pnpm-lock.yaml", text)) == sorted(fast)
    assert ("openai", 5, "direct") in fast and ("@ai-sdk/deepseek", 11, "direct") in fast


TOKENS = ['"', "'", "/", "@", "@ai-sdk/", "openai", "OpenAI", "openai-x", ":", "=", " ", "\n",
          "\t", "x", ".", "-", "@ai-sdk/openai", "dashscope", ' = "1"', "{", "\\", "node_modules/"]  # fmt: skip
WANTED = {"openai", "@ai-sdk/openai", "dashscope"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_name_search_for_a_few_names_finds_what_the_full_pass_finds(text: str) -> None:
    for key_ok in (deps._is_yaml_key, deps._is_key):
        full = {k: v for k, v in deps._name_positions(text, key_ok).items() if k in WANTED}
        assert deps._name_positions(text, key_ok, WANTED) == full


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_json_key_search_for_a_few_names_finds_what_the_full_pass_finds(text: str) -> None:
    full: dict[str, int] = {}
    for m in deps.JSON_KEY.finditer(text):
        full.setdefault(m.group(1).removeprefix("node_modules/"), m.start())
    found = deps._first_keys(text, WANTED)
    assert {n: found[n] for n in WANTED if n in found} == {n: full[n] for n in WANTED if n in full}
