from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from ..conf import app_settings
from ..schedules import INGEST_TASK
from ..signals import batch_completed, batch_failed
from .base import RemoteObject
from .files import File
from .kinds import FollowUp, RemoteKind
from .verbs import ServiceFunction, ServiceMethod

if TYPE_CHECKING:  # the verbs' types only: models never import services at run time
    from ..services import batches as services
    from ..services._common import async_twin

_SERVICES = "django_openai.services.batches."


class BatchManager(models.Manager["Batch"]):
    """``Batch.objects``: a manager, and the service functions that start batches."""

    if TYPE_CHECKING:
        create_from_requests = staticmethod(services.create_batch_from_requests)
        create_from_file = staticmethod(services.create_batch_from_file)
        acreate_from_requests = staticmethod(async_twin(services.create_batch_from_requests))
        acreate_from_file = staticmethod(async_twin(services.create_batch_from_file))
    else:
        create_from_requests = ServiceFunction(_SERVICES + "create_batch_from_requests")
        create_from_file = ServiceFunction(_SERVICES + "create_batch_from_file")
        acreate_from_requests = ServiceFunction(_SERVICES + "acreate_batch_from_requests")
        acreate_from_file = ServiceFunction(_SERVICES + "acreate_batch_from_file")


class Batch(RemoteObject):
    """A Batch API job and, once finished, its results as :class:`BatchItem` rows."""

    endpoint = models.CharField(max_length=64)
    completion_window = models.CharField(max_length=16, default="24h")
    model = models.CharField(max_length=255, blank=True)
    input_file = models.ForeignKey(File, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    output_file = models.ForeignKey(File, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error_file = models.ForeignKey(File, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    metadata = models.JSONField(default=dict, blank=True)
    request_total = models.PositiveIntegerField(default=0)
    request_completed = models.PositiveIntegerField(default=0)
    request_failed = models.PositiveIntegerField(default=0)
    in_progress_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    finalizing_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    cancelling_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    #: Set once every output and error line is stored as a BatchItem or recorded as a problem.
    results_ingested_at = models.DateTimeField(null=True, blank=True)
    #: What the ingestion read (non-blank lines of both files) and stored, and how many
    #: BatchResultProblem rows it recorded: lines it could not store, counts that do not add up.
    results_read = models.PositiveIntegerField(default=0)
    results_stored = models.PositiveIntegerField(default=0)
    results_problem_count = models.PositiveIntegerField(default=0)

    remote_kind = RemoteKind(
        resource="batches",
        statuses={
            "validating": 0,
            "in_progress": 1,
            "finalizing": 2,
            "cancelling": 2,
            "completed": 3,
            "failed": 3,
            "expired": 3,
            "cancelled": 3,
        },
        terminal=frozenset({"completed", "failed", "expired", "cancelled"}),
        webhook_events=("batch.",),
        # Sent once ingestion has stored the results, or by on_terminal when there are none to store.
        signals={
            "completed": batch_completed,
            "failed": batch_failed,
            "expired": batch_failed,
            "cancelled": batch_failed,
        },
        on_terminal="django_openai.services.batches.finish_without_results",
        sync_name="batches",
        list_params={"limit": 100},
        follow_up=FollowUp(
            name="ingest", task=INGEST_TASK, lease=lambda: app_settings.BATCH_INGEST_LEASE_SECONDS
        ),
    )
    TIMESTAMP_FIELDS = (
        "in_progress_at",
        "expires_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
    )

    objects = BatchManager()

    class Meta(RemoteObject.Meta):
        verbose_name_plural = "batches"
        constraints = RemoteObject.Meta.constraints

    def copy_columns(self, remote: dict[str, Any]) -> None:
        counts = remote.get("request_counts") or {}
        self.request_total = counts.get("total", self.request_total) or 0
        self.request_completed = counts.get("completed", self.request_completed) or 0
        self.request_failed = counts.get("failed", self.request_failed) or 0
        self.endpoint = remote.get("endpoint") or self.endpoint
        self.model = remote.get("model") or self.model
        self.metadata = remote.get("metadata") or self.metadata or {}

    @property
    def progress(self) -> float:
        done = self.request_completed + self.request_failed
        return done / self.request_total if self.request_total else 0.0

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(((self.data or {}).get("errors") or {}).get("data") or [])

    @property
    def ingested_with_errors(self) -> bool:
        return self.results_ingested_at is not None and self.results_problem_count > 0

    @property
    def needs_ingestion(self) -> bool:
        return (
            self.is_terminal
            and self.results_ingested_at is None
            and bool((self.data or {}).get("output_file_id") or (self.data or {}).get("error_file_id"))
        )

    @property
    def needs_follow_up(self) -> bool:
        return self.needs_ingestion

    # Verbs that talk to the API: the service functions themselves (docs/architecture.md, "Verbs").
    if TYPE_CHECKING:
        refresh = services.refresh_batch
        cancel = services.cancel_batch
        arefresh = async_twin(services.refresh_batch)
        acancel = async_twin(services.cancel_batch)
    else:
        refresh = ServiceMethod(_SERVICES + "refresh_batch")
        cancel = ServiceMethod(_SERVICES + "cancel_batch")
        arefresh = ServiceMethod(_SERVICES + "arefresh_batch")
        acancel = ServiceMethod(_SERVICES + "acancel_batch")

    def results(self) -> Iterator[BatchItem]:
        """The stored results, in input order of custom_id lines as they were ingested."""
        return self.items.order_by("pk").iterator(chunk_size=2000)


#: A result that succeeded: status 200 and no error. Its negation is what the API lists as
#: ``failed``, which a partial index keeps in order for each batch (``django_openai_batchitem_failed``).
SUCCEEDED = Q(status_code=200, error__isnull=True)


class BatchItem(models.Model):
    """One request of a batch and its result."""

    # No index of its own: the unique (batch, custom_id) index serves lookups by batch, and one
    # index fewer to maintain speeds up ingestion (measured in bench/batch_scale.py).
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items", db_index=False)
    custom_id = models.CharField(max_length=512)
    request_body = models.JSONField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "custom_id"], name="django_openai_batchitem_unique")
        ]
        indexes = [
            # A batch's failures, in order: a page of them is found in constant time however few
            # they are among 50,000 results (the pk's index alone would walk all the successes).
            # Partial, so that ingesting the successes, most rows, does not maintain it.
            models.Index(fields=["batch", "id"], condition=~SUCCEEDED, name="django_openai_batchitem_failed")
        ]

    def __str__(self) -> str:
        return f"{self.custom_id}: {self.status_code}"

    @property
    def succeeded(self) -> bool:
        return self.status_code == 200 and not self.error


