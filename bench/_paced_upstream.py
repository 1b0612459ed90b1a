"""An upstream that streams like a model, for bench/gateway_relay.py: plain asyncio, its own process.

``POST /v1/chat/completions`` with ``"stream": true`` answers 50 chunks 20 ms apart, the first
after 50 ms (``BENCH_CHUNKS``, ``BENCH_GAP_MS``, ``BENCH_FIRST_MS``), then a usage chunk when the
request asked for one (``include_usage``), then ``[DONE]``; chunked transfer encoding, keep-alive.
``GET /v1/models`` lists one model. Prints its port.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys

CHUNKS = int(os.environ.get("BENCH_CHUNKS", "50"))
GAP = float(os.environ.get("BENCH_GAP_MS", "20")) / 1000
FIRST = float(os.environ.get("BENCH_FIRST_MS", "50")) / 1000


def _event(obj: dict) -> bytes:  # type: ignore[type-arg]
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


BASE = {
    "id": "chatcmpl-bench",
    "object": "chat.completion.chunk",
    "created": 1700000000,
    "model": "gpt-4.1-mini",
}
FIRST_CHUNK = _event(
    {
        **BASE,
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "tok"}, "finish_reason": None}],
    }
)
CHUNK = _event({**BASE, "choices": [{"index": 0, "delta": {"content": " tok"}, "finish_reason": None}]})
LAST = _event({**BASE, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
USAGE = _event(
    {
        **BASE,
        "choices": [],
        "usage": {"prompt_tokens": 9, "completion_tokens": CHUNKS, "total_tokens": 9 + CHUNKS},
    }
)
DONE = b"data: [DONE]\n\n"
MODELS = json.dumps(
    {"object": "list", "data": [{"id": "gpt-4.1-mini", "object": "model", "created": 1, "owned_by": "bench"}]}
).encode()


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Upstream(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""
        self.loop = asyncio.get_running_loop()
        self.timers: list[asyncio.TimerHandle] = []

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in self.timers:
            timer.cancel()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.answer(head.split(" ", 2)[1], body)

    def answer(self, target: str, body: bytes) -> None:
        if target.endswith("/models"):
            self.transport.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                % (len(MODELS), MODELS)
            )
            return
        compact = body.replace(b" ", b"")
        if b'"stream":true' not in compact:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
            return
        self.transport.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-request-id: req_bench\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        usage = b'"include_usage":true' in compact
        self.timers = [self.loop.call_later(FIRST, self.send, FIRST_CHUNK)]
        for i in range(1, CHUNKS):
            self.timers.append(self.loop.call_later(FIRST + GAP * i, self.send, CHUNK))
        tail = LAST + (USAGE if usage else b"") + DONE
        self.timers.append(self.loop.call_later(FIRST + GAP * (CHUNKS - 1) + 0.001, self.finish, tail))

    def send(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(_chunked(data))

    def finish(self, tail: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(_chunked(tail) + b"0\r\n\r\n")


async def serve(sock: socket.socket) -> None:
    server = await asyncio.get_running_loop().create_server(Upstream, sock=sock, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    print(sock.getsockname()[1], flush=True)
    asyncio.run(serve(sock))


if __name__ == "__main__":
    main()
