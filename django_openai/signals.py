"""Signals sent when mirrored objects change (after the change is committed).

``status_changed(sender=<model class>, instance, old, new)`` for every status change, and the
specific ones below. Receivers run in the process that saw the change: a Celery worker, usually.
"""

from django.dispatch import Signal

status_changed = Signal()
#: A batch finished and its results were ingested (see ``instance.results_problem_count``).
batch_completed = Signal()
#: A batch failed, expired or was cancelled (results of what ran are stored).
batch_failed = Signal()
#: Sent before batch_completed / batch_failed when ingestion recorded problems: lines it could
#: not store, or results that do not add up to the batch's request counts (BatchResultProblem).
batch_ingested_with_errors = Signal()
fine_tuning_job_succeeded = Signal()
fine_tuning_job_failed = Signal()
file_processed = Signal()
#: A run of a thread was claimed and begins (``instance`` is the Run).
run_started = Signal()
#: A run ended completed: its items are stored, ``instance.usage`` and ``instance.parsed`` are set.
run_completed = Signal()
#: A run ended otherwise: ``instance.status`` is "failed", "incomplete" or "cancelled", and
#: ``instance.error`` says why.
run_failed = Signal()
#: A function tool ran during a run: ``instance`` (the Run), ``call_id``, ``name``, ``arguments``,
#: ``output`` (what the model reads) and ``error`` (empty unless the tool failed).
tool_called = Signal()
