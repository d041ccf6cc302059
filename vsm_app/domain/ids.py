"""Ids of the model's objects: a prefix and ten hex digits of a random UUID."""

from __future__ import annotations

import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
