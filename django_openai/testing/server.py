"""The fake as a real HTTP server on loopback (stdlib only).

    python -m django_openai.testing --port 8765
    python -m django_openai.testing --port 8765 \
        --fault "POST /v1/chat/completions status=429 times=2 retry-after=1"

Control endpoints (also used by the pytest fixture against the real server):
``POST /v1/_fake/clock/advance {"seconds": 60}``, ``POST /v1/_fake/faults {...}``,
``DELETE /v1/_fake/faults``, ``POST /v1/_fake/reset``, ``GET /v1/_fake/requests``.
"""

from __future__ import annotations

import argparse
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .clock import Clock
from .fake import FakeOpenAI, FakeRequest, plan_delivery
from .faults import parse_cli_fault


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _serve(self) -> None:
        request = FakeRequest.build(self.command, self.path, self.headers.items(), self._read_body())
        delivery = plan_delivery(self.server.fake.handle(request))
        if delivery.first_byte_delay:
            time.sleep(delivery.first_byte_delay)
        self.send_response(delivery.status)
        for name, value in delivery.headers.items():
            self.send_header(name, value)
        if delivery.streamed:
            self.send_header("transfer-encoding", "chunked")
        else:
            self.send_header("content-length", str(sum(len(c) for _, c in delivery.segments)))
        self.end_headers()
        for delay, chunk in delivery.segments:
            if delay:
                time.sleep(delay)
            if delivery.streamed:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                self.wfile.write(chunk)
            self.wfile.flush()
        if delivery.reset:
            # SO_LINGER 0: close with a TCP reset, as a dying upstream does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if delivery.streamed:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, fake: FakeOpenAI, host: str = "127.0.0.1", port: int = 0, verbose: bool = False
    ) -> None:
        self.fake = fake
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hang up mid-response on purpose in fault tests (timeouts, early exits): quiet.
        if self.verbose:
            super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeHTTPServer:
        threading.Thread(target=self.serve_forever, name="fake-openai", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m django_openai.testing", description="A fake OpenAI API server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", help="require this key (default: accept any)")
    parser.add_argument(
        "--real-time", action="store_true", help="let the clock run with wall time (for demos)"
    )
    parser.add_argument(
        "--fault", action="append", default=[], help='e.g. "POST /v1/chat/completions status=429 times=2"'
    )
    parser.add_argument("--webhook-url", help="POST signed webhooks here when jobs finish")
    parser.add_argument("--webhook-secret", help="whsec_... secret for those webhooks")
    parser.add_argument("--spec", help="openapi.validation.json: check requests strictly against it")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(
        clock=Clock(real=args.real_time),
        api_key=args.api_key,
        spec_path=args.spec,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
    )
    for text in args.fault:
        method, path, options = parse_cli_fault(text)
        fake.faults.add(method, path, **options)
    server = FakeHTTPServer(fake, args.host, args.port, verbose=args.verbose)  # --port 0: any free port
    print(f"fake OpenAI API on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        fake.close()


if __name__ == "__main__":
    main()
