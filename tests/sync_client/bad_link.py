"""A bad link between a client and the real server: a TCP relay on a socket of its own
that cuts its first connections after a number of bytes from the server, as a train's
Wi-Fi does, and keeps the head of every request it relayed."""

from __future__ import annotations

import contextlib
import socket
import threading

from live_server import free_port

__all__ = ["BadLink"]


class BadLink:
    def __init__(self, target_port: int, *, cut_after: int, cuts: int = 1) -> None:
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts_left = cuts
        self.port = free_port()
        self.requests: list[bytes] = []  # the first bytes of each request relayed
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        self._closing = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        self._closing = True
        self._listener.close()
        for s in self._open:
            with contextlib.suppress(OSError):
                s.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                cut = self.cuts_left > 0
                self.cuts_left -= int(cut)
            self._open += [client, upstream]
            for args in ((client, upstream, None), (upstream, client, cut)):
                t = threading.Thread(target=self._pump, args=args, daemon=True)
                t.start()
                self._threads.append(t)

    def _pump(self, source: socket.socket, sink: socket.socket, cut: bool | None) -> None:
        sent = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if cut is None:  # client → server: remember the request's head
                    with self._lock:
                        self.requests.append(data[:2048])
                if cut and sent + len(data) > self.cut_after:
                    sink.sendall(data[: self.cut_after - sent])
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
