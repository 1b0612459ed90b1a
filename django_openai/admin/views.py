"""The admin's intermediate pages: forms an action leads to, and the sync confirmation.

Each page checks the model's change permission, renders ``django_openai/admin/form_page.html``
in the admin's frame, calls one service, and says what it did (or why it failed) in a message.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html

from ..downloads import batch_results_download
from ..models import Batch, File, FineTuningJob, GatewayKey, Upload
from ..services import batches as batch_services
from ..services import exports
from ..services import files as file_services
from ..services import fine_tuning as job_services
from ..services.gateway_keys import create_key
from ..services.sync import import_remote, sync_names
from .forms import (
    BatchOptionsForm,
    BatchUploadForm,
    FineTuneForm,
    GatewayKeyCreateForm,
    SyncForm,
    UploadForm,
)
from .outcomes import FAILURES, reason


def _url(model_admin: Any, model: Any, name: str, *args: Any) -> str:
    site = model_admin.admin_site.name
    return reverse(f"{site}:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def form_page(
    model_admin: ModelAdmin[Any],
    request: HttpRequest,
    *,
    title: str,
    form: Any,
    submit: str,
    intro: str = "",
    cancel_url: str,
    hidden: dict[str, Any] | None = None,
    multipart: bool = False,
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.opts,
        "form": form,
        "submit": submit,
        "intro": intro,
        "cancel_url": cancel_url,
        "hidden": hidden or {},
        "multipart": multipart,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "django_openai/admin/form_page.html", context)


def _require(model_admin: Any, request: HttpRequest) -> None:
    if not model_admin.may_act(request):
        raise PermissionDenied


# -- files --------------------------------------------------------------------------------------


def upload_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """ "Add file": an upload form; large files go to the background upload (progress on its page)."""
    _require(model_admin, request)
    form = UploadForm(request.POST or None, request.FILES or None, initial={"client_alias": "default"})
    if request.method == "POST" and form.is_valid():
        try:
            result = file_services.receive_file(
                form.cleaned_data["file"],
                form.cleaned_data["purpose"],
                client_alias=form.cleaned_data["client_alias"],
                owner=request.user,
            )
        except FAILURES as exc:
            messages.error(request, f"The file was not uploaded: {reason(exc)}")
        else:
            if isinstance(result, Upload):
                messages.success(
                    request,
                    f"{result.filename} ({result.total_bytes:,} bytes) is being sent in parts in the "
                    "background; its progress shows here.",
                )
                return HttpResponseRedirect(_url(model_admin, Upload, "change", result.pk))
            messages.success(request, f"Uploaded {result.filename} as {result.openai_id}.")
            return HttpResponseRedirect(_url(model_admin, File, "change", result.pk))
    return form_page(
        model_admin,
        request,
        title="Upload a file",
        form=form,
        submit="Upload",
        intro="The file is uploaded to the API and mirrored here.",
        cancel_url=_url(model_admin, File, "changelist"),
        multipart=True,
    )


def batch_for_file_view(model_admin: Any, request: HttpRequest, file: File) -> HttpResponse:
    """A batch on a JSONL file already uploaded: endpoint, completion window, metadata."""
    _require(model_admin, request)
    form = BatchOptionsForm(request.POST if "endpoint" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            batch = batch_services.create_batch_for_file(
                file,
                form.cleaned_data["endpoint"],
                completion_window=form.cleaned_data["completion_window"],
                metadata=form.cleaned_data["metadata"],
                owner=request.user,
            )
        except FAILURES as exc:
            messages.error(request, f"No batch was created: {reason(exc)}")
        else:
            messages.success(
                request, f"Batch {batch.openai_id} created from {file.openai_id}; it is {batch.status}."
            )
            return HttpResponseRedirect(_url(model_admin, Batch, "change", batch.pk))
    return form_page(
        model_admin,
        request,
        title=f"Create a batch from {file.filename or file.openai_id}",
        form=form,
        submit="Create the batch",
        intro=f"Every line of {file.openai_id} is checked first; a bad line is named and nothing is created.",
        cancel_url=_url(model_admin, File, "change", file.pk),
        hidden={"action": "create_batch", "_selected_action": file.pk},
    )


def batch_upload_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """ "Add batch": a JSONL file sent with the form, checked, uploaded and started."""
    _require(model_admin, request)
    form = BatchUploadForm(request.POST or None, request.FILES or None, initial={"client_alias": "default"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = batch_services.create_batch_from_file(
                data["file"],
                data["endpoint"],
                completion_window=data["completion_window"],
                metadata=data["metadata"],
                client_alias=data["client_alias"],
                owner=request.user,
            )
        except FAILURES as exc:
            messages.error(request, f"No batch was created: {reason(exc)}")
        else:
            messages.success(request, f"Batch {batch.openai_id} created; it is {batch.status}.")
            return HttpResponseRedirect(_url(model_admin, Batch, "change", batch.pk))
    return form_page(
        model_admin,
        request,
        title="Create a batch from a JSONL file",
        form=form,
        submit="Create the batch",
        intro="Every line is checked before anything is uploaded: a bad line is named, nothing is created.",
        cancel_url=_url(model_admin, Batch, "changelist"),
        multipart=True,
    )


def results_view(model_admin: Any, request: HttpRequest, object_id: str, fmt: str) -> HttpResponseBase:
    """A batch's stored results, streamed as JSONL or CSV."""
    batch = model_admin.get_object(request, object_id)
    if (
        batch is None
        or not model_admin.has_view_permission(request, batch)
        or fmt not in exports.EXPORT_FORMATS
    ):
        raise PermissionDenied
    return batch_results_download(request, batch, fmt)


