"""The public API's shape: light to import, every name callable, parameters in step with the
service requests they build (so a new flag cannot reach the CLI but not the API)."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import hedgectl
from hedgectl.services import audit, catalog, config, mirror, reach, rewrite


def test_import_is_light() -> None:
    code = (
        "import sys, hedgectl; hedgectl.audit; "
        "heavy = [m for m in ('boto3', 'huggingface_hub', 'httpx', 'typer', 'rich') "
        "if m in sys.modules]; print(heavy); sys.exit(bool(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_public_name_is_a_documented_function() -> None:
    for name in hedgectl.__all__:
        if name == "__version__":
            continue
        func = getattr(hedgectl, name)
        assert callable(func) and func.__doc__, name
        hints = inspect.signature(func)
        assert hints.return_annotation is not inspect.Signature.empty, name


def fields(request: type) -> set[str]:
    return {f.name for f in dataclasses.fields(request)}


def params(func: object) -> set[str]:
    return set(inspect.signature(func).parameters)  # type: ignore[arg-type]


def test_parameters_match_the_service_requests() -> None:
    assert params(hedgectl.audit) == fields(audit.AuditRequest) | {
        "on_progress",
        "on_skipped",
        "on_repo",
    }
    assert params(hedgectl.rewrite) == fields(rewrite.RewriteRequest) | {"on_progress"}
    assert params(hedgectl.mirror) == fields(mirror.MirrorRequest) | {"dry_run", "progress"}
    assert params(hedgectl.verify_mirror) == fields(mirror.VerifyRequest) | {"progress"}
    assert params(hedgectl.reach) == fields(reach.ReachRequest) | {"on_progress", "on_warning"}
    assert params(hedgectl.reach_history) == fields(reach.HistoryRequest)
    assert params(hedgectl.check_config) == fields(config.CheckRequest)
    assert params(hedgectl.export_config) == fields(config.ExportRequest)
    assert params(hedgectl.load_catalog) == set(inspect.signature(catalog.catalog).parameters)
    assert params(hedgectl.init) == set(inspect.signature(catalog.init).parameters)
