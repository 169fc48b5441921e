"""What a decision asks the session's memory to learn: data, applied by the entry (store.py)
after deciding, and never by a dry run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sighting:
    """One detected value as the session records it: never the value, only its fingerprint."""

    fingerprint: str
    category: str
    type: str


@dataclass(frozen=True, slots=True)
class Effects:
    """What the session's memory should learn from a decision."""

    # Values the output showed: each gets (or keeps) its session placeholder, and the session
    # notes that it has seen their categories.
    sightings: tuple[Sighting, ...] = ()
    # (path, protected source): files a command wrote from protected or tainted data.
    tainted: tuple[tuple[str, str], ...] = ()
    end_session: bool = False  # SessionEnd: forget the session's state
    sweep_sessions: bool = False  # SessionStart: remove states of sessions that never ended

    @property
    def touches_session(self) -> bool:
        return bool(self.sightings or self.tainted)
