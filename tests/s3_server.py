"""A real S3-compatible server for tests: moto's server mode on 127.0.0.1 and a free port,
spoken to over HTTP by the real AWS SDK (it stands in for S3, MinIO or R2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from tests.smtp import free_port

__all__ = ["S3Server", "s3_server_running"]

ACCESS_KEY = "AKIAAUTOCRMTEST"
SECRET_KEY = "autocrm-test-secret-access-key"
REGION = "eu-west-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"autocrm-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def settings(self, bucket: str, prefix: str = "crm") -> dict[str, Any]:
        """Settings fields for an AutoCRM that keeps its files in `bucket`."""
        from pydantic import SecretStr

        return {
            "blob_url": f"s3://{bucket}/{prefix}",
            "s3_endpoint_url": self.endpoint,
            "s3_region": REGION,
            "s3_access_key_id": SecretStr(ACCESS_KEY),
            "s3_secret_access_key": SecretStr(SECRET_KEY),
            "s3_addressing_style": "path",
            "s3_part_bytes": 5 * 1024 * 1024,
        }


def s3_server_running() -> Iterator[S3Server]:
    """Start moto's server for the test session (a pytest fixture body)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()
