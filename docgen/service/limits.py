"""Bounds on what one worker accepts: the size of a request body, and how much work runs or waits at once.

A Gate has ``slots`` jobs running and at most ``queue`` more waiting; a request past both is refused at
once (429 for drafting, 503 for the PDF queue) with Retry-After, rather than piling up. A job runs in a
worker thread and keeps its slot until the thread ends, even when the request has already timed out
(a thread cannot be stopped), so the bound holds for the work actually running.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docgen.service.problems import Problem, problem_response

__all__ = ["BodyLimit", "BodyTooLarge", "Gate"]

T = TypeVar("T")


class Gate:
    """A bound on concurrent jobs: slots running, queue waiting, the rest refused."""

    def __init__(self, name: str, slots: int, queue: int, *, status: int, retry_after: int) -> None:
        self.name = name
        self.slots = slots
        self.queue = queue
        self.status = status
        self.retry_after = retry_after
        self._semaphore = asyncio.Semaphore(slots)
        self.held = 0  # running or waiting

    async def run(self, job: Callable[[], T], timeout: float) -> T:
        """Return job() run in a worker thread once a slot is free; raise Problem when the gate is full
        (status, Retry-After) or when timeout seconds pass, waiting included (503, Retry-After)."""
        if self.held >= self.slots + self.queue:
            raise Problem(self.status, "服务繁忙", f"{self.name}已满（{self.slots}项进行中，{self.queue}项排队），"
                          f"请{self.retry_after}秒后重试", code="BUSY",
                          headers={"Retry-After": str(self.retry_after)})
        self.held += 1
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] | None = None
        try:
            async with asyncio.timeout(timeout):
                await self._semaphore.acquire()
                context = contextvars.copy_context()
                future = loop.run_in_executor(None, context.run, job)
                future.add_done_callback(lambda _: self._release())
                return await asyncio.shield(future)
        except TimeoutError:
            raise Problem(503, "处理超时", f"请求处理超过{timeout:g}秒，已放弃（{self.name}）", code="TIMEOUT",
                          headers={"Retry-After": str(self.retry_after)}) from None
        finally:
            if future is None:  # never got a slot (timed out or cancelled while waiting)
                self.held -= 1

    def _release(self) -> None:
        self._semaphore.release()
        self.held -= 1


class BodyTooLarge(Problem):
    """The request body is larger than the limit (413); raised while the body streams in, so the
    application's problem handler answers it like any other problem."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, "请求过大", f"请求体超过{max_bytes}字节的上限", code="BODY_TOO_LARGE",
                         max_bytes=max_bytes)


class BodyLimit:
    """ASGI middleware: refuse a request body larger than max_bytes with 413, by its Content-Length or
    while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await problem_response(BodyTooLarge(self.max_bytes), scope.get("path"))(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await problem_response(BodyTooLarge(self.max_bytes), scope.get("path"))(scope, receive, send)


