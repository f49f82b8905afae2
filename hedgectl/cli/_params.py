"""Parameter values checked without loading pydantic, for the values our commands take.

typer checks every parameter's value (given or default) through a pydantic TypeAdapter it builds
on first use, and the first one imports pydantic: about 65 ms of CPU, a quarter of the start-up
of `hedgectl audit` on a small tree. For what our commands take -- an absent value, text, a
choice, a path, a count, a plain decimal, a list of those -- typer's own checks (the functions
its adapters wrap) or float() of plain digits give the same value without it. Anything else, and every value those checks reject (pydantic
words the message), goes typer's usual way, so values and errors are typer's own, but for a value
that is none of a choice's: that error is typer's sentence without pydantic's "Value error, "
prefix. A typer whose internals differ gets nothing installed. tests/unit/test_cli_params.py compares both ways on
every parameter of every command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer import BadParameter

try:  # typer's internals: checked at install time, nothing installed when they differ
    from typer import _coercion, _param_types
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - another typer
    _coercion = _param_types = None  # type: ignore[assignment]
    _TyperParameter = None  # type: ignore[assignment,misc]

_UNHANDLED = object()
# What pydantic's int takes from text includes "+4", " 4", "1_0" and "4.0"; plain digits are the
# part whose value is certain (int() of them). Longer numbers go typer's way.
_DIGITS = re.compile(r"[0-9]{1,18}")
# Likewise for float: plain decimals (no sign, exponent, underscores, inf or nan).
_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?")
_NUMBER = {int: _DIGITS, float: _DECIMAL}  # what each number type takes without pydantic


def _leaf(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """The value typer's leaf adapter gives `value`, or _UNHANDLED."""
    if info.parser is not None or _param_types.is_file_annotation(annotation):
        return _UNHANDLED
    if _param_types.lenient_issubclass(annotation, Enum):
        try:
            return _param_types.coerce_cli_choice(
                value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx
            )
        except ValueError:
            # typer would word it through pydantic ("Value error, 'x' is not one of ..."): the
            # same sentence without pydantic's prefix.
            names = ", ".join(repr(_param_types.choice_as_str(c)) for c in annotation)
            raise BadParameter(f"{value!r} is not one of {names}.", ctx=ctx, param=param) from None
    if annotation is str:
        return value if type(value) is str else _UNHANDLED
    if annotation is int or annotation is float:
        if type(value) is str and _NUMBER[annotation].fullmatch(value):
            value = annotation(value)
        if type(value) is not annotation or info.clamp:
            return _UNHANDLED
        if (info.min is not None and value < info.min) or (
            info.max is not None and value > info.max
        ):
            return _UNHANDLED  # out of range: typer's message
        return value
    if (
        annotation is Path
        and info.path_type is None
        and _param_types.routes_to_path(annotation, info)
    ):
        if type(value) is not str or "\0" in value:
            return _UNHANDLED
        try:
            return _param_types.coerce_cli_path(
                Path(value), info, path_type=Path, param=param, ctx=ctx
            )
        except Exception:  # noqa: BLE001 - any refusal: typer words it
            return _UNHANDLED
    return _UNHANDLED


def _value(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        items = value if isinstance(value, list | tuple) else [value]
        out = [_leaf(item, info, v, param, ctx) for v in items]
        return _UNHANDLED if any(v is _UNHANDLED for v in out) else out
    return _leaf(annotation, info, value, param, ctx)


def _direct_class() -> Any:
    """typer's RuntimeParam with the direct checks first, or None when typer's internals differ."""
    if _coercion is None or not hasattr(_coercion, "build_runtime_param"):
        return None  # pragma: no cover - another typer
    try:

        @dataclass(frozen=True)
        class Direct(_coercion.RuntimeParam):
            """typer's RuntimeParam for one parameter: its own checks first, its adapter if
            needed."""

            descriptor: Any = None

            def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
                result = _value(self.annotation, self.parameter_info, value, param, ctx)
                if result is not _UNHANDLED:
                    return result
                usual = _coercion.build_runtime_param(self.descriptor)
                param._runtime_param = usual  # later values go typer's way straight away
                return usual._coerce_value(value, param=param, ctx=ctx)

    except (AttributeError, TypeError):  # pragma: no cover - another typer
        return None
    return Direct


_Direct = _direct_class()


def install(params: Iterable[Any]) -> None:
    """Give each typer parameter the direct checks (before any value is seen)."""
    if _Direct is None:
        return  # pragma: no cover - another typer
    for param in params:
        if not isinstance(param, _TyperParameter):
            continue
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            continue
        try:
            direct = _Direct(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
        except (AttributeError, TypeError):  # pragma: no cover - another typer
            return
        param._runtime_param = direct
