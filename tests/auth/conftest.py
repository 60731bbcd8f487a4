"""Account tests send real mail: settings point SMTP_URL at the test's aiosmtpd server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from app import Runtime
from settings import Settings


@pytest.fixture
def settings(settings: Settings, smtp_server: Any) -> Settings:
    return settings.model_copy(update={"smtp_url": SecretStr(smtp_server.url)})


@pytest.fixture
async def runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    yield runtime
    # Let a delivery started by the test finish before its tables are truncated.
    if runtime.jobs is not None:
        await runtime.jobs.stop()
