"""A minimal HTTP/1.1 keep-alive server on loopback, for benchmarks only.

Pure asyncio, no framework, so that the server costs as little as possible and the figures
measure the clients. ``POST /v1/chat/completions`` answers a fixed completion, or with
``"stream": true`` a stream of ``n`` chunks (``?events=n``, default 1000).
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

COMPLETION = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4.1-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hello there!"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
    }
).encode()

CHUNK = (
    b'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4.1-mini",'
    b'"choices":[{"index":0,"delta":{"content":"tok"},"finish_reason":null}]}\n\n'
)


def _response(body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: "
        + content_type
        + b"\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\nx-request-id: req_bench\r\n\r\n"
        + body
    )


class Handler(asyncio.Protocol):
    def connection_made(self, transport):  # type: ignore[no-untyped-def]
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            total = head_end + 4 + length
            if len(self.buffer) < total:
                return
            body = self.buffer[head_end + 4 : total]
            self.buffer = self.buffer[total:]
            target = head.split(" ", 2)[1]
            self.transport.write(self.answer(target, body))

    @staticmethod
    def answer(target: str, body: bytes) -> bytes:
        if b'"stream":true' in body.replace(b" ", b""):
            events = int(target.partition("events=")[2] or 1000)
            return _response(CHUNK * events + b"data: [DONE]\n\n", b"text/event-stream")
        return _response(COMPLETION)


async def serve(sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Handler, sock=sock, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    print(sock.getsockname()[1], flush=True)
    asyncio.run(serve(sock))


if __name__ == "__main__":
    main()