# -- fine-tuning --------------------------------------------------------------------------------


def fine_tune_view(model_admin: Any, request: HttpRequest, training: File | None = None) -> HttpResponse:
    """Start a fine-tune: model, suffix, method and hyperparameters, validation file, seed."""
    _require(model_admin, request)
    bound = request.POST if "model" in request.POST else None
    initial = {"training_file": training.pk} if training else {}
    form = FineTuneForm(bound, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            job = job_services.start_job(
                data["training_file"],
                data["model"],
                validation_file=data["validation_file"],
                method=form.method_body(),
                suffix=data["suffix"] or None,
                seed=data["seed"],
                client_alias=data["training_file"].client_alias,
                owner=request.user,
            )
        except FAILURES as exc:
            messages.error(request, f"No fine-tuning job was started: {reason(exc)}")
        else:
            messages.success(
                request, f"Fine-tuning job {job.openai_id} started on {job.base_model}; it is {job.status}."
            )
            return HttpResponseRedirect(_url(model_admin, FineTuningJob, "change", job.pk))
    hidden = {"action": "start_fine_tune", "_selected_action": training.pk} if training else {}
    return form_page(
        model_admin,
        request,
        title="Start a fine-tuning job",
        form=form,
        submit="Start fine-tuning",
        intro="Leave a hyperparameter blank for the API's automatic choice.",
        cancel_url=_url(model_admin, File, "change", training.pk)
        if training
        else _url(model_admin, FineTuningJob, "changelist"),
        hidden=hidden,
    )


# -- every kind ---------------------------------------------------------------------------------


def sync_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """Import what exists remotely, after a confirmation page (it lists every object of each kind)."""
    _require(model_admin, request)
    kinds = sync_names()
    form = SyncForm(request.POST or None, kinds=kinds, initial={"client_alias": "default"})
    if request.method == "POST" and form.is_valid():
        try:
            counts = import_remote(form.cleaned_data["kinds"], client_alias=form.cleaned_data["client_alias"])
        except FAILURES as exc:
            messages.error(request, f"The import stopped: {reason(exc)}. What was imported before stays.")
        else:
            said = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items())
            messages.success(request, f"Imported from the API: {said}.")
            return HttpResponseRedirect(_url(model_admin, model_admin.model, "changelist"))
    return form_page(
        model_admin,
        request,
        title="Sync from the API",
        form=form,
        submit="Yes, import them",
        intro=format_html(
            "{}<br>{}",
            "Every remote object of the kinds chosen is fetched and stored or updated here.",
            "Unfinished ones are then followed by the poller. This lists everything: it may take a while.",
        ),
        cancel_url=_url(model_admin, model_admin.model, "changelist"),
    )


# -- gateway keys -------------------------------------------------------------------------------

#: The session's list of key forms not yet sent (their one-time tokens).
_KEY_FORMS = "django_openai.key_forms"


def key_create_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """A new gateway key: the form, then a page that shows the secret once.

    The secret is in that one response and nowhere else: not in the session, not behind a
    redirect, and the page is not cached. Each form carries a one-time token, so that a reload of
    the page (the browser sending the form again) makes no second key."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = GatewayKeyCreateForm(request.POST or None, initial={"owner": request.user.get_username()})
    if request.method == "POST":
        token = request.POST.get("form_token", "")
        pending = request.session.get(_KEY_FORMS, [])
        if token not in pending:
            messages.warning(
                request,
                "This form was already sent and its key created; a secret is shown only once. "
                "Revoke that key if its secret was not copied, and create another.",
            )
            return HttpResponseRedirect(_url(model_admin, GatewayKey, "changelist"))
        if form.is_valid():
            request.session[_KEY_FORMS] = [t for t in pending if t != token]
            data = form.cleaned_data
            row, secret = create_key(
                data["owner"],
                name=data["name"],
                models=data["allowed_models"],
                expires_at=data["expires_at"],
                requests_per_minute=data["requests_per_minute"],
                tokens_per_minute=data["tokens_per_minute"],
                monthly_token_budget=data["monthly_token_budget"],
                monthly_cost_budget=data["monthly_cost_budget"],
            )
            model_admin.log_addition(request, row, [{"added": {}}])
            return _key_created_page(model_admin, request, row, secret)
    else:
        token = secrets.token_urlsafe(16)
        # A few forms may be open at once (tabs); the oldest tokens are dropped.
        request.session[_KEY_FORMS] = [*request.session.get(_KEY_FORMS, [])[-9:], token]
    return form_page(
        model_admin,
        request,
        title="Create a gateway key",
        form=form,
        submit="Create the key",
        intro="The key is shown once, on the next page: copy it then. Only its hash is kept.",
        cancel_url=_url(model_admin, GatewayKey, "changelist"),
        hidden={"form_token": token},
    )


def _key_created_page(model_admin: Any, request: HttpRequest, row: GatewayKey, secret: str) -> HttpResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Copy the new key now",
        "opts": model_admin.opts,
        "key": row,
        "secret": secret,
        "base_url": request.build_absolute_uri("/v1"),
        "key_url": _url(model_admin, GatewayKey, "change", row.pk),
        "keys_url": _url(model_admin, GatewayKey, "changelist"),
        "media": model_admin.media,
    }
    response = TemplateResponse(request, "django_openai/admin/key_created.html", context)
    add_never_cache_headers(response)  # no-store: the page holds the secret
    return response
