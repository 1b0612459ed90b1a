"""Batches and fine-tuning jobs: long jobs that move forward with the fake clock.

State is advanced lazily, whenever a job is read: the status a client sees is the one the clock
says, so a test advances the clock and polls, exactly as production code polls the real API.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .content import count_tokens, digest
from .fake import FakeError, FakeOpenAI, FakeRequest, FakeResponse, not_found, public
from .storage import file_bytes, get_file, paginate, store_file

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
BATCH_SECONDS_PER_LINE = 0.0005
BATCH_MIN_SECONDS = 2
COMPLETION_WINDOW_SECONDS = 24 * 3600
BATCH_TERMINAL = {"completed", "failed", "cancelled", "expired"}


# -- batches ----------------------------------------------------------------------------------


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


def _batch(fake: FakeOpenAI, batch_id: str) -> dict[str, Any]:
    try:
        return fake.batches[batch_id]
    except KeyError:
        raise not_found("batch", batch_id, "batch_id") from None


def create_batch(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
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
    input_file = get_file(fake, body["input_file_id"], "input_file_id")
    if input_file["purpose"] != "batch":
        raise FakeError(
            400,
            f"File {input_file['id']} has purpose '{input_file['purpose']}'; a batch needs 'batch'.",
            param="input_file_id",
        )
    now = fake.now()
    batch = {
        "id": fake.new_id("batch_"),
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
    fake.batches[batch["id"]] = batch
    return FakeResponse.json(batch_view(fake, batch))


def batch_view(fake: FakeOpenAI, batch: dict[str, Any]) -> dict[str, Any]:
    _advance_batch(fake, batch)
    # The spec types these fields as plain integers/strings: absent until set, never null.
    return {k: v for k, v in public(batch).items() if v is not None}


def _run_seconds(fake: FakeOpenAI, batch: dict[str, Any]) -> float:
    """Fixed when the batch starts running, from the fake's processing speed at that moment."""
    if batch.get("_run_seconds") is None:
        per_line = getattr(fake, "batch_seconds_per_line", BATCH_SECONDS_PER_LINE)
        batch["_run_seconds"] = max(BATCH_MIN_SECONDS, batch["request_counts"]["total"] * per_line)
    return float(batch["_run_seconds"])


def _advance_batch(fake: FakeOpenAI, batch: dict[str, Any]) -> None:
    now = fake.now()
    if batch["status"] == "validating" and now >= batch["created_at"] + VALIDATING_SECONDS:
        requests, errors = validate_batch_input(file_bytes(fake, batch["input_file_id"]), batch["endpoint"])
        if errors:
            batch.update(
                status="failed",
                failed_at=batch["created_at"] + VALIDATING_SECONDS,
                errors={"object": "list", "data": errors},
            )
            _notify(fake, batch, "batch.failed")
            return
        batch["_requests"] = requests
        batch["model"] = requests[0]["body"].get("model")
        batch["request_counts"]["total"] = len(requests)
        batch.update(status="in_progress", in_progress_at=batch["created_at"] + VALIDATING_SECONDS)
        _run_seconds(fake, batch)
    if batch["status"] == "in_progress":
        elapsed = now - batch["in_progress_at"]
        total = batch["request_counts"]["total"]
        run = _run_seconds(fake, batch)
        finishes_at = batch["in_progress_at"] + run
        if now >= batch["expires_at"] and finishes_at > batch["expires_at"]:
            window = batch["expires_at"] - batch["in_progress_at"]
            _finish_batch(fake, batch, "expired", int(total * min(1, window / run)))
            return
        if elapsed >= run:
            batch.update(status="finalizing", finalizing_at=batch["in_progress_at"] + math.ceil(run))
            _run_requests(fake, batch, total)
        else:
            batch["request_counts"]["completed"] = int(total * elapsed / run)
    if batch["status"] == "finalizing" and now >= batch["finalizing_at"] + FINALIZING_SECONDS:
        batch.update(status="completed", completed_at=batch["finalizing_at"] + FINALIZING_SECONDS)
        _notify(fake, batch, "batch.completed")
    if batch["status"] == "cancelling" and now >= batch["cancelling_at"] + CANCELLING_SECONDS:
        done = batch["request_counts"]["completed"] + batch["request_counts"]["failed"]
        _finish_batch(fake, batch, "cancelled", done)


