"""API keys and per-key rate limits.

Keys live hashed in the service DB (forecast.servicedb). Hashing and a dictionary lookup
decide each request; the table of active keys is re-read every ``key_cache_seconds`` so a
revoked key stops working within that time, and at most once a second on an unknown key so
a key created a moment ago works at once without letting bad keys hammer the DB.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.engine import Engine

from forecast import servicedb
from forecast.servicedb import ApiKey

log = structlog.get_logger(__name__)

UNKNOWN_KEY_RECHECK_SECONDS = 1.0


class KeyCache:
    """Active keys by token hash, refreshed from the service DB now and then."""

    def __init__(
        self,
        engine: Engine,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._clock = clock
        self._keys: dict[str, ApiKey] = {}
        self._loaded_at = -math.inf
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        with self._lock:
            self._keys = servicedb.active_keys(self._engine)
            self._loaded_at = self._clock()

    def lookup(self, token: str) -> ApiKey | None:
        age = self._clock() - self._loaded_at
        if age > self._ttl:
            self._refresh()
            age = 0.0
        hashed = servicedb.hash_token(token)
        key = self._keys.get(hashed)
        if key is None and age > UNKNOWN_KEY_RECHECK_SECONDS:
            self._refresh()
            key = self._keys.get(hashed)
        return key


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests a minute, bursts up to that many."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int) -> float | None:
        """Spend one token; None when allowed, else the seconds until one is available."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.rate


def has_scope(key: ApiKey, scope: str) -> bool:
    """``admin`` may do everything; ``read`` and ``report`` only their own."""
    return scope in key.scopes or "admin" in key.scopes
