"""Server processes that end with the test process that started them.

A session-scoped server is stopped by its fixture's teardown, but a test run killed with SIGKILL
(a timeout, a developer's ^C^C) never runs teardown, and SeaweedFS or tinyproxy would live on,
holding ports, memory and CPU. The kernel's parent-death signal ends them too.
"""

from __future__ import annotations

import ctypes
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec_fn for subprocess.Popen: SIGKILL this child when its parent exits (Linux only)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
