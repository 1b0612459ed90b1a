"""The async connection pool, against a real HTTP/1.1 server on loopback that counts its sockets."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from django_openai.client import APIConnectionError, APITimeoutError, AsyncOpenAI, OpenAI
from django_openai.client._http_pool import AsyncPoolTransport, SyncPoolTransport

# The real sleep: this directory's conftest replaces asyncio.sleep to skip retry waits.
sleep = asyncio.sleep
BODY = json.dumps({"object": "list", "data": []}).encode()


class CountingServer:
    """Keep-alive HTTP/1.1. Paths: /ok, /slow (0.3 s), /close (answers then closes), /drip (slow body)."""

    def __init__(self) -> None:
        self.accepted = 0
        self.open = 0
        self.peak_open = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self, tls: ssl.SSLContext | None = None) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if tls else 'http'}://127.0.0.1:{port}"

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()
        handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    async def drop_idle(self) -> None:
        """Close every connection from the server side, as a server's idle timeout does."""
        for writer in self.writers:
            writer.close()
        while self.open:
            await sleep(0.01)
        await sleep(0.02)  # for the FIN to reach the client's socket

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open += 1
        self.peak_open = max(self.peak_open, self.open)
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split()[1]
                length = next(
                    (
                        int(v)
                        for k, _, v in (x.partition(":") for x in lines[1:])
                        if k.lower() == "content-length"
                    ),
                    0,
                )
                await reader.readexactly(length)
                if path.endswith("/slow"):
                    await sleep(0.3)
                if path.endswith("/drip"):
                    writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                    for _ in range(20):
                        writer.write(b"2\r\n{}\r\n")
                        await writer.drain()
                        await sleep(0.05)
                    writer.write(b"0\r\n\r\n")
                    continue
                close = path.endswith("/close")
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + (b"connection: close\r\n" if close else b"")
                    + b"content-length: "
                    + str(len(BODY)).encode()
                    + b"\r\n\r\n"
                    + BODY
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()


async def settle(condition, seconds: float = 3.0) -> bool:
    """Wait until the server has seen what the client did (closes reach it a moment later)."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return True
        await sleep(0.01)
    return condition()


class ServerThread:
    """The server runs on its own loop in a thread, so that sync and async clients both reach it."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.srv = CountingServer()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = self.call(self.srv.start(tls))

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def stop(self) -> None:
        self.call(self.srv.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def running() -> Iterator[ServerThread]:
    thread = ServerThread()
    yield thread
    thread.stop()


@pytest.fixture
def server(running: ServerThread) -> tuple[CountingServer, str]:
    return running.srv, running.url


def transport_client(url: str, **limits: float | int | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, transport=AsyncPoolTransport(**limits), timeout=5)  # type: ignore[arg-type]


async def test_sequential_requests_share_one_connection(server):
    srv, url = server
    async with AsyncOpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0) as client:
        assert isinstance(client._http_client._transport, AsyncPoolTransport)
        for _ in range(10):
            await client.models.list()
    assert srv.accepted == 1


async def test_concurrent_requests_open_as_many_connections_then_reuse_them(server):
    srv, url = server
    async with AsyncOpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0) as client:
        for _ in range(3):
            await asyncio.gather(*(client.request("GET", "/slow") for _ in range(12)))
    assert srv.accepted == 12 and srv.peak_open == 12


async def test_max_connections_bounds_the_sockets_and_every_request_completes(server):
    srv, url = server
    async with transport_client(url, max_connections=3) as client:
        answers = await asyncio.gather(*(client.get("/slow") for _ in range(9)))
    assert [a.status_code for a in answers] == [200] * 9
    assert srv.peak_open == 3 and srv.accepted == 3


async def test_a_full_pool_raises_pool_timeout_after_the_pool_timeout(server):
    _, url = server
    async with httpx.AsyncClient(
        base_url=url, transport=AsyncPoolTransport(max_connections=1), timeout=httpx.Timeout(5, pool=0.1)
    ) as client:
        async with client.stream("GET", "/drip"):
            with pytest.raises(httpx.PoolTimeout):
                await client.get("/ok")
        assert (await client.get("/ok")).status_code == 200, "the slot came back when the stream closed"


