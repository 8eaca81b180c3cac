"""The last-known-good cache: a bounded LRU of answers, one lock around every operation.

The lock is a `threading.Lock` held for a few dictionary operations and never across I/O or
an `await`, so the same cache serves the sync client from many threads and the async client
from many tasks (and loops).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from clearance_client.answer import Entry, Query

DEFAULT_MAX_ENTRIES = 1024


class AnswerCache:
    """At most `max_entries` answers; the least recently used goes first."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.max_entries = max_entries
        self._entries: OrderedDict[Query, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: Query) -> Entry | None:
        with self._lock:
            entry = self._entries.get(query)
            if entry is not None:
                self._entries.move_to_end(query)
            return entry

    def put(self, query: Query, entry: Entry) -> None:
        with self._lock:
            self._store(query, entry)

    def confirm(self, query: Query, entry: Entry) -> None:
        """Store `entry` (a 304-refreshed answer) unless another answer with another ETag
        arrived meanwhile: the newer answer wins."""
        with self._lock:
            current = self._entries.get(query)
            if current is None or current.etag == entry.etag:
                self._store(query, entry)

    def evict(self, query: Query) -> None:
        with self._lock:
            self._entries.pop(query, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _store(self, query: Query, entry: Entry) -> None:
        self._entries[query] = entry
        self._entries.move_to_end(query)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
