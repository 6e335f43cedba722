"""Open-loop HTTP load on loopback for the benchmarks, cheap in CPU so that the server keeps the cores.

One asyncio loop in one thread, HTTP/1.1 keep-alive connections written by hand (no client library, no
thread per request). Request `i` is sent at `start + i / rate` whatever the server does, and its latency
counts from that scheduled time: queueing in the server or waiting for a free connection is included
(no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

TIMEOUT = 10.0  # seconds: past this a request counts as unanswered (status 0)


class Client:
    """Keep-alive connections to one server; at most `size` requests in flight."""

    def __init__(self, host: str, port: int, headers: dict[str, str], size: int = 64):
        self.host, self.port, self.size = host, port, size
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in {"Host": host, **headers}.items())
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(size)

    async def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        """(status, body); raises OSError or asyncio.TimeoutError when there is no answer in TIMEOUT."""
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}Content-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        request = (head + "\r\n").encode() + payload
        async with self.slots:
            return await asyncio.wait_for(self._exchange(request), TIMEOUT)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        reused = bool(self.idle)
        reader, writer = self.idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            data = await reader.readexactly(int(fields.get("content-length", "0")))
        except (OSError, asyncio.IncompleteReadError) as exc:
            writer.close()
            # The server closed an idle kept-alive connection before reading: once more on a new one.
            if reused and not getattr(exc, "partial", b""):
                return await self._exchange(request)
            raise OSError(str(exc)) from exc
        except BaseException:  # timed out (cancelled): the connection is in an unknown state
            writer.close()
            raise
        if fields.get("connection", "").lower() == "close":
            writer.close()
        else:
            self.idle.append((reader, writer))
        return int(lines[0].split()[1]), data

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


def run_open_loop(client: Client, total: int, rate: float, fire: Callable[[int, float], Awaitable[object]]) -> float:
    """Call `fire(i, scheduled)` for i in range(total) at `rate` per second, open loop; return the seconds taken.

    `scheduled` is the `time.perf_counter()` at which request i was due: latencies count from it.
    """
    async def main() -> float:
        start = time.perf_counter() + 0.5
        tasks = set()
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(fire(i, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        while tasks:
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
        client.close()
        return elapsed

    return asyncio.run(main())