class BatchResultProblem(models.Model):
    """What ingestion could not store as a :class:`BatchItem`, kept so that nothing read vanishes.

    A line of the output or error file that is not JSON, not an object, has no ``custom_id`` or
    repeats one, or holds a value its column cannot take; or, with ``line`` 0, a count that does
    not add up (results stored against ``request_counts``). See docs/batches.md.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="result_problems")
    #: The remote file the line is in; blank for a problem of the batch as a whole.
    file_id = models.CharField(max_length=255, blank=True)
    #: 1-based line number in that file; 0 when the problem is not one line's.
    line = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=32)
    custom_id = models.CharField(max_length=512, blank=True)
    message = models.TextField()
    #: The start of the line as read.
    excerpt = models.TextField(blank=True)
    #: The line whole, when it was a JSON object (a repeated custom_id's result is kept here).
    line_data = models.JSONField(null=True, blank=True)

    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_CUSTOM_ID = "missing_custom_id"
    DUPLICATE_CUSTOM_ID = "duplicate_custom_id"
    INVALID_LINE = "invalid_line"
    COUNT_MISMATCH = "count_mismatch"

    class Meta:
        ordering = ["pk"]
        constraints = [
            # A rerun (or a run racing another) records the same problem once.
            models.UniqueConstraint(
                fields=["batch", "file_id", "line", "kind"], name="django_openai_batchresultproblem_unique"
            )
        ]

    def __str__(self) -> str:
        where = f"{self.file_id} line {self.line}" if self.line else (self.file_id or "batch")
        return f"{where}: {self.kind}"
