"""services/settings.py: the one place flags, HEDGECTL_* variables and hedge.toml meet."""

from __future__ import annotations

import pytest

from hedgectl.errors import ExitCode, UsageError
from hedgectl.services.settings import choice, pick, positive_float


def test_flag_beats_env_beats_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEDGECTL_X", raising=False)
    assert pick(None, "HEDGECTL_X", "file", str) == "file"
    monkeypatch.setenv("HEDGECTL_X", "env")
    assert pick(None, "HEDGECTL_X", "file", str) == "env"
    assert pick("flag", "HEDGECTL_X", "file", str) == "flag"
    monkeypatch.setenv("HEDGECTL_X", "  ")  # blank counts as unset, as in a CI matrix
    assert pick(None, "HEDGECTL_X", "file", str) == "file"


def test_malformed_variables_are_usage_errors_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEDGECTL_X", "sometimes")
    with pytest.raises(UsageError, match="HEDGECTL_X='sometimes': not one of a, b") as info:
        pick(None, "HEDGECTL_X", "a", choice(("a", "b")))
    assert info.value.exit_code == ExitCode.USAGE
    monkeypatch.setenv("HEDGECTL_X", "0.01")
    with pytest.raises(UsageError, match=r"must be at least 0\.1"):
        pick(None, "HEDGECTL_X", None, positive_float(0.1))
    monkeypatch.setenv("HEDGECTL_X", "soon")
    with pytest.raises(UsageError, match="not a number"):
        pick(None, "HEDGECTL_X", None, positive_float(0.1))
    monkeypatch.setenv("HEDGECTL_X", "2.5")
    assert pick(None, "HEDGECTL_X", None, positive_float(0.1)) == 2.5
