"""Ordering and de-duplication of one conversation's messages toward one client.

Events can arrive twice (a retried publish, a replay overlapping the live stream) or out of
order (two senders committing close together). The rule is the same everywhere: deliver
exactly the next seq, drop what the client already holds, and treat a jump as a gap to be
filled from the database.
"""

from __future__ import annotations

from enum import Enum


class Decision(Enum):
    DELIVER = "deliver"
    SKIP = "skip"
    GAP = "gap"


class Stream:
    def __init__(self, after_seq: int) -> None:
        self.last = after_seq

    def decide(self, seq: int) -> Decision:
        if seq <= self.last:
            return Decision.SKIP
        if seq == self.last + 1:
            return Decision.DELIVER
        return Decision.GAP

    def delivered(self, seq: int) -> None:
        if seq != self.last + 1:
            raise ValueError(f"seq {seq} delivered out of order after {self.last}")
        self.last = seq
