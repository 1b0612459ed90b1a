"""The fake as a real HTTP/1.1 server on loopback, on asyncio (stdlib only).

One event loop serves every connection, so hundreds of concurrent streams cost a coroutine each,
not a thread each; the listen backlog is large, so a burst of connections is queued rather than
refused; ``TCP_NODELAY`` is set, so a small chunk goes out at once instead of waiting for the
previous one to be acknowledged (Nagle's algorithm held it up to the peer's delayed ACK, ~40 ms on
Linux, on every reused connection).

A response's chunks are written by timer callbacks at absolute deadlines measured from the
request's arrival, each callback arming the next: pacing does not drift with the number of
chunks, and a chunk costs a timer and a write rather than a coroutine step. Chunks due at the same
moment (the headers and a stream's first event, the last token and ``[DONE]``) share a write.

    server = FakeHTTPServer(FakeOpenAI()).start()   # in a background thread
    ...
    server.stop()

``python -m django_openai.testing`` runs one in the foreground (``cli.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
import threading
import traceback
from http import HTTPStatus
from typing import Any

from .fake import FakeOpenAI
from .wire import Delivery, FakeError, FakeRequest, FakeResponse, plan_delivery

#: Connections waiting to be accepted: a burst of 500 clients must queue, not be refused.
BACKLOG = 4096
MAX_HEAD_BYTES = 64 * 1024


class _BadRequest(Exception):
    pass


class FakeHTTPServer:
    def __init__(
        self, fake: FakeOpenAI, host: str = "127.0.0.1", port: int = 0, verbose: bool = False
    ) -> None:
        self.fake = fake
        self.verbose = verbose
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._socket.listen(BACKLOG)
        self._socket.setblocking(False)
        self.server_address: tuple[str, int] = self._socket.getsockname()[:2]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._stop_requested = False

    @property
    def base_url(self) -> str:
        host, port = self.server_address
        return f"http://{host}:{port}/v1"

    def connection_count(self) -> int:
        """Connections open right now (the load test checks that none is left behind)."""
        return len(self._writers)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeHTTPServer:
        """Serve in a background thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        self._ready.wait()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (or Ctrl-C)."""
        asyncio.run(self._serve())

    def request_stop(self) -> None:
        """Ask the serving loop to end; safe from another thread and from a signal handler."""
        self._stop_requested = True  # read by a loop that has not started yet
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                self._loop.call_soon_threadsafe(self._stopping.set)

    def stop(self) -> None:
        self.request_stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self.server_close()

    def server_close(self) -> None:
        self._socket.close()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if self._stop_requested:
            self._stopping.set()
        server = await asyncio.start_server(
            self._connection, sock=self._socket, backlog=BACKLOG, limit=MAX_HEAD_BYTES
        )
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=5)

    # -- connections ----------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writers.add(writer)
        closed = asyncio.ensure_future(writer.wait_closed())
        try:
            while True:
                try:
                    read = await self._read_request(reader)
                except _BadRequest as exc:
                    _write_simple(writer, 400, str(exc).encode())
                    await writer.drain()
                    return
                if read is None:
                    return
                request, keep_alive = read
                arrived = asyncio.get_running_loop().time()
                # Handlers are quick (a chat answer is well under a millisecond); running them here
                # keeps the pacing of the streams in flight steadier than a hop to a thread would,
                # which must win the GIL back from this loop.
                delivery = self._deliver(request)
                if not await _send(writer, delivery, arrived, closed) or not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # clients hang up mid-response on purpose in fault tests (timeouts, early exits)
        finally:
            self._writers.discard(writer)
            closed.cancel()
            writer.close()

    def _deliver(self, request: FakeRequest) -> Delivery:
        try:
            return plan_delivery(self.fake.handle(request))
        except Exception as exc:
            # A bug in a handler: answer in the API's error shape rather than drop the connection.
            if self.verbose:
                traceback.print_exc()
            error = FakeError(500, f"The fake server failed: {exc!r}", type="server_error")
            return plan_delivery(FakeResponse.json(error.body(), 500))

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[FakeRequest, bool] | None:
        """The next request on the connection and whether the client keeps the connection open."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise _BadRequest("incomplete request head") from None
            return None  # the client closed a kept-alive connection
        except asyncio.LimitOverrunError:
            raise _BadRequest("request head too large") from None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise _BadRequest("malformed request line")
        method, target, _version = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
        lowered = {name.lower(): value for name, value in headers}
        if lowered.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        else:
            try:
                length = int(lowered.get("content-length") or 0)
            except ValueError:
                raise _BadRequest("bad content-length") from None
            body = await reader.readexactly(length) if length else b""
        if self.verbose:
            print(f"{method} {target}", file=sys.stderr, flush=True)
        keep_alive = lowered.get("connection", "").lower() != "close"
        return FakeRequest.build(method, target, headers, body), keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        try:
            size = int((await reader.readline()).strip().split(b";")[0], 16)
        except ValueError:
            raise _BadRequest("bad chunk size") from None
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()


