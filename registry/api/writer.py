"""The thread that runs this process's store writes, one after another.

Writes are serialized by the store anyway (a lock in `Store`, then SQLite's write lock or
PostgreSQL's row lock on the generation), so one thread is all they can use. A write is
handed to it straight through the event loop's executor: the generic thread pool
(`run_in_threadpool`) first yields to the event loop twice (a cancellation checkpoint and
its capacity limiter), and under read load every such yield waits for a whole turn of the
loop — measured with bench/api_writes.py, those turns were most of a write's time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Writer:
    """Runs callables on one thread, started on first use; `close()` waits for the rest."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, write: Callable[[], T]) -> T:
        if self._pool is None:  # created on the event loop's thread: no race
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="clearance-writer")
        return await asyncio.get_running_loop().run_in_executor(self._pool, write)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
