"""Screenshot storage in an S3-compatible server (``--s3``): moto's server mode, with IAM enforced.

moto lets the first few calls through unsigned (``INITIAL_NO_AUTH_ACTION_COUNT``): they create the
sandbox's IAM user and its key; every later call must be signed with that key, so anonymous reads
are refused for real (moto answers an unsigned GetObject 403, an unsigned listing 500). The bucket
is set up as the runbook asks (public access block, encryption, versioning, lifecycle, access logs);
the ``public-screenshots`` fault lifts the public access block and adds a public-read policy.

The objects of the storage folder go into the bucket through moto's backend, which runs in this
process, not one request each: signed requests go about 100 a second (half a million: an hour and a
half), the backend about 5,000 (a minute and a half); moto holds each object in about 4.4 KB of memory.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from woc_gate.target.storage import folder_keys

BUCKET = "woc-screenshots"
LOG_BUCKET = "woc-screenshots-logs"
REGION = "us-east-1"
USER = "woc-sandbox"
SETUP_CALLS = 3  # create_user, put_user_policy, create_access_key
EXPIRE_AFTER_DAYS = 400  # longer than any retention the seed configures
PROGRESS_EVERY = 1000  # objects put between two reports of how far the bucket is filled
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class S3Account:
    """Where the screenshots are and the key that reads and writes them."""

    endpoint: str
    bucket: str
    access_key_id: str
    secret_access_key: str

    def client(self):
        """A boto3 S3 client with this account's key."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )


class S3Server:
    """moto's S3 (and IAM) server on a free loopback port, in this process."""

    def __init__(self) -> None:
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_CALLS)  # read by moto when imported
        from moto.server import ThreadedMotoServer

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.filled = (0, 0)  # objects put in the bucket by ``start``, and their bytes

    @property
    def endpoint(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, storage_dir: Path, public: bool, progress: Callable[[int, int], None] | None = None) -> S3Account:
        """Start the server, make the account and the bucket, and copy the objects of ``storage_dir`` into it.

        ``progress(done, total)`` is told how many objects are in the bucket as it fills.
        """
        self._server.start()
        account = self._account()
        _make_bucket(account.client(), public)
        self.filled = _fill(storage_dir, progress or _silent)
        return account

    def stop(self) -> None:
        """Stop the server."""
        self._server.stop()

    def _account(self) -> S3Account:
        iam = boto3.client(
            "iam", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        iam.create_user(UserName=USER)
        iam.put_user_policy(UserName=USER, PolicyName="all", PolicyDocument=json.dumps(ADMIN_POLICY))
        key = iam.create_access_key(UserName=USER)["AccessKey"]
        return S3Account(self.endpoint, BUCKET, key["AccessKeyId"], key["SecretAccessKey"])


def _fill(storage_dir: Path, progress: Callable[[int, int], None]) -> tuple[int, int]:
    """Put every file of ``storage_dir`` into the bucket, keyed by its path; the objects and bytes put."""
    from moto.core import DEFAULT_ACCOUNT_ID  # the account of the sandbox's IAM user, made unsigned
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    keys = sorted(folder_keys(storage_dir))
    size = 0
    for number, key in enumerate(keys, 1):
        with open(os.path.join(storage_dir, key), "rb") as file:
            data = file.read()
        backend.put_object(BUCKET, key, data)
        size += len(data)
        if number % PROGRESS_EVERY == 0:
            progress(number, len(keys))
    progress(len(keys), len(keys))
    return len(keys), size


def _silent(done: int, total: int) -> None:
    """No progress shown."""


def _make_bucket(s3, public: bool) -> None:
    s3.create_bucket(Bucket=LOG_BUCKET)
    s3.put_bucket_acl(Bucket=LOG_BUCKET, ACL="log-delivery-write")
    s3.create_bucket(Bucket=BUCKET)
    block = not public
    s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": block,
            "IgnorePublicAcls": block,
            "BlockPublicPolicy": block,
            "RestrictPublicBuckets": block,
        },
    )
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-after-retention",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "screenshots/"},
                    "Expiration": {"Days": EXPIRE_AFTER_DAYS},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                }
            ]
        },
    )
    s3.put_bucket_logging(
        Bucket=BUCKET,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": LOG_BUCKET, "TargetPrefix": f"{BUCKET}/"}},
    )
    if public:
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


class S3Storage:
    """The screenshot objects in the bucket, with the same face as the disk ``Storage``."""

    def __init__(self, account: S3Account) -> None:
        self._bucket = account.bucket
        self._s3 = account.client()

    def write(self, key: str, data: bytes) -> None:
        """Store an object, replacing any object under the same key."""
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data)

    def read(self, key: str) -> bytes | None:
        """An object's bytes, or None when there is no such object."""
        try:
            return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError:
            return None

    def delete(self, key: str) -> bool:
        """Remove an object; False when it was not there."""
        if self.read(key) is None:
            return False
        self._s3.delete_object(Bucket=self._bucket, Key=key)
        return True
