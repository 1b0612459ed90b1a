"""The demo: a chat that answers (and streams), and a batch that runs in the background."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

import django_openai
from django_openai.client import APIError
from django_openai.models import Batch


@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"offline": settings.OPENAI_OFFLINE, "model": settings.DEMO_MODEL}
    if request.method == "POST":
        prompt = request.POST.get("prompt", "").strip()
        context["prompt"] = prompt
        if not prompt:
            context["error"] = "Type a question first."
        else:
            try:
                reply = django_openai.get_client().chat.completions.create(
                    model=settings.DEMO_MODEL, messages=[{"role": "user", "content": prompt}]
                )
                context["reply"] = reply.choices[0].message.content
                context["usage"] = reply.usage
            except APIError as exc:
                context["error"] = f"The API said: {exc}"
    return render(request, "demo/chat.html", context)


def stream(request: HttpRequest) -> StreamingHttpResponse:
    """Server-Sent Events: each token as it arrives (EventSource in the page reads them)."""
    prompt = request.GET.get("prompt", "Hello").strip()

    def events() -> Iterator[str]:
        if not prompt:
            yield f"event: error\ndata: {json.dumps({'message': 'Type a question first.'})}\n\n"
            return
        try:
            with django_openai.get_client().chat.completions.stream(
                model=settings.DEMO_MODEL, messages=[{"role": "user", "content": prompt}]
            ) as chunks:
                for text in chunks.text_deltas():
                    yield f"data: {json.dumps({'delta': text})}\n\n"
            yield "event: done\ndata: {}\n\n"
        except APIError as exc:
            yield f"event: error\ndata: {json.dumps({'message': str(exc)})}\n\n"

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


class BatchForm(forms.Form):
    count = forms.IntegerField(label="Questions", min_value=1, max_value=1000, initial=20)


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


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch, pk=pk)
    return render(
        request, "demo/batch_detail.html", {"batch": batch, "items": batch.items.order_by("pk")[:50]}
    )
