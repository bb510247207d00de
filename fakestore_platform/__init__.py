"""fakestore_platform: the Fake Store API as a Dagster asset graph over PostgreSQL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fakestore-platform")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
