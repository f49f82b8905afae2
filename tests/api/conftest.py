"""The API tests use the same real parts as the CLI tests: SeaweedFS and the test Hub server."""

from tests.integration.mirror.conftest import bucket, hub, hub_factory, s3, seaweed

__all__ = ["bucket", "hub", "hub_factory", "s3", "seaweed"]
