"""The direct checks of cli/_params.py give what typer's pydantic adapters give: the same value
(and type), or the same error, on every parameter of every command; a value that is none of a
choice's is worded without pydantic's "Value error, " prefix."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
import typer
from typer import _coercion
from typer.core import _TyperParameter

from hedgectl.cli import _params
from hedgectl.cli.app import _walk, app

NO_CHOICE = "Value error, "
TEXTS = ["", "x", "-", ".", "0", "1", "4", "04", "+4", " 4", "-1", "1_0", "4.0", "9" * 30]
TEXTS += ["2.5", "0.25", "5.", ".5", "1e3", "inf", "-2.5", "1" * 20 + ".5"]
TEXTS += ["json", "JSON", "never", "named", "model", "a//b/", "~", "/no/such/dir/f", "x\0y"]


def parameters() -> Iterator[tuple[str, Any]]:
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    for param in root.get_params(ctx):
        yield "", param
    for path, command in _walk(root):
        for param in command.get_params(ctx):
            yield path, param


def samples(annotation: Any, tmp: Path) -> list[Any]:
    out: list[Any] = [*TEXTS, str(tmp), str(tmp / "file.txt"), 3, 0, True, 2.5]
    leaf = get_args(annotation)[0] if get_origin(annotation) is list else annotation
    if isinstance(leaf, type) and issubclass(leaf, Enum):
        out += [*leaf, *(m.value for m in leaf), *(str(m.value).upper() for m in leaf)]
    if get_origin(annotation) is list:
        out += [[v] for v in out] + [tuple(out[:3]), ["x", "json"], []]
    return out


def outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        got = runtime._coerce_value(value, param=param, ctx=ctx)
    except Exception as exc:  # the error itself is compared
        return "error", (type(exc).__name__, str(exc))
    kinds = [type(v) for v in got] if isinstance(got, list | tuple) else None
    return "value", (got, type(got), kinds)


def test_direct_checks_agree_with_typer_on_every_parameter(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    seen = 0
    for path, param in parameters():
        if not isinstance(param, _TyperParameter):
            continue
        desc = param.type_descriptor
        direct = _params._Direct(
            parameter_info=desc.parameter_info, annotation=desc.annotation, descriptor=desc
        )
        usual = _coercion.build_runtime_param(desc)
        for value in samples(desc.annotation, tmp_path):
            param._runtime_param = None
            want = outcome(usual, value, param, ctx)
            got = outcome(direct, value, param, ctx)
            kind, detail = want
            if (
                kind == "error"
                and detail[1].startswith(NO_CHOICE)
                and " is not one of " in detail[1]
            ):
                want = (kind, (detail[0], detail[1].removeprefix(NO_CHOICE)))  # the one difference
            assert got == want, (path, param.name, value)
            seen += 1
    assert seen > 1000


def test_values_the_direct_checks_leave_go_typers_way() -> None:
    root = typer.main.get_command(app)
    audit = root.commands["audit"]
    ctx = typer.Context(audit)
    jobs = next(p for p in audit.params if p.name == "jobs")
    _params.install([jobs])
    assert isinstance(jobs._runtime_param, _params._Direct)
    with pytest.raises(typer.BadParameter):
        jobs.process_value(ctx, "0")  # below --jobs' minimum: typer's own message
    assert not isinstance(jobs._runtime_param, _params._Direct)  # typer's adapter from now on


def test_a_quiet_json_audit_loads_neither_pydantic_nor_rich(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('MODEL = "gpt-4o"\n')
    code = (
        "import sys\n"
        "from hedgectl.cli.app import main\n"
        "sys.argv = ['hedgectl', 'audit', '.', '-f', 'json', '-q', '--fail-on', 'never', '-j', '1']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(str(sorted({'pydantic', 'rich'} & set(sys.modules))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.stderr.endswith("[]"), proc.stderr


def test_mirror_copy_loads_no_pydantic(tmp_path: Path) -> None:
    """`mirror` is a group: the subcommand that runs gets the direct checks too (start-up CPU
    counts for every copy). --concurrency 0 stops the run after every value was checked."""
    code = (
        "import sys\n"
        "from hedgectl.cli.app import main\n"
        "sys.argv = ['hedgectl', 'mirror', 'acme/model', 's3://bucket/m', '--concurrency', '0',\n"
        "            '--part-size', '8MiB', '--retry-seconds', '5', '--json', '-q']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    sys.stderr.write(f'exit {exc.code} ')\n"
        "sys.stderr.write(str(sorted({'pydantic'} & set(sys.modules))))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HF_"))}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.stderr.endswith("exit 2 []"), proc.stderr
    assert "--concurrency must be between 1 and 256" in proc.stdout + proc.stderr
