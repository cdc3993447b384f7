"""The service restarts a dispatcher that died, and stops it cleanly."""

import asyncio

import bot.service.build as build


class FlakyDispatcher:
    """Fails its first reconcile (a locked database), then dispatches until stopped."""

    def __init__(self) -> None:
        self.reconciles = 0
        self.running = asyncio.Event()
        self.stop_requested = asyncio.Event()
        self.stopped = False

    async def reconcile(self) -> None:
        self.reconciles += 1
        if self.reconciles == 1:
            raise RuntimeError("database is locked")

    async def run_forever(self) -> None:
        self.running.set()
        await self.stop_requested.wait()

    async def stop(self) -> None:
        self.stopped = True
        self.stop_requested.set()


async def test_a_dead_dispatcher_is_restarted_and_stopped_cleanly(monkeypatch):
    monkeypatch.setattr(build, "DISPATCHER_RESTART_SECONDS", 0.01)
    dispatcher = FlakyDispatcher()
    stopping = asyncio.Event()
    task = asyncio.create_task(build._dispatch_until_stopped(dispatcher)(stopping))
    await asyncio.wait_for(dispatcher.running.wait(), 5)
    assert dispatcher.reconciles == 2
    stopping.set()
    await asyncio.wait_for(task, 5)
    assert dispatcher.stopped
