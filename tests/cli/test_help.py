"""--help reads like other ops tools: PATH..., SOURCE, FILE, N, not Python types; and every
command shows examples."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from hedgectl.cli.app import app


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_help_has_conventional_metavars_and_examples() -> None:
    assert ("audit",) in COMMANDS and ("mirror", "copy") in COMMANDS
    runner = CliRunner()
    for path in COMMANDS:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        text = result.stdout
        for typer_ism in ("<list[", "{source}", "<int range>", "<str>", "<path>", "<float"):
            assert typer_ism not in text, (path, typer_ism)
        if path:
            assert "Examples:\n" in text and f"hedgectl {' '.join(path)}" in text, path


def test_arguments_read_as_names() -> None:
    runner = CliRunner()
    assert "Usage: hedgectl audit [OPTIONS] [PATH...]" in runner.invoke(app, ["audit", "-h"]).stdout
    copy = runner.invoke(app, ["mirror", "copy", "-h"]).stdout
    assert "Usage: hedgectl mirror copy [OPTIONS] SOURCE DEST" in copy
    assert "-j, --concurrency N" in copy and "--include GLOB" in copy


def test_help_examples_name_real_commands_options_and_values() -> None:
    """Every hedgectl line in an epilog parses: its command exists, its options and their
    values are accepted (nothing runs)."""
    import shlex

    from hedgectl.cli._help import EXAMPLES

    root = typer.main.get_command(app)
    checked = 0
    for lines in EXAMPLES.values():
        for line in lines:
            args = shlex.split(line.split("  #")[0])
            args = args[: args.index("|")] if "|" in args else args  # hedgectl's end of a pipe
            if args[0] != "hedgectl":
                continue  # another tool reading what hedgectl serves (hf download)
            command: Any = root
            rest = args[1:]
            ctx = root.make_context("hedgectl", [], resilient_parsing=True)
            while getattr(command, "commands", None):
                if rest and rest[0] in command.commands:
                    name, rest = rest[0], rest[1:]
                elif args[1] == "mirror":  # `hedgectl mirror SOURCE DEST` is `mirror copy`
                    name = "copy"
                elif args[1] == "reach":  # `hedgectl reach [OPTIONS]` runs the probes
                    break
                else:
                    raise AssertionError(line)
                command = command.commands[name]
            with command.make_context(command.name, list(rest), parent=ctx):
                checked += 1
    assert checked >= 20


def test_a_run_builds_only_the_command_it_names() -> None:
    """`hedgectl audit ...` builds the audit command alone; what it prints is what the whole
    app prints (help, usage errors), and runs that name no command get every command."""
    from hedgectl.cli import app as root

    everything = tuple(root.COMMANDS)
    assert root.commands_for(["audit", "."]) == ("audit",)
    assert root.commands_for(["--no-color", "mirror", "copy"]) == ("mirror",)
    for argv in ([], ["--help"], ["-h", "audit"], ["-V"], ["audti"], ["--bogus", "audit"]):
        assert root.commands_for(argv) == everything, argv
    runner = CliRunner()
    full = root.build(everything)
    for path in COMMANDS:
        if not path:
            continue
        alone = root.build((path[0],))
        assert list(typer.main.get_command(alone).commands) == [path[0]]
        for argv in ([*path, "--help"], [*path, "--no-such-option"], ["--no-color", *path, "-h"]):
            want, got = runner.invoke(full, argv), runner.invoke(alone, argv)
            assert (got.exit_code, got.stdout, got.stderr) == (
                want.exit_code,
                want.stdout,
                want.stderr,
            ), argv


def test_a_value_that_is_no_choice_is_named_with_the_choices() -> None:
    """typer words it through pydantic: "Value error, 'nope' is not one of ..."."""
    runner = CliRunner()
    for args, option, choices in [
        (["rewrite", "--format", "nope"], "'--format' / '-f'", "'diff', 'json'"),
        (["audit", "--fail-on", "nope"], "'--fail-on'", "'named', 'elevated', 'any', 'never'"),
        (["rewrite", "--tier", "named", "--tier", "nope"], "'--tier'", "'named', 'elevated'"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        error = result.stderr.splitlines()[-1]
        assert error.startswith(
            f"Error: Invalid value for {option}: 'nope' is not one of {choices}"
        )
        assert "Value error" not in result.stderr
