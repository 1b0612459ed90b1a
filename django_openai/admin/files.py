"""Files and uploads: "Add file" is an upload form; a file leads on to a batch or a fine-tune."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from django.utils.safestring import SafeString

from ..client import APIError
from ..models import File, Upload
from ..services import files as services
from .base import OperationsMixin, RemoteObjectAdmin, link
from .display import badge, bytes_label, progress


@admin.register(File)
class FileAdmin(RemoteObjectAdmin):
    list_display = (
        "remote_id",
        "filename",
        "purpose",
        "size",
        "status_badge",
        "client_alias",
        "remote_created_at",
    )
    list_filter = ("purpose", "status", "client_alias")
    search_fields = ("openai_id", "filename")
    actions = ["refresh_from_api", "create_batch", "start_fine_tune", "delete_remotely"]
    object_actions = ("refresh_from_api", "create_batch", "start_fine_tune")
    fields = (
        "status_badge",
        "remote_id",
        "filename",
        "purpose",
        "size",
        "client_alias",
        "expires_at",
        "remote_created_at",
        "synced_at",
        "next_poll_at",
        "last_error",
        "owner",
        "download",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_act(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_act(request)

    @admin.display(description="size", ordering="bytes")
    def size(self, obj: File) -> str:
        return bytes_label(obj.bytes)

    @admin.display(description="content")
    def download(self, obj: File) -> SafeString:
        return link(self.admin_url("file_content", obj.pk), "Download from the API")

    def offers(self, action: str, obj: File) -> bool:
        return {"create_batch": obj.purpose == "batch", "start_fine_tune": obj.purpose == "fine-tune"}.get(
            action, True
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        from .views import upload_view

        return upload_view(self, request)

    def extra_urls(self, wrap: Callable[[Any], Any]) -> list[URLPattern]:
        return [
            *super().extra_urls(wrap),
            path("<path:object_id>/content/", wrap(self.content_view), name=self.url_name("content")),
        ]

    def content_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        from django.core.exceptions import PermissionDenied

        from ..downloads import file_download

        file = self.get_object(request, object_id)
        if file is None or not self.has_view_permission(request, file):
            raise PermissionDenied
        try:
            return file_download(request, file)
        except APIError as exc:
            self.message_user(request, f"{file.openai_id} could not be downloaded: {exc}", messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(self.admin_url("file_change", file.pk))

    def _one(
        self, request: HttpRequest, queryset: models.QuerySet[File], purpose: str, what: str
    ) -> File | None:
        files = list(queryset[:2])
        if len(files) != 1:
            self.message_user(request, f"Select exactly one file to {what}.", messages.WARNING)
            return None
        if files[0].purpose != purpose:
            self.message_user(
                request,
                f"{files[0].openai_id} has purpose {files[0].purpose!r}; "
                f"to {what}, choose a file of purpose {purpose!r}.",
                messages.ERROR,
            )
            return None
        return files[0]

    @admin.action(description="Create a batch from this JSONL file", permissions=["act"])
    def create_batch(self, request: HttpRequest, queryset: models.QuerySet[File]) -> HttpResponse | None:
        from .views import batch_for_file_view

        file = self._one(request, queryset, "batch", "create a batch")
        return batch_for_file_view(self, request, file) if file else None

    @admin.action(description="Start a fine-tune from this training file", permissions=["act"])
    def start_fine_tune(self, request: HttpRequest, queryset: models.QuerySet[File]) -> HttpResponse | None:
        from .views import fine_tune_view

        file = self._one(request, queryset, "fine-tune", "start a fine-tune")
        return fine_tune_view(self, request, file) if file else None

    @admin.action(description="Delete from the API and here", permissions=["act"])
    def delete_remotely(self, request: HttpRequest, queryset: models.QuerySet[File]) -> None:
        self.run_each(request, queryset, services.delete_file, "Deleted from the API and here")

    def delete_model(self, request: HttpRequest, obj: File) -> None:
        # Django's own delete (the confirmation page) deletes the remote file too: a mirror row
        # alone would come back with the next import.
        self.run_each(
            request, File.objects.filter(pk=obj.pk), services.delete_file, "Deleted from the API and here"
        )

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[File]) -> None:
        self.run_each(request, queryset, services.delete_file, "Deleted from the API and here")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Delete from the API and here" says what it does
        return actions


@admin.register(Upload)
class UploadAdmin(OperationsMixin):
    """Large files on their way: bytes sent of the total, and a failed one resumed."""

    list_display = ("filename", "purpose", "status_badge", "progress_column", "file_link", "owner", "updated")
    list_filter = ("status", "purpose")
    search_fields = ("filename", "openai_id")
    list_select_related = ("file", "owner")
    show_full_result_count = False
    list_per_page = 50
    actions = ["resume"]
    object_actions = ("resume",)
    fields = (
        "status_badge",
        "progress_bar",
        "filename",
        "purpose",
        "mime_type",
        "upload_id",
        "file_link",
        "error",
        "part_size",
        "parts_sent",
        "owner",
        "client_alias",
        "created",
        "updated",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def offers(self, action: str, obj: Upload) -> bool:
        return obj.can_resume

    def label(self, obj: Upload) -> str:
        return obj.filename

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Upload) -> SafeString:
        return badge(obj.status)

    @admin.display(description="progress")
    def progress_bar(self, obj: Upload) -> SafeString:
        return progress(obj.bytes_sent, obj.total_bytes, "bytes")

    @admin.display(description="progress")
    def progress_column(self, obj: Upload) -> SafeString:
        return progress(obj.bytes_sent, obj.total_bytes, compact=True)

    @admin.display(description="remote upload id")
    def upload_id(self, obj: Upload) -> str:
        return obj.openai_id or "—"

    @admin.display(description="parts sent")
    def parts_sent(self, obj: Upload) -> int:
        return len(obj.parts or {})

    @admin.display(description="file")
    def file_link(self, obj: Upload) -> SafeString | str:
        if obj.file is None:
            return "—"
        return link(self.admin_url("file_change", obj.file.pk), obj.file.openai_id)

    @admin.action(description="Resume the upload (only missing parts are sent)", permissions=["act"])
    def resume(self, request: HttpRequest, queryset: models.QuerySet[Upload]) -> None:
        self.run_each(request, queryset, services.retry_upload, "Queued again")
