"""Fine-tuning jobs: validated training files, then queued, running (loss per step, a checkpoint
each epoch), succeeded with a model; cancel, pause and resume. They move with the fake's clock.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..content import digest
from ..routing import Route
from ..state import FakeState
from ..usage import count_tokens
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public
from .files import file_bytes, get_file, store_file

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


def _job(state: FakeState, job_id: str) -> dict[str, Any]:
    try:
        return state.jobs[job_id]
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


def create_job(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    for name in ("model", "training_file"):
        if not body.get(name):
            raise FakeError(400, f"Missing required parameter: '{name}'.", param=name)
    if body["model"] not in FINE_TUNABLE and body["model"] not in state.fine_tuned_models:
        raise FakeError(
            400,
            f"Model {body['model']} is not available for fine-tuning or does not exist.",
            param="model",
            code="model_not_available",
        )
    for param in ("training_file", "validation_file"):
        if body.get(param):
            file = get_file(state, body[param], param)
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
        "id": state.new_id("ftjob-"),
        "object": "fine_tuning.job",
        "created_at": state.now(),
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
        "_start": state.clock.now(),
    }
    state.jobs[job["id"]] = job
    _event(state, job, job["created_at"], f"Created fine-tuning job: {job['id']}")
    return FakeResponse.json(job_view(state, job))


def _event(
    state: FakeState, job: dict[str, Any], at: float, message: str, data: Any = None, kind: str = "message"
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


def job_view(state: FakeState, job: dict[str, Any]) -> dict[str, Any]:
    _advance_job(state, job)
    return public(job)


def _advance_job(state: FakeState, job: dict[str, Any]) -> None:
    if job["status"] in JOB_TERMINAL:
        return
    now = (job["_paused_at"] if job["_paused_at"] is not None else state.clock.now()) - job["_paused"]
    start = job["_start"]
    if job["status"] == "validating_files" and now >= start + VALIDATING_FILES_SECONDS:
        examples, tokens, error = validate_training_file(file_bytes(state, job["training_file"]))
        _event(state, job, start + 1, "Validating training file: " + job["training_file"])
        if error:
            job.update(
                status="failed",
                finished_at=int(start + VALIDATING_FILES_SECONDS),
                error={"code": "invalid_training_file", "message": error, "param": "training_file"},
            )
            _event(state, job, start + VALIDATING_FILES_SECONDS, error)
            state.notify("fine_tuning.job.failed", job["id"])
            return
        job["_steps"] = examples * job["hyperparameters"]["n_epochs"]
        job["_examples"] = examples
        job["_tokens"] = tokens * job["hyperparameters"]["n_epochs"]
        job["status"] = "queued"
        job["estimated_finish"] = int(
            start + VALIDATING_FILES_SECONDS + QUEUED_SECONDS + job["_steps"] * STEP_SECONDS
        )
        _event(state, job, start + VALIDATING_FILES_SECONDS, "Files validated, moving job to queued state")
    running_at = start + VALIDATING_FILES_SECONDS + QUEUED_SECONDS
    if job["status"] == "queued" and now >= running_at:
        job["status"] = "running"
        _event(state, job, running_at, "Fine-tuning job started")
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
            _event(state, job, at, f"Step {step}/{job['_steps']}: training loss={train}", metrics, "metrics")
            if step % job["_examples"] == 0:
                _checkpoint(job, step, at, metrics)
        job["_step"] = reached
        if reached >= job["_steps"]:
            _succeed(state, job, running_at + job["_steps"] * STEP_SECONDS)


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


def _succeed(state: FakeState, job: dict[str, Any], at: float) -> None:
    rows = ["step,train_loss,train_accuracy,valid_loss"]
    rows += [
        ",".join(
            str(e["data"][key] if e["data"][key] is not None else "")
            for key in ("step", "train_loss", "train_mean_token_accuracy", "valid_loss")
        )
        for e in job["_events"]
        if e["type"] == "metrics"
    ]
    result = store_file(state, "step_metrics.csv", ("\n".join(rows) + "\n").encode(), "fine-tune-results")
    model = _model_name(job)
    job.update(
        status="succeeded",
        finished_at=int(at),
        fine_tuned_model=model,
        result_files=[result["id"]],
        trained_tokens=job["_tokens"],
    )
    state.fine_tuned_models[model] = {
        "id": model,
        "object": "model",
        "created": int(at),
        "owned_by": "fake-org",
    }
    _event(state, job, at, "The job has successfully completed")
    state.notify("fine_tuning.job.succeeded", job["id"])


def retrieve_job(state: FakeState, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    return FakeResponse.json(job_view(state, _job(state, fine_tuning_job_id)))


def list_jobs(state: FakeState, req: FakeRequest) -> FakeResponse:
    return paginate(req, [job_view(state, j) for j in state.jobs.values()])


def cancel_job(state: FakeState, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(state, fine_tuning_job_id)
    _advance_job(state, job)
    if job["status"] in JOB_TERMINAL:
        raise FakeError(400, f"Job {job['id']} is already {job['status']} and cannot be cancelled.")
    job.update(status="cancelled", finished_at=state.now())
    _event(state, job, state.now(), "Fine-tuning job cancelled")
    state.notify("fine_tuning.job.cancelled", job["id"])
    return FakeResponse.json(job_view(state, job))


def pause_job(state: FakeState, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(state, fine_tuning_job_id)
    _advance_job(state, job)
    if job["status"] != "running":
        raise FakeError(400, f"Only a running job can be paused; job {job['id']} is {job['status']}.")
    job["status"] = "paused"
    job["_paused_at"] = state.clock.now()
    _event(state, job, state.now(), "Fine-tuning job paused")
    return FakeResponse.json(job_view(state, job))


def resume_job(state: FakeState, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(state, fine_tuning_job_id)
    if job["status"] != "paused":
        raise FakeError(400, f"Only a paused job can be resumed; job {job['id']} is {job['status']}.")
    job["_paused"] += state.clock.now() - job["_paused_at"]
    job["_paused_at"] = None
    job["status"] = "running"
    _event(state, job, state.now(), "Fine-tuning job resumed")
    return FakeResponse.json(job_view(state, job))


def list_job_events(state: FakeState, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(state, fine_tuning_job_id)
    _advance_job(state, job)
    return paginate(req, list(job["_events"]))


def list_checkpoints(state: FakeState, req: FakeRequest, fine_tuning_job_id: str) -> FakeResponse:
    job = _job(state, fine_tuning_job_id)
    _advance_job(state, job)
    return paginate(req, list(job["_checkpoints"]), default_limit=10)


ROUTES: list[Route] = [
    ("POST", "/fine_tuning/jobs", create_job),
    ("GET", "/fine_tuning/jobs", list_jobs),
    ("GET", "/fine_tuning/jobs/{fine_tuning_job_id}", retrieve_job),
    ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/cancel", cancel_job),
    ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/pause", pause_job),
    ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/resume", resume_job),
    ("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/events", list_job_events),
    ("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints", list_checkpoints),
]
