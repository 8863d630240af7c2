"""Checks of private screenshot storage (runbook §4 object backup, §7): not local disk, private, well-kept bucket."""

from __future__ import annotations

from typing import Any

import httpx

from ..target import db
from ..target.s3 import Bucket
from . import CheckFailure

REFUSED = (401, 403, 404)
SAMPLE_KEYS = (
    "(SELECT id, objectKey FROM woc_screenshots ORDER BY capturedAt DESC, id LIMIT %s)"
    " UNION (SELECT id, objectKey FROM woc_screenshots ORDER BY capturedAt, id LIMIT %s)"
)
LONGEST_RETENTION = "SELECT MAX(screenshotRetentionDays) AS days FROM woc_organization_settings"
PUBLIC_ACCESS_BLOCK = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def sampled_screenshots(connection, size: int) -> list[dict[str, Any]]:
    """The newest and the oldest ``size`` screenshots (deterministic, so runs compare): id and objectKey."""
    return db.query(connection, SAMPLE_KEYS, (size, size))


def longest_retention_days(connection) -> int | None:
    """The longest screenshot retention any organization has configured."""
    return db.query(connection, LONGEST_RETENTION)[0]["days"]


def storage_is_not_local_disk(storage: str, environment: str) -> None:
    """Screenshots are kept in object storage (``s3://…``), not on the servers' disk."""
    __tracebackhide__ = True
    if not storage.startswith("s3://"):
        raise CheckFailure(
            f"screenshots are not in private object storage in {environment}",
            "screenshot_storage an s3://bucket URL",
            storage or "not declared (set screenshot_storage in the profile)",
        )


def every_key_resolves(missing: list[str], sampled: int, bucket: Bucket) -> None:
    """Every sampled objectKey names an object in the bucket."""
    __tracebackhide__ = True
    if missing:
        raise CheckFailure(
            f"{len(missing)} of {sampled} sampled woc_screenshots.objectKey have no object in bucket {bucket.name}",
            "an object for every key",
            ", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""),
        )


def anonymous_preview_is_refused(path: str, response: httpx.Response) -> None:
    """A screenshot preview is not served to a request without credentials."""
    __tracebackhide__ = True
    if response.status_code not in REFUSED or response.headers.get("content-type", "").startswith("image/"):
        raise CheckFailure(
            f"the screenshot preview {path} is served anonymously",
            "HTTP 401, 403 or 404 without credentials",
            f"HTTP {response.status_code} {response.headers.get('content-type', '')}".strip(),
        )


def anonymous_call_is_refused(what: str, bucket: Bucket, answer: str) -> None:
    """An unsigned S3 call on the bucket is refused."""
    __tracebackhide__ = True
    if answer == "allowed":
        raise CheckFailure(
            f"anonymous {what} on bucket {bucket.name} is allowed", "AccessDenied (or any refusal)", "allowed"
        )


def public_access_is_blocked(bucket: Bucket, answer: dict | None) -> None:
    """The bucket's public access block has all four settings on."""
    __tracebackhide__ = True
    settings = (answer or {}).get("PublicAccessBlockConfiguration", {})
    off = [name for name in PUBLIC_ACCESS_BLOCK if not settings.get(name)]
    if off:
        raise CheckFailure(
            f"bucket {bucket.name}: the public access block is not all on",
            "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets all true",
            "off: " + ", ".join(off),
        )


def policy_is_not_public(bucket: Bucket, answer: dict | None) -> None:
    """The bucket's policy status is not public (no policy at all is fine)."""
    __tracebackhide__ = True
    if answer and answer.get("PolicyStatus", {}).get("IsPublic"):
        raise CheckFailure(f"bucket {bucket.name}: the bucket policy is public", "IsPublic false", "IsPublic true")


def default_encryption_is_on(bucket: Bucket, answer: dict | None) -> None:
    """The bucket encrypts objects at rest by default."""
    __tracebackhide__ = True
    rules = (answer or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if not any(rule.get("ApplyServerSideEncryptionByDefault") for rule in rules):
        raise CheckFailure(
            f"bucket {bucket.name}: default encryption is off", "a default server-side encryption rule", "none"
        )


def versioning_is_on(bucket: Bucket, answer: dict | None) -> None:
    """The bucket keeps object versions."""
    __tracebackhide__ = True
    status = (answer or {}).get("Status")
    if status != "Enabled":
        raise CheckFailure(f"bucket {bucket.name}: versioning is not enabled", "Enabled", status or "never enabled")


def lifecycle_keeps_retention(bucket: Bucket, answer: dict | None, longest_days: int | None) -> None:
    """No enabled lifecycle rule expires current objects before the longest retention an organization configured."""
    __tracebackhide__ = True
    early = [
        f"rule {rule.get('ID', '?')} expires after {rule['Expiration']['Days']} days"
        for rule in (answer or {}).get("Rules", [])
        if rule.get("Status") == "Enabled"
        and "Days" in rule.get("Expiration", {})
        and longest_days is not None
        and rule["Expiration"]["Days"] < longest_days
    ]
    if answer is None or early:
        raise CheckFailure(
            f"bucket {bucket.name}: the lifecycle does not match screenshot retention",
            f"lifecycle rules, none expiring objects before {longest_days} days (the longest retention configured)",
            "; ".join(early) or "no lifecycle configuration",
        )


def access_logging_is_on(bucket: Bucket, answer: dict | None) -> None:
    """The bucket's server access logs are written somewhere."""
    __tracebackhide__ = True
    target = (answer or {}).get("LoggingEnabled", {}).get("TargetBucket")
    if not target:
        raise CheckFailure(f"bucket {bucket.name}: access logging is off", "LoggingEnabled with a target bucket", "off")
