"""The reference WorkOnClock stack: a throwaway stand-in on loopback that the suite runs against.

Its own dependencies are the ``sandbox`` extra (``pip install 'woc-gate[sandbox]'``); an operator
checking a real deployment installs none of them. ``require_extra`` says so in one line.
"""

from __future__ import annotations

import importlib.util

from woc_gate.errors import SandboxError

EXTRA_MODULES = ("starlette", "uvicorn", "multipart", "jwt", "itsdangerous", "tomli_w", "moto")


def require_extra() -> None:
    """A ``SandboxError`` naming the missing modules and the extra to install, unless the stack can run here."""
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise SandboxError(
            f"the reference stack needs woc-gate's sandbox extra ({', '.join(missing)} not installed): "
            "pip install 'woc-gate[sandbox]'"
        )
