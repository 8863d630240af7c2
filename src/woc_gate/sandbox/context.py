"""What the reference stack's apps are built from: one object, made by the stack, read by the apps."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Database:
    """How the apps reach the sandbox database (a read-write application account)."""

    host: str
    port: int
    user: str
    password: str
    name: str
    unix_socket: str | None = None


@dataclass(frozen=True)
class SandboxContext:
    """Everything the runtime API, the web/admin app, the mail capture and storage need."""

    db: Database
    repo: Path  # the WorkOnClock source tree the stack was built from (the stack's own copy)
    storage_dir: Path  # screenshot objects, keyed by woc_screenshots.objectKey
    api_base_url: str  # API_BASE_URL: previewUrl is built on it
    web_base_url: str  # NEXTAUTH_URL
    mail_base_url: str  # the Resend stand-in; the web app sends through it
    jwt_secret: str
    nextauth_secret: str
    cron_secret: str
    resend_api_key: str  # "" when the provider key is not configured
    email_from: str
    contact_to: str
    email_require_provider: bool
    policy_schema: dict[str, Any]  # the shared TrackingPolicy as a standalone draft-07 JSON Schema
    screenshot_schema: dict[str, Any]  # the shared ScreenshotEvent, likewise (for the OpenAPI document)
    ca_bundle: str | None = None  # CA that signs the stack's TLS certificates, when served over TLS
    policy_envelope: str = "data"  # dotted key the API wraps the policy under; "" for none
    faults: frozenset[str] = field(default_factory=frozenset)
    resend_read_key: str = ""  # a full-access key for the gate; RESEND_API_KEY is then sending-only
    s3_endpoint: str = ""  # with --s3: the S3 server, its bucket and the key that reads and writes it
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    installers_manifest: str = ""  # the throwaway release's manifest
    plain_http_urls: dict[str, str] = field(default_factory=dict)  # "api"/"web": plain-HTTP ports that redirect
    scratch_url: str = ""  # a scratch database for the migration lint, with an account limited to it
    restore_url: str = ""  # the restore-check database, with an account limited to it
    fault_switch: str = ""  # the file of faults switched on a running stack; "" unless started with fault_switch

    def has(self, fault: str) -> bool:
        """True when the stack was started with this fault, or it is switched on now."""
        return fault in self.faults or (self._switch is not None and fault in self._switch.names())

    @cached_property
    def _switch(self) -> FaultSwitch | None:
        return FaultSwitch(Path(self.fault_switch)) if self.fault_switch else None


class FaultSwitch:
    """The fault names in a file, one a line, read again only when the file is replaced or changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._names: frozenset[str] = frozenset()

    def names(self) -> frozenset[str]:
        """The names switched on now (none while the file is missing)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return frozenset()
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # the writer replaces the file, so the inode changes
        if stamp != self._stamp:
            self._names, self._stamp = frozenset(self.path.read_text().split()), stamp
        return self._names
