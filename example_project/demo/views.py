"""The demo: a chat on threads (answers streamed, tools shown as they run), the gateway with a
key of one's own, and a batch that runs in the background."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from django_openai.client import APIError
from django_openai.models import Assistant, Batch, GatewayKey, Thread, ThreadItem
from django_openai.services.gateway_keys import create_key, revoke_key
from django_openai.services.run_log import active_run

from . import markdown


class NewThreadForm(forms.Form):
    assistant = forms.ModelChoiceField(queryset=Assistant.objects.order_by("name"), empty_label=None)


@login_required
def threads(request: HttpRequest) -> HttpResponse:
    """The user's threads, newest first, and a form to start one with a chosen assistant."""
    mine = Thread.objects.filter(owner=request.user, archived=False).select_related("assistant")
    context = {"threads": mine.order_by("-updated")[:50], "form": NewThreadForm()}
    return render(request, "demo/threads.html", context)


@login_required
@require_POST
def new_thread(request: HttpRequest) -> HttpResponse:
    form = NewThreadForm(request.POST)
    if not form.is_valid():
        mine = Thread.objects.filter(owner=request.user, archived=False).order_by("-updated")[:50]
        return render(request, "demo/threads.html", {"threads": mine, "form": form}, status=400)
    thread = Thread.objects.create(owner=request.user, assistant=form.cleaned_data["assistant"])
    return redirect("thread", thread_id=thread.pk)


def transcript(items: list[ThreadItem]) -> list[dict[str, Any]]:
    """A thread's items as the page shows them: messages, and each tool call with its output."""
    outputs = {item.call_id: item for item in items if item.type == "function_call_output"}
    entries: list[dict[str, Any]] = []
    for item in items:
        if item.type == "message" and item.role in ("user", "assistant"):
            entries.append(
                {
                    "kind": "message",
                    "role": item.role,
                    "html": markdown.render(item.text),
                    "text": item.text,
                    "incomplete": item.status == "incomplete",
                    "position": item.position,
                }
            )
        elif item.type == "function_call":
            output = outputs.get(item.call_id)
            entries.append(
                {
                    "kind": "tool",
                    "name": item.name,
                    "call_id": item.call_id,
                    "arguments": item.content.get("arguments", ""),
                    "output": output.text if output else "",
                    "error": output.error if output else "",
                }
            )
    return entries


@login_required
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """One thread: its transcript rendered here, new answers streamed by static/demo/chat.js."""
    chat = get_object_or_404(Thread.objects.select_related("assistant"), pk=thread_id, owner=request.user)
    items = chat.items.order_by("position")
    running = active_run(chat)
    if running is not None:
        # The page follows that run from its first event: its items come with the stream.
        items = items.exclude(run=running)
    context = {
        "thread": chat,
        "running": running,
        "entries": transcript(list(items)),
        "threads": Thread.objects.filter(owner=request.user, archived=False).order_by("-updated")[:30],
    }
    return render(request, "demo/thread.html", context)


class KeyForm(forms.Form):
    name = forms.CharField(max_length=100, initial="demo", required=False)


@login_required
@require_http_methods(["GET", "POST"])
def gateway(request: HttpRequest) -> HttpResponse:
    """The gateway at /v1/: a key of one's own (shown once), and snippets that use it."""
    new_key = ""
    form = KeyForm(request.POST or None)
    if request.method == "POST" and "revoke" in request.POST:
        wanted = request.POST["revoke"]
        if not wanted.isdecimal():  # a key's id; anything else would fail in the query
            raise Http404
        key = get_object_or_404(GatewayKey, pk=int(wanted), user=request.user)
        revoke_key(key)
        return redirect("gateway")
    if request.method == "POST" and form.is_valid():
        _, new_key = create_key(request.user, name=form.cleaned_data["name"] or "demo")
    keys = GatewayKey.objects.filter(user=request.user).order_by("-pk")[:20]
    context = {
        "form": form,
        "new_key": new_key,
        "keys": keys,
        "base_url": request.build_absolute_uri("/v1"),
        "shown_key": new_key or "YOUR_KEY",
        "model": settings.DEMO_MODEL,
    }
    response = render(request, "demo/gateway.html", context)
    response["Cache-Control"] = "no-store"  # the page may hold a key that is never shown again
    return response


class BatchForm(forms.Form):
    count = forms.IntegerField(label="Questions", min_value=1, max_value=1000, initial=20)


@login_required  # a batch costs money on a real server: no anonymous visitor starts one
@require_http_methods(["GET", "POST"])
def batches(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST if request.method == "POST" else None)
    error = ""
    if form.is_valid():
        questions = (
            {
                "custom_id": f"question-{i}",
                "body": {"messages": [{"role": "user", "content": f"Give one fact about the number {i}."}]},
            }
            for i in range(form.cleaned_data["count"])
        )
        try:
            batch = Batch.objects.create_from_requests(
                questions, "/v1/chat/completions", model=settings.DEMO_MODEL, metadata={"source": "demo"}
            )
        except (APIError, ValidationError) as exc:
            error = str(exc)
        else:
            return redirect("batch-detail", pk=batch.pk)
    context = {"form": form, "error": error, "batches": Batch.objects.order_by("-pk")[:20]}
    return render(request, "demo/batches.html", context, status=400 if form.errors else 200)


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch, pk=pk)
    return render(
        request, "demo/batch_detail.html", {"batch": batch, "items": batch.items.order_by("pk")[:50]}
    )
