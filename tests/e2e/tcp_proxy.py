"""A TCP proxy for fault tests: forwards to a server, and on demand becomes a black hole.

    with TcpProxy("127.0.0.1", pg_port) as proxy:
        uri = f"postgresql://...@127.0.0.1:{proxy.port}/db"
        proxy.mode = "blackhole"          # stop forwarding, keep every socket open
        proxy.blackhole_after(1 << 20)    # ... or once 1 MiB more went server -> client
        proxy.drop_connections()          # close what is open (the server sees EOF)
        proxy.rate = 1 << 20              # server -> client at about 1 MiB/s (None: as fast as it goes)
        proxy.stalled = True              # hold server -> client bytes until set back to False

Modes:
  forward    bytes flow both ways (new connections are forwarded too);
  blackhole  nothing flows in either direction and nothing is closed, as when a network
             path dies without a reset; new connections are accepted and never answered;
  silent     like blackhole for new connections (a port that accepts TCP and never
             answers); connections already open keep flowing.
Threads, no asyncio: each connection has one pump thread per direction.
"""

from __future__ import annotations

import select
import socket
import threading

MODES = ("forward", "blackhole", "silent")


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1",
                 rate: int | None = None):
        self.target = (target_host, target_port)
        self.rate = rate  # server -> client bytes per second; None: unthrottled
        self.stalled = False  # while True, server -> client bytes are held (not dropped)
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((listen_host, 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._mode = "forward"
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._downstream_budget: int | None = None  # bytes before turning into a black hole
        self.bytes_to_client = 0
        self.connections = 0
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    # ------------------------------------------------------------------ control
    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        assert mode in MODES, mode
        with self._lock:
            self._mode = mode
            self._downstream_budget = None
            if mode == "blackhole":
                self._flowing.clear()
            else:
                self._flowing.set()

    def blackhole_after(self, nbytes: int) -> None:
        """Turns into a black hole once `nbytes` more have gone from server to client."""
        with self._lock:
            self._downstream_budget = nbytes

    def drop_connections(self) -> None:
        """Closes every open connection (both sides see it close)."""
        with self._lock:
            socks, self._sockets = self._sockets, []
        for s in socks:
            _close(s)

    def close(self) -> None:
        self._closed.set()
        self._flowing.set()  # wake the pumps so they notice
        _close(self._listener)
        self.drop_connections()

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _track(self, s: socket.socket) -> None:
        with self._lock:
            self._sockets.append(s)

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.2)
                if not ready:
                    continue
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._track(client)
            if self._mode != "forward":
                continue  # accepted, held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            self._track(upstream)
            for src, dst, down in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(target=self._pump, args=(src, dst, down), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, downstream: bool) -> None:
        try:
            while not self._closed.is_set():
                self._flowing.wait()
                if self._closed.is_set():
                    break
                ready, _, _ = select.select([src], [], [], 0.2)
                if not ready or not self._flowing.is_set():
                    continue
                data = src.recv(65536)
                if not data:
                    break
                if downstream:
                    data = self._take_budget(data)
                    self.bytes_to_client += len(data)
                    while self.stalled and not self._closed.is_set():
                        self._closed.wait(0.05)
                if data:
                    dst.sendall(data)
                if downstream and self.rate and data:
                    self._closed.wait(len(data) / self.rate)
        except (OSError, ValueError):  # ValueError: the other pump already closed src
            pass
        if not self._closed.is_set() and self._flowing.is_set():
            # One side closed while forwarding: close the other, as a real path would.
            _close(src)
            _close(dst)

    def _take_budget(self, data: bytes) -> bytes:
        with self._lock:
            if self._downstream_budget is None:
                return data
            if len(data) < self._downstream_budget:
                self._downstream_budget -= len(data)
                return data
            data = data[: self._downstream_budget]
            self._downstream_budget = None
            self._mode = "blackhole"
            self._flowing.clear()
            return data


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
