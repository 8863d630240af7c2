"""Where a reference stack keeps its files, and the settings its state dir alone decides (no dependencies).

The plugin plans a stack's state dir when the session is configured and layers ``static_profile`` into
the settings then, so they are complete before collection (``openapi_path``, ``env_file``, ``repo``, …)
while the stack itself starts only on first need; its ``profile.toml`` then adds what depends on its ports
and secrets. ``target_profile.profile_data`` starts from the same function, so the two cannot drift apart.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from woc_gate.sandbox import instances

PROFILE_FILE = "profile.toml"
ENV_FILE = "env"
ERROR_FILE = "error"
LOG_FILE = "daemon.log"
TREE_DIR = "workonclock"
STORAGE_DIR = "storage"
ENVIRONMENT = "staging"
OPERATOR = "sandbox"
EMAIL_WAIT_SECONDS = 1  # the stand-in has the email before the request that sends it answers
OPENAPI_PATH = "/openapi.json"
FILESYSTEM_ADVICE = (  # what to do when a file system's limit stops a stack's start
    "make room there (or make it writable), or keep the template cache ($WOC_GATE_CACHE_DIR) and the"
    " state dir (--state) on another file system"
)


def planned_state_dir() -> Path:
    """A state dir no stack uses yet, under the run root; the stack that starts there makes it."""
    return instances.run_root().resolve() / f"state-{uuid.uuid4().hex[:12]}"


def static_profile(state_dir: Path) -> dict[str, str | int]:
    """The part of a stack's target profile that its state dir alone decides."""
    return {
        "environment": ENVIRONMENT,
        "repo": str(state_dir / TREE_DIR),  # the stack's own copy of the tree (tree faults edit it)
        "operator": OPERATOR,
        "email_wait_seconds": EMAIL_WAIT_SECONDS,
        "openapi_path": OPENAPI_PATH,
        "screenshot_storage_dir": str(state_dir / STORAGE_DIR),
        "env_file": str(state_dir / ENV_FILE),  # the deployment's own env file, as an operator hands it over
    }
