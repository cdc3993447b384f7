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


async def test_the_worker_id_survives_a_restart_and_differs_per_worker(tmp_path, monkeypatch):
    """Built again in the same process (as a container restarts: same host, same pid), the
    service keeps its name, so its reconcile settles its predecessor's claims at once; a
    `--worker` beside it never shares that name; `INBEELD_WORKER_ID` overrides both."""
    from bot.clock import SystemClock
    from bot.config import load_settings
    from bot.emulator import EmulatorServer

    monkeypatch.delenv("INBEELD_WORKER_ID", raising=False)

    async def worker_id(settings, *, worker: bool) -> str:
        runtime = await build.build_runtime(settings, clock=SystemClock(), worker=worker)
        try:
            return runtime.parts.dispatcher.worker_id
        finally:
            await runtime.stop()  # closes the bot's connections too

    async with EmulatorServer("123:worker-id") as emulator:
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path / 'w.db'}",
            telegram_token="123:worker-id",
            telegram_api_url=emulator.api_url,
        )
        first = await worker_id(settings, worker=False)
        assert first == await worker_id(settings, worker=False)
        assert await worker_id(settings, worker=True) not in (first, "")
        named = settings.model_copy(update={"worker_id": "bot-a"})
        assert await worker_id(named, worker=False) == "bot-a"


async def test_the_check_chat_is_verified_at_start(tmp_path, capsys):
    """A basic group becomes the dispatcher's marker; a supergroup stops start-up (exit 2)
    with a message naming the setting, before anything is sent."""
    from bot.clock import SystemClock
    from bot.config import load_settings
    from bot.emulator import EmulatorServer

    async with EmulatorServer("123:check-chat") as emulator:
        operator = emulator.control.add_user(first_name="Operator")
        basic = emulator.control.add_group(operator.id, "checks").id
        supergroup = emulator.control.add_group(operator.id, "big", supergroup=True).id
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path / 'c.db'}",
            telegram_token="123:check-chat",
            telegram_api_url=emulator.api_url,
            telegram_check_chat_id=basic,
        )
        runtime = await build.build_runtime(settings, clock=SystemClock())
        try:
            marker = runtime.parts.dispatcher.marker
            assert marker is not None and marker.chat_id == basic
        finally:
            await runtime.stop()  # closes the bot's connections too

        wrong = settings.model_copy(update={"telegram_check_chat_id": supergroup})
        try:
            await build.build_runtime(wrong, clock=SystemClock())
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError("a supergroup was accepted as the check chat")
    error = capsys.readouterr().err
    assert "INBEELD_TELEGRAM_CHECK_CHAT_ID" in error and "not a basic group" in error
