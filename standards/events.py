"""What the standards app announces (core.events), published inside the transaction
of the service that made it true; ids only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VersionPublished:
    """A draft of the book became its published version (`version_publish`); the
    version before it, if any, is archived."""

    version_id: int
    previous_version_id: int | None