async def test_a_connection_the_server_closed_is_not_reused(server, running):
    srv, url = server
    async with transport_client(url) as client:
        assert (await client.get("/ok")).status_code == 200
        running.call(srv.drop_idle())
        assert (await client.get("/ok")).status_code == 200
    assert srv.accepted == 2


async def test_connection_close_from_the_server_is_honoured(server):
    srv, url = server
    async with transport_client(url) as client:
        for _ in range(3):
            assert (await client.get("/close")).status_code == 200
    assert srv.accepted == 3


async def test_idle_connections_expire(server):
    srv, url = server
    async with transport_client(url, keepalive_expiry=0.05) as client:
        await client.get("/ok")
        await sleep(0.15)
        await client.get("/ok")
    assert srv.accepted == 2


async def test_only_max_keepalive_connections_stay_idle(server):
    srv, url = server
    async with transport_client(url, max_keepalive_connections=2) as client:
        await asyncio.gather(*(client.get("/slow") for _ in range(5)))
        assert await settle(lambda: srv.open == 2)
        await asyncio.gather(*(client.get("/slow") for _ in range(2)))
    assert srv.accepted == 5


async def test_closing_the_client_closes_idle_connections(server):
    srv, url = server
    async with transport_client(url) as client:
        await asyncio.gather(*(client.get("/slow") for _ in range(4)))
        assert srv.open == 4
    assert await settle(lambda: srv.open == 0)


async def test_a_cancelled_request_gives_its_slot_back(server):
    _, url = server
    async with transport_client(url, max_connections=1) as client:
        task = asyncio.ensure_future(client.get("/slow"))
        await sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await asyncio.wait_for(client.get("/ok"), 2)).status_code == 200


async def test_a_body_left_unread_frees_its_slot_and_its_socket(server):
    srv, url = server
    async with transport_client(url, max_connections=1) as client:
        async with client.stream("GET", "/drip") as response:
            async for _ in response.aiter_bytes():
                break
        assert (await client.get("/ok")).status_code == 200
    assert srv.accepted == 2, "a half-read connection is never reused"


async def test_transport_errors_are_httpx_errors_and_api_errors_above():
    async with transport_client("http://127.0.0.1:9") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/ok")
    async with AsyncOpenAI(api_key="sk-test-secret", base_url="http://127.0.0.1:9/v1", max_retries=0) as c:
        with pytest.raises(APIConnectionError) as raised:
            await c.models.list()
    assert "sk-test-secret" not in str(raised.value)


async def test_a_read_timeout_is_an_api_timeout(server):
    _, url = server
    async with AsyncOpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0, timeout=0.1) as client:
        with pytest.raises(APITimeoutError):
            await client.request("GET", "/slow")


# -- the sync pool: the same bookkeeping, shared by threads ---------------------------------------


def sync_client(url: str, **limits: Any) -> httpx.Client:
    return httpx.Client(base_url=url, transport=SyncPoolTransport(**limits), timeout=5)


def wait_for(condition, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_sync_requests_share_one_connection(server):
    srv, url = server
    with OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0) as client:
        assert isinstance(client._http_client._transport, SyncPoolTransport)
        for _ in range(10):
            client.models.list()
    assert srv.accepted == 1


@pytest.mark.parametrize("pool_timeout", [5.0, None])
def test_sync_threads_share_the_pool_within_max_connections(server, pool_timeout):
    srv, url = server
    client = httpx.Client(
        base_url=url,
        transport=SyncPoolTransport(max_connections=3),
        timeout=httpx.Timeout(5, pool=pool_timeout),
    )
    with client, ThreadPoolExecutor(9) as threads:
        for _ in range(2):
            answers = list(threads.map(lambda _: client.get("/slow").status_code, range(9)))
            assert answers == [200] * 9
    assert srv.peak_open == 3 and srv.accepted == 3


def test_sync_full_pool_raises_pool_timeout(server):
    _, url = server
    with httpx.Client(
        base_url=url, transport=SyncPoolTransport(max_connections=1), timeout=httpx.Timeout(5, pool=0.1)
    ) as client:
        with client.stream("GET", "/drip"), pytest.raises(httpx.PoolTimeout):
            client.get("/ok")
        assert client.get("/ok").status_code == 200


