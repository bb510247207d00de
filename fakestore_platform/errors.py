"""Errors a user can cause and fix: the CLI prints their message as one line, without a traceback."""


class FakestoreError(Exception):
    """Base for every error whose message alone tells the user what to do."""


class SettingsError(FakestoreError):
    """An environment variable holds a value the platform cannot use."""


class FakeStoreApiError(FakestoreError):
    """The Fake Store API could not be read, even after retrying."""


class WarehouseError(FakestoreError):
    """The warehouse database could not be started or reached."""
