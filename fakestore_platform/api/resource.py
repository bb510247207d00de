"""The Fake Store API as a Dagster resource: configuration here, the HTTP work in `client.py`."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from fakestore_platform.api.client import FakeStoreClient, RetryPolicy
from fakestore_platform.settings import REAL_API_URL, Settings


class FakeStoreApi(ConfigurableResource):
    """Opens one FakeStoreClient (one httpx.Client, one connection pool) per use. Its values come
    from the settings, which own their defaults and checks: build it with `from_settings`."""

    base_url: str = Field(description="Base URL of a server speaking the Fake Store API.")
    connect_timeout: float = Field(description="Seconds to wait for a connection.")
    read_timeout: float = Field(description="Seconds to wait for a response.")
    max_attempts: int = Field(description="Requests per call, the first included.")
    retry_budget_seconds: float = Field(
        description="Total seconds one call may spend waiting between retries."
    )

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str | None = None) -> FakeStoreApi:
        """The API the settings name, its URL as EnvVar (it may carry credentials: the UI shows the
        variable's name, never its value); or, outside Dagster, the one at `base_url`."""
        if base_url is None:
            base_url = REAL_API_URL if settings.api_url_is_default else EnvVar("FAKESTORE_API_URL")
        return cls(
            base_url=base_url,
            connect_timeout=settings.api_connect_timeout,
            read_timeout=settings.api_read_timeout,
            max_attempts=settings.api_max_attempts,
            retry_budget_seconds=settings.api_retry_budget,
        )

    def open_client(self) -> FakeStoreClient:
        return FakeStoreClient(
            self.base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retry=RetryPolicy(
                max_attempts=self.max_attempts, budget_seconds=self.retry_budget_seconds
            ),
        )
