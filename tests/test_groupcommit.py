"""Group commit: who arrives during a write joins the next one; nobody is left waiting."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.groupcommit import GroupCommit


class Writes:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on

    async def write(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        await asyncio.sleep(0)  # a real write yields to the event loop
        if self.fail_on in items:
            raise ValueError(f"cannot write {self.fail_on}")
        return [item * 10 for item in items]


async def test_callers_arriving_together_share_a_write_and_each_get_their_answer():
    writes = Writes()
    group = GroupCommit(writes.write)

    answers = await asyncio.gather(*(group.submit(item) for item in range(5)))

    assert answers == [0, 10, 20, 30, 40]
    assert writes.batches == [[0, 1, 2, 3, 4]]


async def test_callers_arriving_during_a_write_join_the_next_one():
    writes = Writes()
    group = GroupCommit(writes.write)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)  # the first write has started
    later = [asyncio.create_task(group.submit(item)) for item in (2, 3)]

    assert await asyncio.gather(first, *later) == [10, 20, 30]
    assert writes.batches == [[1], [2, 3]]


async def test_max_batch_splits_a_crowd_into_writes_of_that_size():
    writes = Writes()
    group = GroupCommit(writes.write, max_batch=2)

    assert await asyncio.gather(*(group.submit(item) for item in range(5))) == [
        0,
        10,
        20,
        30,
        40,
    ]
    assert writes.batches == [[0, 1], [2, 3], [4]]


async def test_a_failed_write_fails_its_own_batch_only():
    writes = Writes(fail_on=1)
    group = GroupCommit(writes.write, max_batch=2)

    results = await asyncio.gather(
        *(group.submit(item) for item in range(4)), return_exceptions=True
    )

    assert [type(result) for result in results] == [ValueError, ValueError, int, int]
    assert results[2:] == [20, 30]


async def test_cancelling_the_writer_leaves_no_caller_waiting():
    started = asyncio.Event()

    async def write_forever(items: list[int]) -> list[int]:
        started.set()
        await asyncio.Event().wait()
        return items

    group = GroupCommit(write_forever)
    first = asyncio.create_task(group.submit(1))
    await started.wait()
    second = asyncio.create_task(group.submit(2))  # waits for the next write
    await asyncio.sleep(0)
    assert group._task is not None
    group._task.cancel()

    for caller in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(caller, timeout=1)
