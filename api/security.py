"""API keys and per-key rate limits.

Keys live hashed in the service DB (forecast.core.servicedb). Hashing and a dictionary lookup
decide each request; the set of active keys is re-read every ``key_cache_seconds``, so a
revoked key stops working within that time.

A token the cached set does not hold is looked up alone (one query on the unique index),
so a key created a moment ago works on its first request, even right after a re-read.
Such a token is then remembered as unknown for ``key_cache_seconds``: a bad key sent again
and again costs one query per period, and a token that does not even look like a key
(``fk_`` and at most 128 characters) costs none. Remembering unknown tokens cannot hide a
new key: a new token is random, so it was never sent before it was created.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.engine import Engine

from forecast.core import servicedb
from forecast.core.servicedb import ApiKey

log = structlog.get_logger(__name__)

# Bounds the memory of unknown tokens under a flood of random ones; past it, start over.
UNKNOWN_KEYS_REMEMBERED = 10_000
MAX_TOKEN_CHARS = 128


def shaped_like_a_key(token: str) -> bool:
    return token.startswith(servicedb.TOKEN_PREFIX) and len(token) <= MAX_TOKEN_CHARS


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
        self._unknown: dict[str, float] = {}  # token hash -> when it was found unknown
        self._loaded_at = -math.inf
        self._lock = threading.Lock()

    def _refresh(self, now: float) -> None:
        keys = servicedb.active_keys(self._engine)
        with self._lock:
            self._keys = keys
            self._loaded_at = now
            self._unknown = {h: t for h, t in self._unknown.items() if now - t <= self._ttl}

    def lookup(self, token: str) -> ApiKey | None:
        now = self._clock()
        if now - self._loaded_at > self._ttl:
            self._refresh(now)
        hashed = servicedb.hash_token(token)
        key = self._keys.get(hashed)
        if key is not None or not shaped_like_a_key(token):
            return key
        found = self._unknown.get(hashed)
        if found is not None and now - found <= self._ttl:
            return None
        key = servicedb.find_active_key(self._engine, hashed)
        with self._lock:
            if key is None:
                if len(self._unknown) >= UNKNOWN_KEYS_REMEMBERED:
                    self._unknown = {}
                self._unknown[hashed] = now
            else:
                # A new dict, not an update in place: other threads read the old one freely.
                # The next refresh replaces it whole, so revoking this key takes effect then.
                self._keys = {**self._keys, hashed: key}
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
