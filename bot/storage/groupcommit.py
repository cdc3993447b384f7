"""Group commit: callers who arrive while a write runs share the next write.

Forty concurrent sends each needing "mark as sending" or "record the result", or twenty youths
answering at once, become a handful of transactions, yet nobody waits for a timer: the first
caller starts a write at once, and whoever arrives during it joins the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """`write` gets the waiting items in arrival order and returns one answer per item.

    `max_batch` bounds a batch, so one write (and so the wait of its callers) stays short.
    """

    def __init__(
        self, write: Callable[[list[T]], Awaitable[Sequence[R]]], *, max_batch: int = 0
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Wait until `item` is written in some batch; returns its share of the answer."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        return await future

    def _next_batch(self) -> list[tuple[T, asyncio.Future[R]]]:
        size = self._max_batch or len(self._waiting)
        batch, self._waiting = self._waiting[:size], self._waiting[size:]
        return batch

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._next_batch()
                try:
                    answers = await self._write([item for item, _ in batch])
                except Exception as exc:
                    _fail(batch, exc)
                    continue
                except BaseException as exc:
                    # Cancelled (the service stopping): nobody may wait for an answer that
                    # cannot come any more, in this batch or after it.
                    _fail(batch + self._waiting, exc)
                    self._waiting = []
                    raise
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
        finally:
            self._task = None


def _fail(batch: Sequence[tuple[object, asyncio.Future[R]]], exc: BaseException) -> None:
    for _, future in batch:
        if future.done():
            continue
        if isinstance(exc, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(exc)