async def _send(
    writer: asyncio.StreamWriter, delivery: Delivery, arrived: float, closed: asyncio.Future[Any]
) -> bool:
    """Write the planned response on its deadlines; False when the connection is over.

    ``closed`` completes when the client goes away: the wait ends at once and the timer is cancelled.
    """
    loop = asyncio.get_running_loop()
    transport = writer.transport
    head = [f"HTTP/1.1 {delivery.status} {_phrase(delivery.status)}"]
    head += [f"{name}: {value}" for name, value in delivery.headers.items()]
    if delivery.streamed:
        head.append("transfer-encoding: chunked")
    else:
        head.append(f"content-length: {sum(len(c) for _, c in delivery.segments)}")
    frames = [
        (delay, b"%x\r\n%s\r\n" % (len(chunk), chunk) if delivery.streamed else chunk)
        for delay, chunk in delivery.segments
        if chunk or not delivery.streamed  # an empty chunk would end a chunked body
    ]
    if delivery.streamed and not delivery.reset:
        frames.append((0.0, b"0\r\n\r\n"))
    finished: asyncio.Future[bool] = loop.create_future()
    timer: list[asyncio.TimerHandle] = []
    pending: list[bytes] = []

    def write_from(index: int, deadline: float, waited: bool) -> None:
        """Write the frames now due, in order; arm a timer for the first one that is not."""
        if transport.is_closing():
            if not finished.done():
                finished.set_result(False)
            return
        for position in range(index, len(frames)):
            delay, frame = frames[position]
            if delay and not (waited and position == index):
                deadline += delay
                if deadline > loop.time():
                    timer[:] = [loop.call_at(deadline, write_from, position, deadline, True)]
                    return
            if not delivery.separate_writes and position + 1 < len(frames) and not frames[position + 1][0]:
                pending.append(frame)  # the next frame is due now too: one write for both
                continue
            transport.write(b"".join((*pending, frame)) if pending else frame)
            pending.clear()
        if not finished.done():
            finished.set_result(True)

    # The status line and headers are the first frame: nothing at all goes out before its time.
    frames.insert(0, (delivery.first_byte_delay, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")))
    write_from(0, arrived, False)
    try:
        await asyncio.wait([finished, closed], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for handle in timer:
            handle.cancel()
    if not finished.done() or not finished.result():
        return False
    if delivery.reset:
        transport.set_write_buffer_limits(high=0)  # drain() now waits until the kernel has it all
        await writer.drain()
        # SO_LINGER 0: close with a TCP reset, as a dying upstream does.
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        return False
    await writer.drain()
    return True


def _write_simple(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
    writer.write(
        f"HTTP/1.1 {status} {_phrase(status)}\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n".encode()
        + body
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
