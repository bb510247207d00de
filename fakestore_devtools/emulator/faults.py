"""Which faults the emulator injects, how it draws them reproducibly, and its count of what it did.

Clients and pipelines are tested against the failures the real API and network give: errors,
throttling, timeouts, dropped connections, broken bodies and bad or drifting records.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

TransportFault = Literal["error", "throttle", "slow", "reset", "truncate"]
RecordFault = Literal["invalid", "drift", "duplicate"]
TRANSPORT_FAULTS: tuple[TransportFault, ...] = get_args(TransportFault)
RECORD_FAULTS: tuple[RecordFault, ...] = get_args(RecordFault)
FAULT_LOG_PATH = "/__faults"

Fault = TypeVar("Fault", TransportFault, RecordFault)


def share(*parts: object) -> float:
    """A draw in [0, 1) fixed by `parts`; sha256, since Python's hash() changes every process."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / (1 << 53)


@dataclass(frozen=True)
class FaultConfig:
    """Shares (0 to 1) of requests and of listed records to fault; every fault is off by default.

    A request gets at most one transport fault and a record at most one of invalid or drift, so
    each group's rates may add up to 1 at the most; duplication is drawn on its own.
    """

    seed: int = 0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    retry_after: int = 1
    slow_rate: float = 0.0
    slow_seconds: float = 3.0
    reset_rate: float = 0.0
    truncate_rate: float = 0.0
    max_consecutive_faults: int = 3
    invalid_rate: float = 0.0
    drift_rate: float = 0.0
    duplicate_rate: float = 0.0

    def __post_init__(self) -> None:
        for fault in (*TRANSPORT_FAULTS, *RECORD_FAULTS):
            rate = self.rate(fault)
            if not 0 <= rate <= 1:
                raise ValueError(f"{fault}_rate must be a share from 0 to 1, got {rate}")
        for group in (TRANSPORT_FAULTS, ("invalid", "drift")):
            total = math.fsum(self.rate(fault) for fault in group)
            if total > 1:
                names = " + ".join(f"{fault}_rate" for fault in group)
                raise ValueError(f"{names} must add up to 1 at the most, got {total:g}")
        for name in ("retry_after", "slow_seconds", "max_consecutive_faults"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")

    @classmethod
    def transport_mix(cls, rate: float, seed: int = 0, slow_seconds: float = 3.0) -> FaultConfig:
        """`rate` of the requests failing, spread evenly over the five transport faults."""
        each = rate / len(TRANSPORT_FAULTS)
        return cls(
            seed=seed,
            slow_seconds=slow_seconds,
            **{f"{fault}_rate": each for fault in TRANSPORT_FAULTS},
        )

    def rate(self, fault: TransportFault | RecordFault) -> float:
        return getattr(self, f"{fault}_rate")

    def pick(self, faults: tuple[Fault, ...], draw: float) -> Fault | None:
        """The fault whose band holds `draw`, the bands being the faults' rates laid end to end."""
        ceiling = 0.0
        for fault in faults:
            ceiling += self.rate(fault)
            if draw < ceiling:
                return fault
        return None


class FaultLog:
    """What the emulator injected, so a reliability report can set it against what a client saw."""

    def __init__(self) -> None:
        # Counted on the server's thread, read from the caller's.
        self._lock = threading.Lock()
        self._requests = 0
        self._requests_faulted: Counter[TransportFault] = Counter()
        self._records_faulted: Counter[RecordFault] = Counter()

    def count_request(self, fault: TransportFault | None) -> None:
        with self._lock:
            self._requests += 1
            if fault is not None:
                self._requests_faulted[fault] += 1

    def count_record(self, fault: RecordFault) -> None:
        with self._lock:
            self._records_faulted[fault] += 1

    def counts(self) -> dict[str, int | dict[str, int]]:
        """Requests served, then requests and records faulted by kind, zeros included."""
        with self._lock:
            return {
                "requests": self._requests,
                "requests_faulted": {f: self._requests_faulted[f] for f in TRANSPORT_FAULTS},
                "records_faulted": {f: self._records_faulted[f] for f in RECORD_FAULTS},
            }
