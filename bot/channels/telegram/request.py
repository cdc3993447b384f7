"""python-telegram-bot's networking on aiohttp's client instead of httpx.

PTB talks to the Bot API through a `telegram.request.BaseRequest`, its documented extension
point for other HTTP libraries. Its default, `HTTPXRequest`, spends most of each call in httpx
and httpcore (request building, pool bookkeeping that checks every pooled connection per
request); aiohttp's client, already a dependency for the webhook and the panel, does the same
work for a fraction of the CPU (measured in `bench/README.md`). Everything above the request
(`Bot`, `Application`, the objects) stays PTB's.

Failures map to PTB's errors the way `HTTPXRequest` maps them, so callers see no difference:
no connection free within the pool timeout, or no answer within the read timeout ->
`TimedOut`; any other transport failure -> `NetworkError`.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT_TYPE = type(BaseRequest.DEFAULT_NONE)
DEFAULT_TIMEOUT = 5.0
DEFAULT_POOL_TIMEOUT = 1.0


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one `aiohttp.ClientSession` with at most `connection_pool_size`
    connections open (more requests wait for one, up to the pool timeout)."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 1,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        write_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            # aiohttp's `connect` covers waiting for a pooled connection and opening it.
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
            # aiohttp has no write timeout of its own: the whole call is capped at the sum.
            total=_sum(pool, connect, write, read),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeout errors (connect, read, total) are these
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The URL holds the bot token: keep it out of the message (it may be logged).
            detail = str(exc).replace(url, "<Bot API URL>")
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {detail}") from exc


def _given(value: float | object | None, default: float | None) -> float | None:
    """PTB passes `DEFAULT_NONE` when the caller set no timeout of its own."""
    if isinstance(value, _DEFAULT_TYPE):
        return default
    return value  # type: ignore[return-value]


def _sum(*timeouts: float | None) -> float | None:
    """None (no limit) if any part has no limit."""
    if any(t is None for t in timeouts):
        return None
    return sum(t for t in timeouts if t is not None)


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields  # form-urlencoded, as HTTPXRequest sends it
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, content_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=content_type)
    return form