def test_sync_connection_closed_by_the_server_or_half_read_is_not_reused(server, running):
    srv, url = server
    with sync_client(url) as client:
        assert client.get("/ok").status_code == 200
        running.call(srv.drop_idle())
        assert client.get("/ok").status_code == 200
        with client.stream("GET", "/drip") as response:
            for _ in response.iter_bytes():
                break
        assert client.get("/ok").status_code == 200
    assert srv.accepted == 3


def test_sync_idle_connections_are_capped_and_closed_with_the_client(server):
    srv, url = server
    with sync_client(url, max_keepalive_connections=2) as client, ThreadPoolExecutor(5) as threads:
        list(threads.map(lambda _: client.get("/slow"), range(5)))
        assert wait_for(lambda: srv.open == 2)
    assert wait_for(lambda: srv.open == 0)


def test_sync_transport_errors_are_api_errors():
    with sync_client("http://127.0.0.1:9") as client, pytest.raises(httpx.ConnectError):
        client.get("/ok")
    with (
        OpenAI(api_key="sk-test-secret", base_url="http://127.0.0.1:9/v1", max_retries=0) as c,
        pytest.raises(APIConnectionError) as raised,
    ):
        c.models.list()
    assert "sk-test-secret" not in str(raised.value)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_leaves_routing_to_httpx(monkeypatch, variable):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, "http://127.0.0.1:3128")
    with OpenAI(api_key="sk-test", base_url="https://api.test/v1") as client:
        assert not isinstance(client._http_client._transport, SyncPoolTransport)
        assert any(isinstance(mount, httpx.HTTPTransport) for mount in client._http_client._mounts.values())
    monkeypatch.delenv(variable)
    with OpenAI(api_key="sk-test", base_url="https://api.test/v1") as client:
        assert isinstance(client._http_client._transport, SyncPoolTransport)


def test_our_clients_keep_no_cookies(router, client):
    # Requests on our pools never carry a jar, so Set-Cookie is not even stored.
    route = router.get("/models").respond(
        200, json={"object": "list", "data": []}, headers={"set-cookie": "__cf_bm=abc; Path=/"}
    )
    client.models.list()
    client.models.list()
    assert len(client._http_client.cookies) == 0
    assert "cookie" not in route.calls.last.request.headers


def test_a_users_own_http_client_keeps_httpx_cookie_handling(router):
    router.get("/models").respond(
        200, json={"object": "list", "data": []}, headers={"set-cookie": "session=abc; Path=/"}
    )
    with (
        httpx.Client() as mine,
        OpenAI(api_key="sk-test", base_url="https://api.test/v1", http_client=mine) as c,
    ):
        c.models.list()
        assert mine.cookies.get("session") == "abc"


# -- TLS: the pools verify certificates as httpx does (CA bundle, or SSL_CERT_FILE) ---------------


@pytest.fixture
def tls_server(tmp_path, monkeypatch) -> Iterator[tuple[ServerThread, str]]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    thread = ServerThread(tls=server_context)
    yield thread, str(ca_file)
    thread.stop()


def test_sync_https_verifies_and_reuses_the_connection(tls_server, monkeypatch):
    thread, ca_file = tls_server
    with (
        OpenAI(api_key="sk-test", base_url=f"{thread.url}/v1", max_retries=0) as client,
        pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.models.list()  # our CA is not in the default bundle
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    with OpenAI(api_key="sk-test", base_url=f"{thread.url}/v1", max_retries=0) as client:
        for _ in range(3):
            client.models.list()
    assert thread.srv.accepted == 1, "one connection (after the handshake) for three requests"


async def test_async_https_verifies_and_reuses_the_connection(tls_server, monkeypatch):
    thread, ca_file = tls_server
    async with AsyncOpenAI(api_key="sk-test", base_url=f"{thread.url}/v1", max_retries=0) as client:
        with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.models.list()
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    async with AsyncOpenAI(api_key="sk-test", base_url=f"{thread.url}/v1", max_retries=0) as client:
        await asyncio.gather(*(client.models.list() for _ in range(3)))
        await client.models.list()
    assert 1 <= thread.srv.accepted <= 3, "the fourth request reuses a connection"
