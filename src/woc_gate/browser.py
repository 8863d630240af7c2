"""Which Chromium the browser flows launch, and how: the launch options pytest-playwright passes on.

The executable is, in order: ``WOC_GATE_BROWSER``, ``[browser] executable`` in the profile,
Playwright's own Chromium when it is installed, Debian's ``/usr/lib/chromium/chromium``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import ConfigError

BROWSER_VARIABLE = "WOC_GATE_BROWSER"
DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")  # /usr/bin/chromium is a wrapper script
QUIET_ARGS = ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")


def browser_executable(settings: Settings, playwright_own: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The Chromium to launch; a ``ConfigError`` naming what was tried when none is there."""
    configured = environ.get(BROWSER_VARIABLE) or settings.browser.get("executable")
    if configured:
        path = Path(configured)
        if not os.access(path, os.X_OK):
            where = BROWSER_VARIABLE if environ.get(BROWSER_VARIABLE) else "[browser] executable"
            raise ConfigError(f"the browser {path} ({where}) is not an executable file")
        return path
    for candidate in (playwright_own, DEBIAN_CHROMIUM):
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise ConfigError(
        f"no Chromium found: install Debian's chromium ({DEBIAN_CHROMIUM}), or set {BROWSER_VARIABLE} "
        "or [browser] executable in the profile"
    )


def launch_args(executable: Path, profile_dir: Path, *, as_root: bool | None = None) -> dict[str, Any]:
    """Playwright launch options: the executable, quiet flags, and Chromium's files kept in ``profile_dir``."""
    as_root = os.geteuid() == 0 if as_root is None else as_root
    args = [*QUIET_ARGS, *(["--no-sandbox"] if as_root else [])]  # Chromium refuses to sandbox as root
    env = {**os.environ, "XDG_CONFIG_HOME": str(profile_dir / "config"), "XDG_CACHE_HOME": str(profile_dir / "cache")}
    return {"executable_path": str(executable), "args": args, "env": env}
