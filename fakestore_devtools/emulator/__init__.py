"""A local Fake Store API: the real routes and record shapes over a seeded data set of any size.

Tests and demos run against it instead of fakestoreapi.com: fast, offline and repeatable; with a
FaultConfig it also fails the way the real API and network do, reproducibly, to test recovery.
"""

from fakestore_devtools.emulator.app import create_app
from fakestore_devtools.emulator.dataset import EmulatorConfig, FakeStoreDataset
from fakestore_devtools.emulator.faults import FaultConfig, FaultLog
from fakestore_devtools.emulator.server import (
    FaultyServer,
    GrowingServer,
    serve_forever,
    serve_growing,
    serve_in_background,
    serve_with_faults,
)

__all__ = [
    "EmulatorConfig",
    "FakeStoreDataset",
    "FaultConfig",
    "FaultLog",
    "FaultyServer",
    "GrowingServer",
    "create_app",
    "serve_forever",
    "serve_growing",
    "serve_in_background",
    "serve_with_faults",
]
