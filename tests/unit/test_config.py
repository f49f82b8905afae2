"""hedge.toml loading: discovery, pyproject fallback, strict validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedgectl import config
from hedgectl.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = config.load(cwd=tmp_path)
    assert settings.path is None
    assert settings.audit.fail_on == "named"


def test_found_upward_from_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path / "hedge.toml", '[audit]\nfail_on = "elevated"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    settings = config.load(cwd=sub)
    assert settings.path == (tmp_path / "hedge.toml").resolve()
    assert settings.audit.fail_on == "elevated"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n[tool.hedgectl.audit]\nexclude = ["docs/**"]\n',
    )
    assert config.load(cwd=tmp_path).audit.exclude == ("docs/**",)


def test_pyproject_without_tool_table_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert config.load(cwd=tmp_path).path is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[audit]\nfail_onn = "named"\n', "audit.fail_onn: unknown key"),
        ('[audit]\nfail_on = "sometimes"\n', "audit.fail_on: 'sometimes' is not one of"),
        (
            "[audit]\nmax_file_size = true\n",
            "audit.max_file_size: must be an integer, not a boolean",
        ),
        ('[audit]\nexclude = "x"\n', "audit.exclude: must be a list of strings"),
        ("[audti]\n", "audti: unknown section"),
        ("[audit\n", "is not valid TOML"),
    ],
)
def test_bad_files_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "hedge.toml", text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as info:
        config.load(cwd=tmp_path)
    assert str(path.name) in str(info.value)
    assert info.value.exit_code == 3


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    write(tmp_path / "hedge.toml", '[audit]\nfail_onn = "named"\n')
    with pytest.raises(ConfigError) as info:
        config.load(cwd=tmp_path)
    assert info.value.hint == "did you mean 'fail_on'?"


def test_explicit_path_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = write(tmp_path / "other.toml", '[audit]\nfail_on = "any"\n')
    assert config.load(other, cwd=tmp_path).audit.fail_on == "any"
    monkeypatch.setenv("HEDGECTL_CONFIG", str(other))
    assert config.load(cwd=tmp_path).audit.fail_on == "any"


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        config.load(tmp_path / "nope.toml", cwd=tmp_path)
