"""A small fault-injecting TCP proxy for the incident drill: it listens on 127.0.0.1 only and
forwards every connection to one target, and on command it changes how the network
behaves between the two:

- ``pass``: bytes flow as they come;
- ``cut``: every open connection is closed and new ones are closed as soon as they are
  accepted — what a client sees when a cable is pulled or a firewall resets;
- ``delay``: each chunk waits ``delay_ms`` before it is forwarded, both ways;
- ``blackhole``: connections are accepted and read, but nothing is forwarded or
  answered — what a client sees when packets are dropped: a timeout, not a refusal.

It also notices HTTP requests that start a push (``POST /v1/sync/push``) so the drill can
act while one is in flight, waiting for the server's answer.

In the drill it runs in a thread of its own (:meth:`FaultProxy.start`); as a program it
takes commands on standard input::

    python -m sync_server.drills.fault_proxy --target 127.0.0.1:8080 --port 9090
    cut
    delay 300
    blackhole
    pass
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["FaultProxy", "Mode", "main"]

Mode = Literal["pass", "cut", "delay", "blackhole"]
MODES: tuple[Mode, ...] = ("pass", "cut", "delay", "blackhole")
LOOPBACK = "127.0.0.1"
PUSH = b"POST /v1/sync/push"


@dataclass(eq=False)  # kept in a set, one per connection
class _Link:
    """One client connection and the connection to the target it is forwarded to."""

    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    push_waiting: bool = False  # a push request went through; its answer has not started

    def close(self) -> None:
        for writer in (self.client, self.server):
            if writer is not None:
                writer.close()


@dataclass
class ProxyCounts:
    connections: int = 0
    refused: int = 0  # accepted and closed at once while cut
    pushes: int = 0
    chunks_delayed: int = 0
    bytes_swallowed: int = 0  # read while blackholed, never forwarded
    modes: list[tuple[float, Mode]] = field(default_factory=list)


class FaultProxy:
    """``127.0.0.1:port`` → ``target_host:target_port``, its mode changed from any thread."""

    def __init__(self, target_port: int, *, target_host: str = LOOPBACK, port: int = 0) -> None:
        if target_host not in (LOOPBACK, "localhost"):
            raise ValueError("the fault proxy forwards to this machine only (127.0.0.1)")
        self.target = (target_host, target_port)
        self.port = port
        self.mode: Mode = "pass"
        self.delay_ms = 0
        self.counts = ProxyCounts()
        self._links: set[_Link] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        self._on_loop(self._listen()).result(timeout=10)
        return self

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        self._on_loop(self._shutdown()).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def set_mode(self, mode: Mode, *, delay_ms: int = 0) -> None:
        """Change how the network behaves; ``cut`` also closes every open connection."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
        self._on_loop(self._set(mode, delay_ms)).result(timeout=10)

    def pushes_in_flight(self) -> int:
        """Push requests forwarded whose answer has not started coming back."""
        return sum(link.push_waiting for link in list(self._links))

    def wait_for_push(self, timeout: float) -> bool:
        """Until a push is in flight; False if none came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pushes_in_flight():
                return True
            time.sleep(0.001)
        return False

    # -- on the proxy's loop -------------------------------------------------------------

    def _on_loop(self, coro: object) -> Future[None]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, LOOPBACK, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        self.counts.modes.append((time.monotonic(), "pass"))

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.close()
        self._links.clear()

    async def _set(self, mode: Mode, delay_ms: int) -> None:
        self.mode, self.delay_ms = mode, delay_ms
        self.counts.modes.append((time.monotonic(), mode))
        if mode == "cut":
            for link in list(self._links):
                link.close()
            self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts.connections += 1
        if self.mode == "cut":
            self.counts.refused += 1
            writer.close()
            return
        link = _Link(writer)
        self._links.add(link)
        try:
            up_reader, link.server = await asyncio.open_connection(*self.target)
        except OSError:
            # The target is down: the client sees its connection closed, as it would.
            self._links.discard(link)
            writer.close()
            return
        try:
            await asyncio.gather(
                self._pump(reader, link.server, link, upstream=True),
                self._pump(up_reader, writer, link, upstream=False),
            )
        finally:
            self._links.discard(link)
            link.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: _Link,
        *,
        upstream: bool,
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                if self.mode == "blackhole":
                    self.counts.bytes_swallowed += len(chunk)
                    continue
                if self.mode == "delay" and self.delay_ms:
                    self.counts.chunks_delayed += 1
                    await asyncio.sleep(self.delay_ms / 1000)
                if self.mode == "cut" or writer.is_closing():
                    break
                if upstream and chunk.startswith(PUSH):
                    self.counts.pushes += 1
                    link.push_waiting = True
                elif not upstream:
                    link.push_waiting = False
                writer.write(chunk)
                await writer.drain()
        # One side finished: close the other so neither waits forever.
        writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fault_proxy",
        description="Forward 127.0.0.1:PORT to a local server and inject faults on command "
        "(standard input: pass | cut | delay MS | blackhole | quit).",
    )
    parser.add_argument("--target", required=True, help="127.0.0.1:PORT of the server")
    parser.add_argument("--port", type=int, default=0, help="where to listen (default: any)")
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    try:
        proxy = FaultProxy(int(port), target_host=host or LOOPBACK, port=args.port).start()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"forwarding {proxy.url} to {args.target}; mode pass", flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "quit":
                break
            try:
                delay = int(words[1]) if len(words) > 1 else 0
                proxy.set_mode(words[0], delay_ms=delay)  # type: ignore[arg-type]
            except ValueError as exc:
                print(exc, flush=True)
                continue
            print(f"mode {proxy.mode}" + (f" {delay} ms" if delay else ""), flush=True)
    finally:
        proxy.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
