"""What a long-running process keeps between decisions, and how it knows an entry is stale.

Every entry is keyed by exactly what it was built from: a policy layer by the SHA-256 of its
file's bytes (read on every call, so an edited policy applies to the very next call), a merged
policy by its layers' hashes, a scanner by its key and detection settings, an engine by its
policy, project and homes. Nothing is keyed by a timestamp, so nothing changed is ever reused.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

from claude_guard.decide.engine import DecisionEngine
from claude_guard.detect.scanner import ContentScanner, ScanCache
from claude_guard.policy.effective import effective_policy
from claude_guard.policy.loader import (
    LayerSource,
    LoadedLayer,
    load_layer_data,
    load_layers,
    read_layer_file,
)
from claude_guard.policy.merge import EffectivePolicy

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A small LRU map, safe to share between threads; `build` runs outside the lock."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def values(self) -> list[V]:
        with self._lock:
            return list(self._entries.values())

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value


class WarmState:
    def __init__(self) -> None:
        self._layers: BoundedCache[tuple[str, str, str], LoadedLayer] = BoundedCache(128)
        self._policies: BoundedCache[tuple[str, ...], EffectivePolicy] = BoundedCache(64)
        self._scanners: BoundedCache[tuple[bytes, bool, str | None], ContentScanner] = BoundedCache(
            4
        )
        self._engines: BoundedCache[tuple[str, str, str, str, str], DecisionEngine] = BoundedCache(
            64
        )

    def load_layer(self, layer: str, path: Path) -> LoadedLayer:
        data = read_layer_file(path)
        key = (layer, str(path), hashlib.sha256(data).hexdigest())
        return self._layers.get_or_build(key, lambda: load_layer_data(layer, path, data))

    def policy(self, sources: list[LayerSource]) -> EffectivePolicy:
        layers = load_layers(sources, self.load_layer)
        key = tuple(f"{layer.layer}:{layer.path}:{layer.sha256}" for layer in layers)
        return self._policies.get_or_build(key, lambda: effective_policy(layers))

    def scanner(self, fingerprint_key: bytes, policy: EffectivePolicy) -> ContentScanner:
        detection = policy.detection
        key = (fingerprint_key, detection.presidio_enabled, detection.nlp_pipeline)
        return self._scanners.get_or_build(
            key,
            # A result cache of its own: scanners differ in detectors and fingerprint key, so
            # one's findings are not another's.
            lambda: ContentScanner.for_policy(fingerprint_key, detection, ScanCache()),
        )

    def cache_stats(self) -> dict[str, int]:
        """The scan caches of the scanners kept now, counted together (for `status`)."""
        caches = [s.cache for s in self._scanners.values() if s.cache is not None]
        return {
            "entries": sum(len(c) for c in caches),
            "hits": sum(c.hits for c in caches),
            "misses": sum(c.misses for c in caches),
        }

    def engine(
        self, policy: EffectivePolicy, project_root: str, home: str, guard_home: Path, key: bytes
    ) -> DecisionEngine:
        """An engine is built once per policy and project; it holds compiled path rules.
        `key` is the fingerprint key of the scanner it uses."""
        cache_key = (
            policy.content_hash,
            project_root,
            home,
            str(guard_home),
            hashlib.sha256(key).hexdigest(),
        )
        return self._engines.get_or_build(
            cache_key,
            lambda: DecisionEngine(
                policy, project_root, home, guard_home, lambda: self.scanner(key, policy)
            ),
        )
