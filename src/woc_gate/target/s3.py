"""The screenshot bucket, read through boto3 with the gate's credentials and anonymously.

This module is boto3's boundary: every call runs through ``_call``, which turns botocore's errors into
answers (the error code S3 refused a call with) or, for an endpoint that cannot be reached, a
``TargetError`` naming the endpoint and bucket; the botocore exception stays its cause.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..config import Settings
from ..errors import ConfigError, TargetError

# the error codes S3 gives when a configuration is absent, by call
ABSENT = {
    "get_public_access_block": "NoSuchPublicAccessBlockConfiguration",
    "get_bucket_policy_status": "NoSuchBucketPolicy",
    "get_bucket_encryption": "ServerSideEncryptionConfigurationNotFoundError",
    "get_bucket_lifecycle_configuration": "NoSuchLifecycleConfiguration",
}
HEAD_WORKERS = 8
PAGE_KEYS = 1000  # the most S3 gives in one listing page
TIMEOUTS = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 1})


@dataclass(frozen=True)
class Bucket:
    """Where the screenshots are: the bucket, a key prefix and the endpoint (None for AWS itself)."""

    name: str
    prefix: str
    endpoint: str | None
    region: str


def bucket_of(settings: Settings) -> Bucket | None:
    """The screenshot bucket of ``screenshot_storage`` (``s3://bucket/prefix``), or None when it is not S3."""
    parts = urlsplit(settings.screenshot_storage)
    if parts.scheme != "s3" or not parts.netloc:
        return None
    return Bucket(parts.netloc, parts.path.strip("/"), settings.s3_endpoint or None, settings.s3_region)


def client(settings: Settings, bucket: Bucket, *, anonymous: bool = False, keys_only: bool = False):
    """A boto3 S3 client of the bucket's endpoint: with the gate's credentials, or unsigned.

    ``keys_only``: its answers keep timestamps as the text S3 sent, for a listing that reads only keys.
    """
    config = TIMEOUTS.merge(Config(signature_version=UNSIGNED)) if anonymous else TIMEOUTS
    keys: dict[str, Any] = {}
    if settings.s3_access_key_id and not anonymous:
        keys = {
            "aws_access_key_id": settings.s3_access_key_id,
            "aws_secret_access_key": settings.s3_secret_access_key.reveal() if settings.s3_secret_access_key else "",
        }
    verify: Any = str(settings.ca_bundle) if settings.ca_bundle else None
    try:
        return _session(keys_only).client(
            "s3", endpoint_url=bucket.endpoint, region_name=bucket.region, config=config, verify=verify, **keys
        )
    except (BotoCoreError, ValueError) as error:  # botocore refuses a malformed endpoint with a ValueError
        raise ConfigError(
            f"cannot set up an S3 client for {_where(bucket)}: {error}; check s3_endpoint and s3_region"
        ) from error


@cache
def _session(raw_timestamps: bool = False) -> boto3.session.Session:
    """One boto3 session for the run (two: with and without parsed timestamps); its clients share the models.

    Parsing the LastModified of every key is more than half of botocore's work on a listing page.
    """
    session = botocore.session.get_session()
    if raw_timestamps:
        session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
    return boto3.session.Session(botocore_session=session)


def read(s3, bucket: Bucket, call: str, **kwargs: Any) -> dict[str, Any] | None:
    """The answer of one bucket call with the gate's credentials; None when the configuration is absent."""
    answer, refused = _call(s3, bucket, call, Bucket=bucket.name, **kwargs)
    if refused is None:
        return answer
    if refused == ABSENT.get(call):
        return None
    raise TargetError(
        f"S3 {call} on bucket {bucket.name} at {_where(bucket)} failed: {refused};"
        " check the gate's S3 credentials (s3_access_key_id) and their permissions"
    )


def missing_keys(s3, bucket: Bucket, keys: list[str]) -> list[str]:
    """The keys the bucket does not hold (HEAD requests, a few at a time)."""
    with ThreadPoolExecutor(max_workers=HEAD_WORKERS) as pool:
        found = list(pool.map(lambda key: object_exists(s3, bucket, key), keys))
    return [key for key, exists in zip(keys, found, strict=True) if not exists]


def list_keys(s3, bucket: Bucket) -> set[str]:
    """Every key under the bucket's prefix, the prefix taken off (one listing, page by page)."""
    prefix = f"{bucket.prefix}/" if bucket.prefix else ""
    keys: set[str] = set()
    for page in _pages(s3, bucket, prefix):
        keys.update(item["Key"][len(prefix) :] for item in page.get("Contents", ()))
    return keys


def list_folders(s3, bucket: Bucket, prefix: str) -> list[str]:
    """The folders right under ``prefix`` (``prefix/name/``): S3's common prefixes of a listing by ``/``."""
    return [
        folder["Prefix"]
        for page in _pages(s3, bucket, prefix, Delimiter="/")
        for folder in page.get("CommonPrefixes", ())
    ]


def _pages(s3, bucket: Bucket, prefix: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    token: dict[str, str] = {}
    while True:
        page = read(s3, bucket, "list_objects_v2", Prefix=prefix, MaxKeys=PAGE_KEYS, **token, **kwargs)
        yield page
        if not page.get("IsTruncated"):
            return
        token = {"ContinuationToken": page["NextContinuationToken"]}


def object_exists(s3, bucket: Bucket, key: str) -> bool:
    """Whether the bucket holds ``key`` (HEAD with the gate's credentials)."""
    return _object_call(s3, bucket, "head_object", key) is not None


def object_body(s3, bucket: Bucket, key: str) -> tuple[bytes, str | None] | None:
    """An object's bytes and the Content-Type it was stored with (GET with the gate's credentials); None when absent."""
    answer = _object_call(s3, bucket, "get_object", key)
    if answer is None:
        return None
    try:
        return answer["Body"].read(), answer.get("ContentType")
    except BotoCoreError as error:
        raise TargetError(
            f"the object {key} of bucket {bucket.name} at {_where(bucket)} was cut off: {error}"
        ) from error


def _object_call(s3, bucket: Bucket, call: str, key: str) -> dict[str, Any] | None:
    """The answer of one call on an object; None when the bucket does not hold it."""
    answer, refused = _call(s3, bucket, call, Bucket=bucket.name, Key=key)
    if refused in ("404", "NoSuchKey", "NotFound"):
        return None
    if refused is not None:
        raise TargetError(
            f"S3 {call} of {key} on bucket {bucket.name} at {_where(bucket)} failed: {refused};"
            " check the gate's S3 credentials (s3_access_key_id) and their permissions"
        )
    return answer


def anonymous_answer(s3, bucket: Bucket, call: str, **kwargs: Any) -> str:
    """What an unsigned call on the bucket gets: ``allowed``, or the S3 error code that refused it."""
    _, refused = _call(s3, bucket, call, Bucket=bucket.name, **kwargs)
    return refused or "allowed"


def _call(s3, bucket: Bucket, call: str, **kwargs: Any) -> tuple[Any, str | None]:
    """The answer of one S3 call and None, or None and the error code S3 refused it with."""
    try:
        return getattr(s3, call)(**kwargs), None
    except ClientError as error:
        return None, error.response.get("Error", {}).get("Code") or "refused"
    except BotoCoreError as error:
        raise TargetError(
            f"cannot reach bucket {bucket.name} at {_where(bucket)}: {error}; check s3_endpoint and s3_region"
        ) from error


def _where(bucket: Bucket) -> str:
    return bucket.endpoint or f"AWS {bucket.region}"
