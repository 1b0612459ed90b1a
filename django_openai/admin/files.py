from __future__ import annotations

from django.contrib import admin

from ..models import File, Upload
from .base import REMOTE_READONLY, RemoteObjectAdmin


@admin.register(File)
class FileAdmin(RemoteObjectAdmin):
    list_display = (
        "openai_id",
        "filename",
        "purpose",
        "bytes",
        "status",
        "client_alias",
        "remote_created_at",
    )
    list_filter = ("purpose", "status", "client_alias")
    search_fields = ("openai_id", "filename")
    readonly_fields = REMOTE_READONLY


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("filename", "purpose", "status", "bytes_sent", "total_bytes", "updated")
    readonly_fields = ("openai_id", "parts", "bytes_sent", "status", "file", "error")