def _finish_batch(fake: FakeOpenAI, batch: dict[str, Any], status: str, done: int) -> None:
    if batch.get("_requests") and batch["output_file_id"] is None:
        _run_requests(fake, batch, done)
    stamp = {"expired": "expired_at", "cancelled": "cancelled_at"}[status]
    batch.update(status=status, **{stamp: fake.now()})
    _notify(fake, batch, f"batch.{status}")


def _run_requests(fake: FakeOpenAI, batch: dict[str, Any], count: int) -> None:
    """Run the first ``count`` lines through the fake's own handlers; write output and error files."""
    handler, params = fake._route("POST", batch["endpoint"].removeprefix("/v1"))
    outputs: list[bytes] = []
    errors: list[bytes] = []
    input_tokens = output_tokens = 0
    for index, line in enumerate(batch["_requests"][:count]):
        request = FakeRequest(
            "POST", batch["endpoint"], {}, {"content-type": "application/json"}, b"", _json=line["body"]
        )
        request_id = f"req_{digest(batch['id'], index).hex()[:24]}"
        try:
            response = handler(fake, request, **params)
            status, body = response.status, json.loads(response.body)
        except FakeError as exc:
            status, body = exc.status, exc.body()
        record = {
            "id": f"batch_req_{digest(batch['id'], 'line', index).hex()[:24]}",
            "custom_id": line.get("custom_id"),
            "response": {"status_code": status, "request_id": request_id, "body": body},
            "error": None,
        }
        (outputs if status == 200 else errors).append(json.dumps(record).encode())
        usage = body.get("usage") or {} if isinstance(body, dict) else {}
        input_tokens += usage.get("prompt_tokens") or usage.get("input_tokens") or 0
        output_tokens += usage.get("completion_tokens") or usage.get("output_tokens") or 0
    batch["request_counts"].update(completed=len(outputs), failed=len(errors))
    if outputs:
        batch["output_file_id"] = store_file(
            fake, f"{batch['id']}_output.jsonl", b"\n".join(outputs) + b"\n", "batch_output"
        )["id"]
    if errors:
        batch["error_file_id"] = store_file(
            fake, f"{batch['id']}_error.jsonl", b"\n".join(errors) + b"\n", "batch_output"
        )["id"]
    batch["usage"] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


def _notify(fake: FakeOpenAI, obj: dict[str, Any], event: str) -> None:
    from .webhooks import notify

    notify(fake, event, obj["id"])


#: Suggested poll interval for unfinished jobs, as the API hints with ``openai-poll-after-ms``.
POLL_AFTER_MS = "5000"


def retrieve_batch(fake: FakeOpenAI, req: FakeRequest, batch_id: str) -> FakeResponse:
    view = batch_view(fake, _batch(fake, batch_id))
    headers = {} if view["status"] in BATCH_TERMINAL else {"openai-poll-after-ms": POLL_AFTER_MS}
    return FakeResponse.json(view, headers=headers)


