"""What every mirror's admin shares: read-only pages (the API is the truth), a status badge, the
raw remote object folded, actions that call the services, and buttons that run them on one row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models.base import RemoteObject, remote_kinds
from ..services.sync import refresh_remote
from .display import badge, folded_json
from .outcomes import FAILURES, reason

#: The mirror's own bookkeeping and the remote object: shown, never edited.
REMOTE_READONLY = (
    "client_alias",
    "openai_id",
    "status",
    "data",
    "remote_created_at",
    "synced_at",
    "poll_attempts",
    "last_error",
    "created",
    "updated",
)


class OperationsMixin(admin.ModelAdmin):
    """Actions that talk to the API, and buttons on the change page that run one on its row.

    ``object_actions`` names the actions offered as buttons; each is an ordinary admin action
    (``(request, queryset)``), run on a queryset of the one row. Running one needs the model's
    change permission (the pages themselves are read-only).
    """

    object_actions: ClassVar[tuple[str, ...]] = ()
    change_form_template = "django_openai/admin/change_form.html"
    change_list_template = "django_openai/admin/change_list.html"

    class Media:
        css = {"all": ("django_openai/admin.css",)}

    def may_act(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    has_act_permission = may_act  # the permission the actions ask for (permissions=["act"])

    def url_name(self, name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def admin_url(self, name: str, *args: Any) -> str:
        """A URL of this admin site, for a model of this app: ``admin_url("file_change", pk)``."""
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{name}", args=args)

    def own_url(self, name: str, *args: Any) -> str:
        """A URL of this model's admin: ``own_url("change", pk)``."""
        return reverse(f"{self.admin_site.name}:{self.url_name(name)}", args=args)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/do/<str:action>/", wrap(self.object_action_view), name=self.url_name("do")
            ),
            *self.extra_urls(wrap),
            *super().get_urls(),
        ]

    def extra_urls(self, wrap: Callable[[Any], Any]) -> list[URLPattern]:
        return []

    def object_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in self.object_actions or not self.may_act(request):
            raise PermissionDenied
        queryset = self.get_queryset(request).filter(pk=object_id)
        if not queryset.exists():
            return HttpResponseRedirect(self.own_url("changelist"))
        response = getattr(self, action)(request, queryset)
        return response or HttpResponseRedirect(self.own_url("change", object_id))

    def object_buttons(self, request: HttpRequest, obj: Any) -> list[dict[str, str]]:
        """The change page's buttons: forms that POST an action, and plain links (downloads)."""
        if obj is None or not self.may_act(request):
            return []
        return [
            {
                "label": str(getattr(getattr(self, name), "short_description", name)),
                "url": self.own_url("do", obj.pk, name),
                "method": "post",
            }
            for name in self.object_actions
            if self.offers(name, obj)
        ]

    def label(self, obj: Any) -> str:
        """How a row is named in a message."""
        return str(getattr(obj, "openai_id", None) or obj)

    def offers(self, action: str, obj: Any) -> bool:
        """Whether a button makes sense for this row (cancel on a finished batch does not)."""
        return True

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = {"object_buttons": self.object_buttons(request, obj), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def run_each(
        self,
        request: HttpRequest,
        queryset: models.QuerySet[Any],
        operation: Callable[[Any], Any],
        done: str,
    ) -> None:
        """Run an operation on each row; say what it did, and why any failed (no secrets)."""
        succeeded, failed = [], []
        for obj in queryset:
            try:
                operation(obj)
            except FAILURES as exc:
                failed.append(f"{self.label(obj)}: {reason(exc)}")
            else:
                succeeded.append(self.label(obj))
        if succeeded:
            self.message_user(request, f"{done}: {', '.join(succeeded)}.", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the admin shows and never adds nor edits (results, events, versions, usage): what
    changes them is the app's own verbs. Lists skip the full count, which reads the whole table."""

    show_full_result_count = False

    class Media:
        css = {"all": ("django_openai/admin.css",)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RemoteObjectAdmin(OperationsMixin):
    """The admin of a mirror; also the default page of a kind that has no admin of its own.

    Read-only: the remote object is the truth and the mirror follows it. Its status is a badge,
    the raw object is folded under the fields, and the list pages never count the whole table.
    """

    list_display: tuple[str, ...] = ("remote_id", "status_badge", "client_alias", "remote_created_at")
    list_filter: ClassVar[tuple[str, ...]] = ("status", "client_alias")
    search_fields: ClassVar[tuple[str, ...]] = ("openai_id",)
    readonly_fields: ClassVar[tuple[str, ...]] = REMOTE_READONLY
    show_full_result_count = False
    list_per_page = 50
    actions = ["refresh_from_api"]
    object_actions: ClassVar[tuple[str, ...]] = ("refresh_from_api",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A mirror row deleted here alone would come back with the next import.
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.fields:  # a kind's own admin lays out its page; the raw object comes last
            return [*self.fields, "remote_object"]
        own = ("data", "status", "openai_id", "status_badge", "remote_id", "remote_object")
        fields = [f for f in super().get_fields(request, obj) if f not in own]
        return ["status_badge", "remote_id", *fields, "remote_object"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.fields:
            return self.get_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), "status_badge", "remote_id", "remote_object"]

    @admin.display(description="remote id", ordering="openai_id")
    def remote_id(self, obj: RemoteObject) -> str:
        return obj.openai_id

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: RemoteObject) -> SafeString:
        return badge(obj.status)

    @admin.display(description="remote object")
    def remote_object(self, obj: RemoteObject) -> SafeString:
        return folded_json(obj.data, f"Show {obj.openai_id} as the API last gave it")

    @admin.action(description="Refresh from the API", permissions=["act"])
    def refresh_from_api(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        self.run_each(request, queryset, refresh_remote, "Refreshed")

    def extra_urls(self, wrap: Callable[[Any], Any]) -> list[URLPattern]:
        from .views import sync_view

        return [path("sync/", wrap(lambda request: sync_view(self, request)), name=self.url_name("sync"))]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {
            "sync_url": self.own_url("sync") if self.may_act(request) else "",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)


def link(url: str, text: str) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, text)


def register_remaining_kinds(site: admin.AdminSite, app_label: str) -> list[type[RemoteObject]]:
    """Give each mirror of ``app_label`` that has no admin yet the default one; return them.

    A new kind (a model module and nothing else) so gets its pages at once; a module of its own
    here can replace them with richer ones.
    """
    added = [
        model
        for model in remote_kinds()
        if model._meta.app_label == app_label and not site.is_registered(model)
    ]
    for model in added:
        site.register(model, RemoteObjectAdmin)
    return added
