"""Batches: progress, results linked (never rendered whole), problems capped, downloads streamed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..models import Batch, BatchItem, BatchResultProblem
from ..services import batches as services
from .base import ReadOnlyAdmin, RemoteObjectAdmin, link
from .display import folded_json, progress

#: How many results and problems the batch page shows; the rest are a link away.
PREVIEW = 10


class ResultFilter(admin.SimpleListFilter):
    title = "ingestion"
    parameter_name = "ingestion"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "Not yet stored"), ("problems", "Stored with problems"), ("clean", "Stored")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[Batch]) -> models.QuerySet[Batch]:
        wanted = self.value()
        if wanted == "pending":
            return queryset.filter(results_ingested_at__isnull=True)
        if wanted == "problems":
            return queryset.filter(results_ingested_at__isnull=False, results_problem_count__gt=0)
        if wanted == "clean":
            return queryset.filter(results_ingested_at__isnull=False, results_problem_count=0)
        return queryset


@admin.register(Batch)
class BatchAdmin(RemoteObjectAdmin):
    list_display = (
        "remote_id",
        "endpoint",
        "status_badge",
        "progress_column",
        "results_column",
        "remote_created_at",
    )
    list_filter = ("status", ResultFilter, "endpoint", "client_alias")  # type: ignore[assignment]
    search_fields = ("openai_id",)
    actions = ["refresh_from_api", "cancel", "retry_ingestion", "download_jsonl", "download_csv"]
    object_actions = ("refresh_from_api", "cancel", "retry_ingestion")
    fields = (
        "status_badge",
        "progress_bar",
        "remote_id",
        "endpoint",
        "model",
        "completion_window",
        "metadata",
        "input_file_link",
        "output_file_link",
        "error_file_link",
        "results",
        "problems",
        "results_ingested_at",
        "results_read",
        "results_stored",
        "results_problem_count",
        "remote_created_at",
        "in_progress_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelled_at",
        "expires_at",
        "synced_at",
        "next_poll_at",
        "poll_attempts",
        "last_error",
        "owner",
        "client_alias",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_act(request)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        from .views import batch_upload_view

        return batch_upload_view(self, request)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Batch]:
        return (
            super().get_queryset(request).select_related("input_file", "output_file", "error_file", "owner")
        )

    def offers(self, action: str, obj: Batch) -> bool:
        if action == "cancel":
            return obj.status in ("validating", "in_progress", "finalizing")
        if action == "retry_ingestion":
            return obj.is_terminal and (obj.results_ingested_at is None or obj.results_problem_count > 0)
        return True

    def object_buttons(self, request: HttpRequest, obj: Any) -> list[dict[str, str]]:
        buttons = super().object_buttons(request, obj)
        if obj is not None and (obj.results_ingested_at or obj.results_stored):
            for fmt, label in (("jsonl", "Download JSONL"), ("csv", "Download CSV")):
                buttons.append({"label": label, "url": self.results_url(obj, fmt), "method": "get"})
        return buttons

    def results_url(self, obj: Batch, fmt: str) -> str:
        return self.admin_url("batch_results", obj.pk, fmt)

    def extra_urls(self, wrap: Callable[[Any], Any]) -> list[URLPattern]:
        from .views import results_view

        return [
            *super().extra_urls(wrap),
            path(
                "<path:object_id>/results.<str:fmt>",
                wrap(lambda request, object_id, fmt: results_view(self, request, object_id, fmt)),
                name=self.url_name("results"),
            ),
        ]

    # -- columns and fields -------------------------------------------------------------------

    @admin.display(description="progress")
    def progress_bar(self, obj: Batch) -> SafeString:
        return progress(obj.request_completed + obj.request_failed, obj.request_total, "requests")

    @admin.display(description="progress")
    def progress_column(self, obj: Batch) -> SafeString:
        return progress(obj.request_completed + obj.request_failed, obj.request_total, compact=True)

    @admin.display(description="results", ordering="results_stored")
    def results_column(self, obj: Batch) -> SafeString | str:
        if obj.results_ingested_at is None:
            return "—"
        if obj.results_problem_count:
            return format_html(
                "{} stored, {} problem(s)", f"{obj.results_stored:,}", obj.results_problem_count
            )
        return f"{obj.results_stored:,} stored"

    def _file(self, file: Any) -> SafeString | str:
        if file is None:
            return "—"
        return link(self.admin_url("file_change", file.pk), file.openai_id)

    @admin.display(description="input file")
    def input_file_link(self, obj: Batch) -> SafeString | str:
        return self._file(obj.input_file)

    @admin.display(description="output file")
    def output_file_link(self, obj: Batch) -> SafeString | str:
        return self._file(obj.output_file)

    @admin.display(description="error file")
    def error_file_link(self, obj: Batch) -> SafeString | str:
        return self._file(obj.error_file)

    @admin.display(description="results")
    def results(self, obj: Batch) -> SafeString:
        """The first results and a link to all of them: the page never grows with the batch."""
        items = list(
            BatchItem.objects.filter(batch_id=obj.pk)
            .order_by("pk")
            .values_list("pk", "custom_id", "status_code", "error")[:PREVIEW]
        )
        if not items:
            return format_html('<span class="djoai-muted">{}</span>', "No results stored yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    link(self.admin_url("batchitem_change", pk), custom_id),
                    status_code if status_code is not None else "—",
                    (error or {}).get("message", "") if isinstance(error, dict) else (error or ""),
                )
                for pk, custom_id, status_code, error in items
            ),
        )
        everything = self.admin_url("batchitem_changelist") + f"?batch__id__exact={obj.pk}"
        failed = everything + "&result=failed"
        return format_html(
            '<table class="djoai-table"><tr><th>custom_id</th><th>status</th><th>error</th></tr>{}</table>'
            "<p>{} · {} · {} · {}</p>",
            rows,
            link(everything, f"All {obj.results_stored or obj.request_total:,} results"),
            link(failed, "Failed ones"),
            link(self.results_url(obj, "jsonl"), "Download JSONL"),
            link(self.results_url(obj, "csv"), "Download CSV"),
        )

    @admin.display(description="result problems")
    def problems(self, obj: Batch) -> SafeString:
        """What ingestion could not store, capped: the first few, and a link to every one."""
        if not obj.results_problem_count:
            return format_html('<span class="djoai-muted">{}</span>', "None.")
        shown = BatchResultProblem.objects.filter(batch_id=obj.pk).order_by("pk")[:PREVIEW]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((p.file_id or "—", p.line or "—", p.kind, p.message) for p in shown),
        )
        everything = self.admin_url("batchresultproblem_changelist") + f"?batch__id__exact={obj.pk}"
        return format_html(
            '<table class="djoai-table"><tr><th>file</th><th>line</th><th>kind</th><th>message</th></tr>'
            "{}</table><p>{}</p>",
            rows,
            link(everything, f"All {obj.results_problem_count:,} problems"),
        )

    # -- actions -----------------------------------------------------------------------------

    @admin.action(description="Cancel", permissions=["act"])
    def cancel(self, request: HttpRequest, queryset: models.QuerySet[Batch]) -> None:
        self.run_each(request, queryset, services.cancel_batch, "Cancel requested")

    @admin.action(description="Retry the ingestion of results", permissions=["act"])
    def retry_ingestion(self, request: HttpRequest, queryset: models.QuerySet[Batch]) -> None:
        self.run_each(request, queryset, services.retry_ingestion, "Ingestion queued")

    def _download(
        self, request: HttpRequest, queryset: models.QuerySet[Batch], fmt: str
    ) -> HttpResponse | None:
        batches = list(queryset[:2])
        if len(batches) != 1:
            self.message_user(request, "Select exactly one batch to download its results.", messages.WARNING)
            return None
        return HttpResponseRedirect(self.results_url(batches[0], fmt))

    @admin.action(description="Download results as JSONL")
    def download_jsonl(self, request: HttpRequest, queryset: models.QuerySet[Batch]) -> HttpResponse | None:
        return self._download(request, queryset, "jsonl")

    @admin.action(description="Download results as CSV")
    def download_csv(self, request: HttpRequest, queryset: models.QuerySet[Batch]) -> HttpResponse | None:
        return self._download(request, queryset, "csv")


class ItemResultFilter(admin.SimpleListFilter):
    title = "result"
    parameter_name = "result"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("succeeded", "Succeeded"), ("failed", "Failed")]

    def queryset(
        self, request: HttpRequest, queryset: models.QuerySet[BatchItem]
    ) -> models.QuerySet[BatchItem]:
        succeeded = models.Q(status_code=200, error__isnull=True)
        if self.value() == "succeeded":
            return queryset.filter(succeeded)
        if self.value() == "failed":
            return queryset.exclude(succeeded)
        return queryset


@admin.register(BatchItem)
class BatchItemAdmin(ReadOnlyAdmin):
    """One batch's results (``?batch__id__exact=``), paged; a batch's page links here."""

    list_display = ("custom_id", "batch", "status_code", "request_id")
    # Not the status codes as a filter: listing them reads every row of every batch.
    list_filter = (ItemResultFilter,)
    ordering = ("pk",)  # the order results were stored in
    search_fields = ("custom_id", "=batch__openai_id")
    list_select_related = ("batch",)
    list_per_page = 100
    fields = ("batch", "custom_id", "status_code", "request_id", "request", "response", "error_json")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[BatchItem]:
        # The list shows none of the bodies: they are read only on an item's own page.
        return super().get_queryset(request).defer("request_body", "response_body")

    @admin.display(description="request body")
    def request(self, obj: BatchItem) -> SafeString:
        return folded_json(obj.request_body, "Show the request")

    @admin.display(description="response body")
    def response(self, obj: BatchItem) -> SafeString:
        return folded_json(obj.response_body, "Show the response")

    @admin.display(description="error")
    def error_json(self, obj: BatchItem) -> SafeString:
        return folded_json(obj.error, "Show the error")


@admin.register(BatchResultProblem)
class BatchResultProblemAdmin(ReadOnlyAdmin):
    """What ingestion could not store, or counts that do not add up: nothing read vanishes."""

    list_display = ("batch", "file_id", "line", "kind", "custom_id", "message")
    list_filter = ("kind",)
    search_fields = ("=batch__openai_id", "custom_id")
    list_select_related = ("batch",)
    fields = ("batch", "file_id", "line", "kind", "custom_id", "message", "excerpt", "line_data")
    readonly_fields = fields
