"""Small pieces shared by the catalog's modules: timestamps, states, the edit actor."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from datetime import datetime, timezone

__all__ = ["COMMITTED", "DELETED", "actor", "aware", "unique_tags", "utcnow"]

COMMITTED = "committed"
DELETED = "deleted"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@functools.cache
def actor() -> str:
    """``user@host`` of this process, recorded with every edit."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry / no login name (containers)
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()}"[:256]


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def unique_tags(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([tags] if isinstance(tags, str) else tags))
