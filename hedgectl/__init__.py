"""hedgectl: hedge against LLM providers vanishing overnight.

The Python API (see hedgectl/api.py and docs/api.md): hedgectl.audit(), rewrite(), mirror(),
verify_mirror(), mirror_presets(), reach(), reach_history(), check_config(), export_config(),
load_catalog(), init(). They are loaded on first use, so
`import hedgectl` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:  # written at install time from the git tag (setuptools-scm)
    from hedgectl._version import __version__
except ImportError:  # a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "__version__",
    "audit",
    "check_config",
    "export_config",
    "init",
    "load_catalog",
    "merge_audits",
    "mirror",
    "mirror_presets",
    "reach",
    "reach_history",
    "rewrite",
    "verify_mirror",
]

if TYPE_CHECKING:
    from hedgectl.api import (
        audit,
        check_config,
        export_config,
        init,
        load_catalog,
        merge_audits,
        mirror,
        mirror_presets,
        reach,
        reach_history,
        rewrite,
        verify_mirror,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from hedgectl import api

        return getattr(api, name)
    raise AttributeError(f"module 'hedgectl' has no attribute {name!r}")
