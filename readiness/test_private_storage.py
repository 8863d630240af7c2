"""Runbook §4 "Object Backup", §7 "Private screenshot storage configured": private, kept, well-set-up bucket.

Anonymous S3 calls go unsigned to the bucket's endpoint. On the reference stack (moto with IAM
enforced) an unsigned GetObject is refused with 403; an unsigned listing gets a 500 from moto rather
than a denial: it is counted as refused because nothing was listed, which is all these tests can prove there.
"""

from __future__ import annotations

import pytest

from woc_gate.checks import storage
from woc_gate.target import clients, s3

pytestmark = [pytest.mark.gate("private-screenshot-storage"), pytest.mark.readiness]


def test_screenshots_are_not_on_local_disk(woc_settings):
    if woc_settings.environment == "dev":
        pytest.skip("dev environment: screenshots may stay on local disk")
    storage.storage_is_not_local_disk(woc_settings.screenshot_storage, woc_settings.environment)


def test_every_sampled_object_key_resolves(sampled_screenshots, s3_client, bucket):
    missing = s3.missing_keys(s3_client, bucket, [row["objectKey"] for row in sampled_screenshots])
    storage.every_key_resolves(missing, len(sampled_screenshots), bucket)


def test_anonymous_preview_is_refused(sampled_screenshots, woc_settings):
    path = woc_settings.endpoints["screenshot_preview"].format(id=sampled_screenshots[0]["id"])
    with clients.anonymous(woc_settings, woc_settings.api_url, "API_BASE_URL") as client:
        response = clients.request(client, "GET", path)
    storage.anonymous_preview_is_refused(path, response)


def test_anonymous_object_read_is_refused(sampled_screenshots, anonymous_s3, bucket):
    key = sampled_screenshots[0]["objectKey"]
    answer = s3.anonymous_answer(anonymous_s3, bucket, "get_object", Key=key)
    storage.anonymous_call_is_refused(f"GetObject of {key}", bucket, answer)


def test_anonymous_listing_is_refused(anonymous_s3, bucket):
    answer = s3.anonymous_answer(anonymous_s3, bucket, "list_objects_v2", Prefix=bucket.prefix)
    storage.anonymous_call_is_refused("ListObjectsV2", bucket, answer)


def test_public_access_block_is_all_on(s3_client, bucket):
    answer = s3.read(s3_client, bucket, "get_public_access_block")
    storage.public_access_is_blocked(bucket, answer)


def test_bucket_policy_is_not_public(s3_client, bucket):
    answer = s3.read(s3_client, bucket, "get_bucket_policy_status")
    storage.policy_is_not_public(bucket, answer)


def test_default_encryption_is_on(s3_client, bucket):
    answer = s3.read(s3_client, bucket, "get_bucket_encryption")
    storage.default_encryption_is_on(bucket, answer)


def test_versioning_is_on(s3_client, bucket):
    answer = s3.read(s3_client, bucket, "get_bucket_versioning")
    storage.versioning_is_on(bucket, answer)


def test_lifecycle_never_expires_before_the_longest_retention(s3_client, bucket, woc_db):
    answer = s3.read(s3_client, bucket, "get_bucket_lifecycle_configuration")
    storage.lifecycle_keeps_retention(bucket, answer, storage.longest_retention_days(woc_db))


def test_access_logging_is_on(s3_client, bucket):
    answer = s3.read(s3_client, bucket, "get_bucket_logging")
    storage.access_logging_is_on(bucket, answer)
