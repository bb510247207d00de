"""A local Fake Store API: the real routes and record shapes over a seeded data set of any size.

Tests and demos run against it instead of fakestoreapi.com: fast, offline and repeatable.
"""

from fakestore_platform.api.emulator.app import create_app
from fakestore_platform.api.emulator.dataset import EmulatorConfig, FakeStoreDataset
from fakestore_platform.api.emulator.server import serve_forever, serve_in_background

__all__ = [
    "EmulatorConfig",
    "FakeStoreDataset",
    "create_app",
    "serve_forever",
    "serve_in_background",
]
