"""What a running stack tells its users, in its state dir: ``profile.toml``, ``env`` and ``context.json`` (all 0600).

``profile.toml`` is a target profile in the format real operators write (see PROFILE.md), ``env``
the runbook variables as shell exports, ``context.json`` the apps' ``SandboxContext`` for the
suite's own tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import tomli_w

from woc_gate.config import environment_of
from woc_gate.files import private_opener
from woc_gate.sandbox.context import Database, SandboxContext
from woc_gate.sandbox.environment import runbook_env
from woc_gate.sandbox.layout import static_profile
from woc_gate.sandbox.seedfile import SMOKE_ROLES, SeedFile


def profile_data(ctx: SandboxContext, seed_file: SeedFile, state_dir: Path) -> dict:
    """The target profile of a running stack."""
    data = static_profile(state_dir) | {"commit_sha": tree_sha(ctx.repo)}
    if ctx.ca_bundle:
        data["ca_bundle"] = ctx.ca_bundle
    data["resend_api_url"] = ctx.mail_base_url
    data["resend_read_key"] = ctx.resend_read_key
    data["installers_manifest"] = ctx.installers_manifest
    data["screenshot_storage"] = f"s3://{ctx.s3_bucket}" if ctx.s3_endpoint else "local"
    if ctx.s3_endpoint:
        data["s3_endpoint"] = ctx.s3_endpoint
        data["s3_access_key_id"] = ctx.s3_access_key_id
        data["s3_secret_access_key"] = ctx.s3_secret_access_key
    if ctx.scratch_url:
        data["migration_scratch_url"] = ctx.scratch_url
    if ctx.restore_url:
        data["restore_scratch_url"] = ctx.restore_url
    data["env"] = runbook_env(ctx)
    if ctx.plain_http_urls:
        api, web = ctx.plain_http_urls["api"], ctx.plain_http_urls["web"]
        data["plain_http"] = {"NEXTAUTH_URL": web, "API_BASE_URL": api, "WOC_API_URL": api}
    data["smoke"] = {tenant.key: _smoke_table(tenant) for tenant in seed_file.tenants}
    data["envelopes"] = {"policy": ctx.policy_envelope}
    data["sandbox"] = {
        "state_dir": str(state_dir),
        "faults": sorted(ctx.faults),
        "storage_dir": str(ctx.storage_dir),
        "pid": os.getpid(),
    }
    return data


def tree_sha(tree: Path) -> str:
    """A 40-hex digest of the tree's files, standing in for the commit SHA of a release."""
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(p for p in tree.rglob("*") if p.is_file() and "node_modules" not in p.parts):
        digest.update(path.relative_to(tree).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def write_profile(path: Path, ctx: SandboxContext, seed_file: SeedFile, state_dir: Path) -> None:
    """Write ``profile.toml``."""
    write_private(path, tomli_w.dumps(profile_data(ctx, seed_file, state_dir)))


def write_env(path: Path, ctx: SandboxContext, seed_file: SeedFile, state_dir: Path) -> None:
    """Write ``env``: each profile value that has a variable (runbook, suite, smoke), so the file alone reaches it."""
    variables = environment_of(profile_data(ctx, seed_file, state_dir))
    lines = [f"export {name}={_single_quoted(value)}\n" for name, value in variables.items()]
    write_private(path, "".join(lines))


def write_context(path: Path, ctx: SandboxContext) -> None:
    """Write the apps' context as JSON."""
    data = dataclasses.asdict(ctx)
    data.update(repo=str(ctx.repo), storage_dir=str(ctx.storage_dir), faults=sorted(ctx.faults))
    write_private(path, json.dumps(data, indent=1))


def read_context(path: Path) -> SandboxContext:
    """The context a stack wrote with ``write_context``."""
    data = json.loads(Path(path).read_text())
    data.update(
        db=Database(**data["db"]),
        repo=Path(data["repo"]),
        storage_dir=Path(data["storage_dir"]),
        faults=frozenset(data["faults"]),
    )
    return SandboxContext(**data)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (mode 0600, also when it existed)."""
    with open(path, "w", opener=private_opener) as file:
        file.write(text)


def _smoke_table(tenant) -> dict[str, str]:
    table = {"organization": tenant.slug}
    for role in SMOKE_ROLES:
        account = tenant.account(role)
        table[f"{role.lower()}_email"] = account.email
        table[f"{role.lower()}_password"] = account.password
    return table


def _single_quoted(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"
