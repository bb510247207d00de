"""Errors a user can cause and fix: the CLI and the run's events show their message as one line."""


class FakestoreError(Exception):
    """Base for every error whose message alone tells the user what to do.

    `retryable` says whether running the same thing again may succeed (an outage), or cannot
    (a refusal, a misconfiguration): Dagster's retry policy only retries the former.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class SettingsError(FakestoreError):
    """An environment variable holds a value the platform cannot use."""


class FakeStoreApiError(FakestoreError):
    """The Fake Store API could not be read, even after retrying."""


class WarehouseError(FakestoreError):
    """The warehouse database could not be started or reached."""
