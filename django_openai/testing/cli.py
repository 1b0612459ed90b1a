"""``python -m django_openai.testing``: the fake as a server a person starts (the demo, benchmarks).

    python -m django_openai.testing --port 8765
    python -m django_openai.testing --port 8765 \
        --fault "POST /v1/chat/completions status=429 times=2 retry-after=1"

Started by hand, its clock runs with wall time (a batch moves on by itself) unless
``--frozen-clock``; the pytest fixtures keep it frozen. It writes nothing where it is started
from: file contents go to a temporary directory, removed on exit, unless ``--data-dir``.

Control endpoints (also used by the pytest fixture against the real server):
``POST /v1/_fake/clock/advance {"seconds": 60}``, ``POST /v1/_fake/faults {...}``,
``DELETE /v1/_fake/faults``, ``POST /v1/_fake/reset``, ``GET /v1/_fake/requests``.
"""

from __future__ import annotations

import argparse
import gc
import signal

from .clock import Clock
from .fake import FakeOpenAI
from .faults import parse_cli_fault
from .pacing import REAL_TIME, Pacing
from .server import FakeHTTPServer
from .state import REAL_TIME_BATCH_SECONDS_PER_LINE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m django_openai.testing", description="A fake OpenAI API server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0: any free port (printed)")
    parser.add_argument("--api-key", help="require this key (default: accept any)")
    parser.add_argument(
        "--frozen-clock",
        action="store_true",
        help="keep the clock still; move it with POST /v1/_fake/clock/advance (as the tests do)",
    )
    parser.add_argument(
        "--real-time",
        action="store_true",
        help="accepted for compatibility: the clock runs with wall time unless --frozen-clock",
    )
    parser.add_argument(
        "--data-dir", help="keep file contents here (default: a temporary directory, removed on exit)"
    )
    parser.add_argument(
        "--first-token-ms",
        type=_milliseconds,
        help=f"pace answers: the first token this long after the request "
        f"(default on a running clock: {REAL_TIME.first_token_ms:g}; frozen: 0)",
    )
    parser.add_argument(
        "--token-ms",
        type=_milliseconds,
        help=f"pace answers: this long between tokens (default on a running clock: {REAL_TIME.token_ms:g})",
    )
    parser.add_argument(
        "--batch-seconds-per-item",
        type=float,
        help="how long a batch takes per request line (default on a running clock: "
        f"{REAL_TIME_BATCH_SECONDS_PER_LINE:g}, so that progress is seen moving)",
    )
    parser.add_argument(
        "--fault", action="append", default=[], help='e.g. "POST /v1/chat/completions status=429 times=2"'
    )
    parser.add_argument("--webhook-url", help="POST signed webhooks here when jobs finish")
    parser.add_argument("--webhook-secret", help="whsec_... secret for those webhooks")
    parser.add_argument("--spec", help="openapi.validation.json: check requests strictly against it")
    parser.add_argument("--verbose", action="store_true", help="print each request line to stderr")
    return parser


def _milliseconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def build_fake(args: argparse.Namespace) -> FakeOpenAI:
    pacing = None
    if args.first_token_ms is not None or args.token_ms is not None:
        default = REAL_TIME if not args.frozen_clock else Pacing()
        pacing = Pacing(
            first_token_ms=default.first_token_ms if args.first_token_ms is None else args.first_token_ms,
            token_ms=default.token_ms if args.token_ms is None else args.token_ms,
        )
    fake = FakeOpenAI(
        clock=Clock(real=not args.frozen_clock),
        data_dir=args.data_dir,
        api_key=args.api_key,
        spec_path=args.spec,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        pacing=pacing,
        batch_seconds_per_line=args.batch_seconds_per_item,
    )
    for text in args.fault:
        method, path, options = parse_cli_fault(text)
        fake.faults.add(method, path, **options)
    return fake


def _describe(fake: FakeOpenAI) -> str:
    pacing = fake.pacing or Pacing()
    return f"first token after {pacing.first_token_ms:g} ms, then one every {pacing.token_ms:g} ms"


def _keep_collections_short() -> None:
    """Full garbage collections, rare, so that pacing holds at hundreds of streams.

    Under 500 paced streams, the collector's automatic full (generation 2) passes stopped the loop
    long enough to put a stream's first token 40 ms late and a gap between two chunks 40 ms long
    at p99 (BENCHMARKS.md, "The fake server under load"). What was made at start-up lives as
    long as the process, so it is frozen out of every collection; young objects are still
    collected as usual, and a full pass now comes after 10,000 young ones instead of 10.
    """
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 10_000)


def main(argv: list[str] | None = None) -> None:
    # SIGTERM (a process manager, a test's terminate()) and Ctrl-C end it the same way, so the
    # temporary directory is removed on the way out. Before the server serves, the signal
    # interrupts; once it serves, the handler only asks its loop to stop: an exception raised
    # into the middle of the loop could land in a connection's task and leave the loop running.
    server: FakeHTTPServer | None = None

    def _stop(signum: int, frame: object) -> None:
        if server is None:
            raise KeyboardInterrupt
        server.request_stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.frozen_clock and args.real_time:
        parser.error("--frozen-clock and --real-time contradict each other")
    fake = build_fake(args)
    try:
        server = FakeHTTPServer(fake, args.host, args.port, verbose=args.verbose)
        # The first line ends with the address: scripts read it there (--port 0 picks a free port).
        print(f"fake OpenAI API on {server.base_url}", flush=True)
        if args.frozen_clock:
            print("clock: frozen (move it with POST /v1/_fake/clock/advance)", flush=True)
        else:
            print(f"clock: real time; answers paced like a model ({_describe(fake)})", flush=True)
        kept = "kept" if args.data_dir else "removed on exit"
        print(f"files: {fake.data_dir} ({kept})", flush=True)
        _keep_collections_short()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.server_close()
        fake.close()
