"""The dashboard's refresh token: the refresh asset writes a new one after the marts update, and the
dashboard's cache keys on it, so analysts see a rebuild on their next page load, not an hour later."""

from __future__ import annotations

import os
from pathlib import Path


def refresh_token_file(home: Path) -> Path:
    """Where the token lives, under FAKESTORE_HOME: the code location writes it, the dashboard reads."""
    return home / "dashboard" / "refresh_token"


def write_refresh_token(path: Path, token: str) -> None:
    """Replace the token at once: a dashboard reading meanwhile sees the old one or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(token)
    partial.replace(path)


def read_refresh_token(path: Path) -> str | None:
    """The latest token, or None before the refresh asset's first materialization."""
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None