def list_batches(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    return paginate(req, [batch_view(fake, b) for b in fake.batches.values()])


def cancel_batch(fake: FakeOpenAI, req: FakeRequest, batch_id: str) -> FakeResponse:
    batch = _batch(fake, batch_id)
    _advance_batch(fake, batch)
    if batch["status"] in BATCH_TERMINAL | {"finalizing"}:
        raise FakeError(
            409, f"Cannot cancel a batch with status '{batch['status']}'.", code="batch_not_cancellable"
        )
    if batch["status"] != "cancelling":
        batch.update(status="cancelling", cancelling_at=fake.now())
    return FakeResponse.json(batch_view(fake, batch))


# -- fine-tuning ------------------------------------------------------------------------------

FINE_TUNABLE = {"gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo"}
VALIDATING_FILES_SECONDS = 2
QUEUED_SECONDS = 2
STEP_SECONDS = 0.5
MIN_EXAMPLES = 10
JOB_TERMINAL = {"succeeded", "failed", "cancelled"}


def validate_training_file(content: bytes) -> tuple[int, int, str | None]:
    """(examples, tokens, error message): the chat format OpenAI requires for supervised tuning."""
    examples = tokens = 0
    for number, raw in enumerate(content.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            return examples, tokens, f"Invalid file format. Line {number} is not valid JSON."
        messages = line.get("messages") if isinstance(line, dict) else None
        if not isinstance(messages, list) or not messages:
            return examples, tokens, f'Invalid file format. Line {number}, key "messages": missing or empty.'
        roles = [m.get("role") for m in messages if isinstance(m, dict)]
        if "assistant" not in roles:
            return (
                examples,
                tokens,
                f"Invalid file format. Line {number}: an example needs an assistant message.",
            )
        if any(r not in ("system", "developer", "user", "assistant", "tool") for r in roles):
            return examples, tokens, f"Invalid file format. Line {number}: unknown role."
        examples += 1
        tokens += sum(count_tokens(str(m.get("content") or "")) for m in messages)
    if examples < MIN_EXAMPLES:
        return (
            examples,
            tokens,
            f"Training file has {examples} example(s), but must have at least {MIN_EXAMPLES} examples",
        )
    return examples, tokens, None


def _job(fake: FakeOpenAI, job_id: str) -> dict[str, Any]:
    try:
        return fake.jobs[job_id]
    except KeyError:
        raise not_found("fine-tuning job", job_id, "fine_tuning_job_id") from None


def _hyperparameters(body: dict[str, Any]) -> dict[str, Any]:
    method = body.get("method") or {}
    nested = (method.get(method.get("type", "supervised")) or {}).get("hyperparameters") or {}
    given = {**(body.get("hyperparameters") or {}), **nested}
    epochs = given.get("n_epochs", "auto")
    return {
        "n_epochs": 3 if epochs == "auto" else int(epochs),
        "batch_size": given.get("batch_size", 1) if given.get("batch_size") != "auto" else 1,
        # "auto" resolves to 1.8, a value OpenAI itself picks (the spec's 3.0-style boolean
        # exclusiveMinimum reads as "> 1" to a 2020-12 validator, so 1.0 would not validate).
        "learning_rate_multiplier": given.get("learning_rate_multiplier", 1.8)
        if given.get("learning_rate_multiplier") != "auto"
        else 1.8,
    }


def create_job(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    for name in ("model", "training_file"):
        if not body.get(name):
            raise FakeError(400, f"Missing required parameter: '{name}'.", param=name)
    if body["model"] not in FINE_TUNABLE and body["model"] not in fake.fine_tuned_models:
        raise FakeError(
            400,
            f"Model {body['model']} is not available for fine-tuning or does not exist.",
            param="model",
            code="model_not_available",
        )
    for param in ("training_file", "validation_file"):
        if body.get(param):
            file = get_file(fake, body[param], param)
            if file["purpose"] != "fine-tune":
                raise FakeError(
                    400,
                    f"File {file['id']} has purpose '{file['purpose']}'; it must be 'fine-tune'.",
                    param=param,
                    code="invalid_file_purpose",
                )
    suffix = body.get("suffix")
    if suffix is not None and len(suffix) > 64:
        raise FakeError(400, "'suffix' must be at most 64 characters.", param="suffix")
    hyper = _hyperparameters(body)
    job = {
        "id": fake.new_id("ftjob-"),
        "object": "fine_tuning.job",
        "created_at": fake.now(),
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "hyperparameters": hyper,
        "model": body["model"],
        "organization_id": "org-fake",
        "result_files": [],
        "seed": body.get("seed", 42),
        "status": "validating_files",
        "trained_tokens": None,
        "training_file": body["training_file"],
        "validation_file": body.get("validation_file"),
        "estimated_finish": None,
        "integrations": body.get("integrations") or [],
        "metadata": body.get("metadata") or {},
        "method": body.get("method") or {"type": "supervised", "supervised": {"hyperparameters": hyper}},
        "suffix": suffix,
        "user_provided_suffix": suffix,
        "_events": [],
        "_checkpoints": [],
        "_steps": 0,
        "_step": 0,
        "_paused": 0.0,
        "_paused_at": None,
        "_start": fake.clock.now(),
    }
    fake.jobs[job["id"]] = job
    _event(fake, job, job["created_at"], f"Created fine-tuning job: {job['id']}")
    return FakeResponse.json(job_view(fake, job))


def _event(
    fake: FakeOpenAI, job: dict[str, Any], at: float, message: str, data: Any = None, kind: str = "message"
) -> None:
    job["_events"].append(
        {
            "id": f"ftevent-{digest(job['id'], len(job['_events'])).hex()[:24]}",
            "object": "fine_tuning.job.event",
            "created_at": int(at),
            "level": "info",
            "message": message,
            "data": data or {},
            "type": kind,
        }
    )


def _loss(job: dict[str, Any], step: int) -> tuple[float, float]:
    noise = digest(job["id"], step)[0] / 2550
    train = round(2.5 * math.exp(-step / max(1, job["_steps"] / 3)) + 0.1 + noise, 4)
    return train, round(train * 1.08, 4)


def job_view(fake: FakeOpenAI, job: dict[str, Any]) -> dict[str, Any]:
    _advance_job(fake, job)
    return public(job)


def _advance_job(fake: FakeOpenAI, job: dict[str, Any]) -> None:
    if job["status"] in JOB_TERMINAL:
        return
    now = (job["_paused_at"] if job["_paused_at"] is not None else fake.clock.now()) - job["_paused"]
    start = job["_start"]
    if job["status"] == "validating_files" and now >= start + VALIDATING_FILES_SECONDS:
        examples, tokens, error = validate_training_file(file_bytes(fake, job["training_file"]))
        _event(fake, job, start + 1, "Validating training file: " + job["training_file"])
        if error:
            job.update(
                status="failed",
                finished_at=int(start + VALIDATING_FILES_SECONDS),
                error={"code": "invalid_training_file", "message": error, "param": "training_file"},
            )
            _event(fake, job, start + VALIDATING_FILES_SECONDS, error)
            _notify(fake, job, "fine_tuning.job.failed")
            return
        job["_steps"] = examples * job["hyperparameters"]["n_epochs"]
        job["_examples"] = examples
        job["_tokens"] = tokens * job["hyperparameters"]["n_epochs"]
        job["status"] = "queued"
        job["estimated_finish"] = int(
            start + VALIDATING_FILES_SECONDS + QUEUED_SECONDS + job["_steps"] * STEP_SECONDS
        )
        _event(fake, job, start + VALIDATING_FILES_SECONDS, "Files validated, moving job to queued state")
    running_at = start + VALIDATING_FILES_SECONDS + QUEUED_SECONDS
    if job["status"] == "queued" and now >= running_at:
        job["status"] = "running"
        _event(fake, job, running_at, "Fine-tuning job started")
    if job["status"] == "running":
        reached = min(job["_steps"], int((now - running_at) / STEP_SECONDS))
        for step in range(job["_step"] + 1, reached + 1):
            at = running_at + step * STEP_SECONDS
            train, valid = _loss(job, step)
            metrics = {
                "step": step,
                "train_loss": train,
                "valid_loss": valid if job["validation_file"] else None,
                "total_steps": job["_steps"],
                "train_mean_token_accuracy": round(1 - train / 3, 4),
            }
            _event(fake, job, at, f"Step {step}/{job['_steps']}: training loss={train}", metrics, "metrics")
            if step % job["_examples"] == 0:
                _checkpoint(job, step, at, metrics)
        job["_step"] = reached
        if reached >= job["_steps"]:
            _succeed(fake, job, running_at + job["_steps"] * STEP_SECONDS)


def _model_name(job: dict[str, Any], step: int | None = None) -> str:
    suffix = job["suffix"] or ""
    name = f"ft:{job['model']}:fake-org:{suffix}:{job['id'][-8:]}"
    return f"{name}:ckpt-step-{step}" if step is not None else name


def _checkpoint(job: dict[str, Any], step: int, at: float, metrics: dict[str, Any]) -> None:
    job["_checkpoints"].append(
        {
            "id": f"ftckpt_{digest(job['id'], step).hex()[:24]}",
            "object": "fine_tuning.job.checkpoint",
            "created_at": int(at),
            "fine_tuned_model_checkpoint": _model_name(job, step),
            "fine_tuning_job_id": job["id"],
            "metrics": metrics,
            "step_number": step,
        }
    )


def _succeed(fake: FakeOpenAI, job: dict[str, Any], at: float) -> None:
    rows = ["step,train_loss,train_accuracy,valid_loss"]
    rows += [
        ",".join(
            str(e["data"][key] if e["data"][key] is not None else "")
            for key in ("step", "train_loss", "train_mean_token_accuracy", "valid_loss")
        )
        for e in job["_events"]
        if e["type"] == "metrics"
    ]
    result = store_file(fake, "step_metrics.csv", ("\n".join(rows) + "\n").encode(), "fine-tune-results")
    model = _model_name(job)
    job.update(
        status="succeeded",
        finished_at=int(at),
        fine_tuned_model=model,
        result_files=[result["id"]],
        trained_tokens=job["_tokens"],
    )
    fake.fine_tuned_models[model] = {
        "id": model,
        "object": "model",
        "created": int(at),
        "owned_by": "fake-org",
    }
    _event(fake, job, at, "The job has successfully completed")
    _notify(fake, job, "fine_tuning.job.succeeded")


def retrieve_job(fake: FakeOpenAI, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    return FakeResponse.json(job_view(fake, _job(fake, fine_tuning_job_id)))


def list_jobs(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    return paginate(req, [job_view(fake, j) for j in fake.jobs.values()])


def cancel_job(fake: FakeOpenAI, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(fake, fine_tuning_job_id)
    _advance_job(fake, job)
    if job["status"] in JOB_TERMINAL:
        raise FakeError(400, f"Job {job['id']} is already {job['status']} and cannot be cancelled.")
    job.update(status="cancelled", finished_at=fake.now())
    _event(fake, job, fake.now(), "Fine-tuning job cancelled")
    _notify(fake, job, "fine_tuning.job.cancelled")
    return FakeResponse.json(job_view(fake, job))


def pause_job(fake: FakeOpenAI, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(fake, fine_tuning_job_id)
    _advance_job(fake, job)
    if job["status"] != "running":
        raise FakeError(400, f"Only a running job can be paused; job {job['id']} is {job['status']}.")
    job["status"] = "paused"
    job["_paused_at"] = fake.clock.now()
    _event(fake, job, fake.now(), "Fine-tuning job paused")
    return FakeResponse.json(job_view(fake, job))


def resume_job(fake: FakeOpenAI, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(fake, fine_tuning_job_id)
    if job["status"] != "paused":
        raise FakeError(400, f"Only a paused job can be resumed; job {job['id']} is {job['status']}.")
    job["_paused"] += fake.clock.now() - job["_paused_at"]
    job["_paused_at"] = None
    job["status"] = "running"
    _event(fake, job, fake.now(), "Fine-tuning job resumed")
    return FakeResponse.json(job_view(fake, job))


def list_job_events(fake: FakeOpenAI, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(fake, fine_tuning_job_id)
    _advance_job(fake, job)
    return paginate(req, list(job["_events"]))


def list_checkpoints(fake: FakeOpenAI, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(fake, fine_tuning_job_id)
    _advance_job(fake, job)
    return paginate(req, list(job["_checkpoints"]), default_limit=10)
