"""Batches: validated like OpenAI's, run line by line through the fake's own handlers, on its clock.

State is advanced lazily, whenever a batch is read: the status a client sees is the one the clock
says, so a test advances the clock and polls, exactly as production code polls the real API.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..content import digest
from ..routing import Route
from ..state import FakeState
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public
from .files import file_bytes, get_file, store_file

BATCH_ENDPOINTS = {
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
}
MAX_BATCH_LINES = 50_000
MAX_BATCH_BYTES = 200 * 1024 * 1024
VALIDATING_SECONDS = 1
FINALIZING_SECONDS = 1
CANCELLING_SECONDS = 1
BATCH_MIN_SECONDS = 2
COMPLETION_WINDOW_SECONDS = 24 * 3600
BATCH_TERMINAL = {"completed", "failed", "cancelled", "expired"}


def _batch_error(
    code: str, message: str, line: int | None = None, param: str | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def validate_batch_input(content: bytes, endpoint: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parse a batch input file as OpenAI does; return (requests, errors)."""
    errors: list[dict[str, Any]] = []
    if len(content) > MAX_BATCH_BYTES:
        return [], [
            _batch_error("file_too_large", f"The input file exceeds the {MAX_BATCH_BYTES} byte limit.")
        ]
    lines = [line for line in content.split(b"\n") if line.strip()]
    if not lines:
        return [], [_batch_error("empty_file", "The input file is empty.")]
    if len(lines) > MAX_BATCH_LINES:
        return [], [
            _batch_error(
                "too_many_requests",
                f"The input file has {len(lines)} requests; the limit is {MAX_BATCH_LINES}.",
            )
        ]
    requests: list[dict[str, Any]] = []
    seen: set[str] = set()
    model = None
    for number, raw in enumerate(lines, start=1):
        try:
            line = json.loads(raw)
        except ValueError:
            errors.append(
                _batch_error("invalid_json_line", "This line is not parseable as valid JSON.", number)
            )
            continue
        if not isinstance(line, dict):
            errors.append(_batch_error("invalid_json_line", "Each line must be a JSON object.", number))
            continue
        custom_id = line.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            errors.append(
                _batch_error("missing_required_parameter", "Missing 'custom_id'.", number, "custom_id")
            )
        elif custom_id in seen:
            errors.append(
                _batch_error(
                    "duplicate_custom_id",
                    f"The custom_id '{custom_id}' is used more than once.",
                    number,
                    "custom_id",
                )
            )
        else:
            seen.add(custom_id)
        if line.get("method") != "POST":
            errors.append(_batch_error("invalid_method", "The 'method' must be 'POST'.", number, "method"))
        if line.get("url") != endpoint:
            errors.append(
                _batch_error(
                    "invalid_url", f"The 'url' must match the batch endpoint {endpoint}.", number, "url"
                )
            )
        body = line.get("body")
        if not isinstance(body, dict):
            errors.append(_batch_error("missing_required_parameter", "Missing 'body'.", number, "body"))
            continue
        if model is None:
            model = body.get("model")
        elif body.get("model") != model:
            errors.append(
                _batch_error(
                    "mismatched_model",
                    "All requests in a batch must use the same model.",
                    number,
                    "body.model",
                )
            )
        requests.append(line)
    return requests, errors


def _batch(state: FakeState, batch_id: str) -> dict[str, Any]:
    try:
        return state.batches[batch_id]
    except KeyError:
        raise not_found("batch", batch_id, "batch_id") from None


