"""The floor for bench/gateway_relay.py: a byte-forwarding relay in plain asyncio, no Django, no
HTTP library. Each client connection gets its own upstream connection; bytes are copied both ways
as they arrive. Whatever the gateway adds beyond this is the cost of HTTP parsing, auth, limits and
metering. Prints its port; ``python bench/_floor_relay.py UPSTREAM_PORT``.
"""

from __future__ import annotations

import asyncio
import socket
import sys


class Pipe(asyncio.Protocol):
    def __init__(self, peer: asyncio.Transport | None = None) -> None:
        self.peer = peer
        self.pending: list[bytes] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.peer is None:
            self.pending.append(data)
        else:
            self.peer.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None:
            self.peer.close()


class ClientSide(Pipe):
    upstream_port = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.connecting = asyncio.ensure_future(self.connect())

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        assert self.transport is not None
        upstream, _ = await loop.create_connection(
            lambda: Pipe(self.transport), "127.0.0.1", self.upstream_port
        )
        self.peer = upstream
        for data in self.pending:
            upstream.write(data)
        self.pending.clear()


async def serve(sock: socket.socket) -> None:
    server = await asyncio.get_running_loop().create_server(ClientSide, sock=sock, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    ClientSide.upstream_port = int(sys.argv[1])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    asyncio.run(serve(sock))


if __name__ == "__main__":
    main()