def create_batch(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    for name in ("input_file_id", "endpoint", "completion_window"):
        if not body.get(name):
            raise FakeError(400, f"Missing required parameter: '{name}'.", param=name)
    if body["endpoint"] not in BATCH_ENDPOINTS:
        raise FakeError(
            400, f"Invalid 'endpoint': must be one of {sorted(BATCH_ENDPOINTS)}.", param="endpoint"
        )
    if body["completion_window"] != "24h":
        raise FakeError(
            400, "Invalid 'completion_window': only '24h' is supported.", param="completion_window"
        )
    input_file = get_file(state, body["input_file_id"], "input_file_id")
    if input_file["purpose"] != "batch":
        raise FakeError(
            400,
            f"File {input_file['id']} has purpose '{input_file['purpose']}'; a batch needs 'batch'.",
            param="input_file_id",
        )
    now = state.now()
    batch = {
        "id": state.new_id("batch_"),
        "object": "batch",
        "endpoint": body["endpoint"],
        "errors": None,
        "input_file_id": input_file["id"],
        "completion_window": "24h",
        "status": "validating",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": now,
        "in_progress_at": None,
        "expires_at": now + COMPLETION_WINDOW_SECONDS,
        "finalizing_at": None,
        "completed_at": None,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "metadata": body.get("metadata") or {},
        "model": None,
        "usage": None,
        "_requests": None,
    }
    state.batches[batch["id"]] = batch
    return FakeResponse.json(batch_view(state, batch))


def batch_view(state: FakeState, batch: dict[str, Any]) -> dict[str, Any]:
    _advance_batch(state, batch)
    # The spec types these fields as plain integers/strings: absent until set, never null.
    return {k: v for k, v in public(batch).items() if v is not None}


def _run_seconds(state: FakeState, batch: dict[str, Any]) -> float:
    """Fixed when the batch starts running, from the fake's processing speed at that moment."""
    if batch.get("_run_seconds") is None:
        per_line = state.batch_seconds_per_line
        batch["_run_seconds"] = max(BATCH_MIN_SECONDS, batch["request_counts"]["total"] * per_line)
    return float(batch["_run_seconds"])


def _advance_batch(state: FakeState, batch: dict[str, Any]) -> None:
    # Fractions of a second count: at half a second per line, progress moves twice a second.
    now = state.clock.now()
    if batch["status"] == "validating" and now >= batch["created_at"] + VALIDATING_SECONDS:
        requests, errors = validate_batch_input(file_bytes(state, batch["input_file_id"]), batch["endpoint"])
        if errors:
            batch.update(
                status="failed",
                failed_at=batch["created_at"] + VALIDATING_SECONDS,
                errors={"object": "list", "data": errors},
            )
            state.notify("batch.failed", batch["id"])
            return
        batch.update(_requests=requests, _outputs=[], _errors=[], _tokens=[0, 0])
        batch["model"] = requests[0]["body"].get("model")
        batch["request_counts"]["total"] = len(requests)
        batch.update(status="in_progress", in_progress_at=batch["created_at"] + VALIDATING_SECONDS)
        _run_seconds(state, batch)
    if batch["status"] == "in_progress":
        elapsed = now - batch["in_progress_at"]
        total = batch["request_counts"]["total"]
        run = _run_seconds(state, batch)
        finishes_at = batch["in_progress_at"] + run
        if now >= batch["expires_at"] and finishes_at > batch["expires_at"]:
            window = batch["expires_at"] - batch["in_progress_at"]
            _run_lines(state, batch, int(total * min(1, window / run)))
            _finish_batch(state, batch, "expired")
            return
        # Line i is done (i + 1) * run / total seconds in: the counts move item by item.
        _run_lines(state, batch, total if elapsed >= run else int(total * elapsed / run))
        if elapsed >= run:
            batch.update(status="finalizing", finalizing_at=batch["in_progress_at"] + math.ceil(run))
            _write_results(state, batch)
    if batch["status"] == "finalizing" and now >= batch["finalizing_at"] + FINALIZING_SECONDS:
        batch.update(status="completed", completed_at=batch["finalizing_at"] + FINALIZING_SECONDS)
        state.notify("batch.completed", batch["id"])
    if batch["status"] == "cancelling" and now >= batch["cancelling_at"] + CANCELLING_SECONDS:
        _finish_batch(state, batch, "cancelled")


def _finish_batch(state: FakeState, batch: dict[str, Any], status: str) -> None:
    """Cancelled or expired: what ran is kept, in output and error files as for a completed batch."""
    if batch.get("_requests"):
        _write_results(state, batch)
    stamp = {"expired": "expired_at", "cancelled": "cancelled_at"}[status]
    batch.update(status=status, **{stamp: state.now()})
    state.notify(f"batch.{status}", batch["id"])


def _run_lines(state: FakeState, batch: dict[str, Any], upto: int) -> None:
    """Run the lines not yet run, up to line ``upto``, through the fake's own handlers."""
    outputs, errors, tokens = batch["_outputs"], batch["_errors"], batch["_tokens"]
    for index in range(len(outputs) + len(errors), upto):
        line = batch["_requests"][index]
        try:
            response = state.call("POST", batch["endpoint"].removeprefix("/v1"), line["body"])
            status, body = response.status, json.loads(response.body)
        except FakeError as exc:
            status, body = exc.status, exc.body()
        record = {
            "id": f"batch_req_{digest(batch['id'], 'line', index).hex()[:24]}",
            "custom_id": line.get("custom_id"),
            "response": {
                "status_code": status,
                "request_id": f"req_{digest(batch['id'], index).hex()[:24]}",
                "body": body,
            },
            "error": None,
        }
        (outputs if status == 200 else errors).append(json.dumps(record).encode())
        usage = body.get("usage") or {} if isinstance(body, dict) else {}
        tokens[0] += usage.get("prompt_tokens") or usage.get("input_tokens") or 0
        tokens[1] += usage.get("completion_tokens") or usage.get("output_tokens") or 0
    batch["request_counts"].update(completed=len(outputs), failed=len(errors))


def _write_results(state: FakeState, batch: dict[str, Any]) -> None:
    outputs, errors, (input_tokens, output_tokens) = batch["_outputs"], batch["_errors"], batch["_tokens"]
    if outputs:
        batch["output_file_id"] = store_file(
            state, f"{batch['id']}_output.jsonl", b"\n".join(outputs) + b"\n", "batch_output"
        )["id"]
    if errors:
        batch["error_file_id"] = store_file(
            state, f"{batch['id']}_error.jsonl", b"\n".join(errors) + b"\n", "batch_output"
        )["id"]
    batch["usage"] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


#: Suggested poll interval for unfinished jobs, as the API hints with ``openai-poll-after-ms``: on a
#: running clock, short enough that a poller sees the counts move.
POLL_AFTER_MS = "5000"
REAL_TIME_POLL_AFTER_MS = "1000"


def retrieve_batch(state: FakeState, req: FakeRequest, batch_id: str) -> FakeResponse:
    view = batch_view(state, _batch(state, batch_id))
    poll_after = REAL_TIME_POLL_AFTER_MS if state.clock.real else POLL_AFTER_MS
    headers = {} if view["status"] in BATCH_TERMINAL else {"openai-poll-after-ms": poll_after}
    return FakeResponse.json(view, headers=headers)


def list_batches(state: FakeState, req: FakeRequest) -> FakeResponse:
    return paginate(req, [batch_view(state, b) for b in state.batches.values()])


def cancel_batch(state: FakeState, req: FakeRequest, batch_id: str) -> FakeResponse:
    batch = _batch(state, batch_id)
    _advance_batch(state, batch)
    if batch["status"] in BATCH_TERMINAL | {"finalizing"}:
        raise FakeError(
            409, f"Cannot cancel a batch with status '{batch['status']}'.", code="batch_not_cancellable"
        )
    if batch["status"] != "cancelling":
        batch.update(status="cancelling", cancelling_at=state.now())
    return FakeResponse.json(batch_view(state, batch))


ROUTES: list[Route] = [
    ("POST", "/batches", create_batch),
    ("GET", "/batches", list_batches),
    ("GET", "/batches/{batch_id}", retrieve_batch),
    ("POST", "/batches/{batch_id}/cancel", cancel_batch),
]
