"""batches/: create (a JSON list of requests, a JSONL file, or a file uploaded before), list,
retrieve, cancel; items paged by keyset and filtered by status; results as JSONL and CSV, streamed."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ...downloads import batch_results_download
from ...models import Batch, BatchItem, File
from ...models.batches import SUCCEEDED
from ...services import batches as services
from ...services import exports
from ..base import APIView, RemoteObjectView, owned
from ..pagination import ListPagination, OldestFirstPagination, pk_of_remote_id
from ..schema import binary, document, with_errors
from ..serializers import BatchCreateSerializer, BatchItemSerializer, BatchSerializer

STATUS = {
    "name": "status",
    "description": "Only these results: succeeded, failed, or an HTTP status code (429...).",
}
BATCH_STATUS = {"name": "status", "description": "Only batches with this status."}


class BatchList(APIView):
    queryset = Batch.objects.all()
    serializer_class = BatchSerializer
    pagination_class = ListPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_scopes = {"POST": "create"}

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return pk_of_remote_id(after, queryset)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        wanted = self.request.query_params.get("status")
        return queryset.filter(status=wanted) if wanted else queryset

    @document(
        summary="List your batches",
        parameters=[BATCH_STATUS],
        responses=with_errors(BatchSerializer(many=True), 400),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BatchSerializer(page, many=True).data)

    @document(
        summary="Create a batch",
        description=(
            "From exactly one of: `requests` (a JSON list), `file` (a JSONL file, multipart) or "
            "`input_file_id` (a JSONL file of yours uploaded before, purpose batch). Every line is "
            "checked first: a bad one is a 400 naming it, and nothing is uploaded or created."
        ),
        request={"application/json": BatchCreateSerializer, "multipart/form-data": BatchCreateSerializer},
        responses=with_errors({201: BatchSerializer}, 400, 429, 502),
    )
    def post(self, request: Request) -> Response:
        form = BatchCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        options = {
            "metadata": data.get("metadata"),
            "completion_window": data["completion_window"],
            "owner": request.user,
        }
        if data.get("input_file_id"):
            file = owned(File.objects.all(), request.user).filter(openai_id=data["input_file_id"]).first()
            if file is None:
                raise ValidationError({"input_file_id": [f"no file {data['input_file_id']!r} of yours."]})
            batch = services.create_batch_for_file(file, data["endpoint"], **options)
        elif data.get("file") is not None:
            batch = services.create_batch_from_file(
                data["file"], data["endpoint"], client_alias=self.client_alias, **options
            )
        else:
            batch = services.create_batch_from_requests(
                data["requests"],
                data["endpoint"],
                model=data.get("model"),
                client_alias=self.client_alias,
                **options,
            )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class BatchDetail(RemoteObjectView):
    queryset = Batch.objects.all()
    serializer_class = BatchSerializer

    @document(summary="Retrieve a batch", responses=with_errors(BatchSerializer, 404))
    def get(self, request: Request, openai_id: str) -> Response:
        return Response(BatchSerializer(self.get_object()).data)


class BatchCancel(RemoteObjectView):
    queryset = Batch.objects.all()
    serializer_class = BatchSerializer

    @document(summary="Cancel a batch", request=None, responses=with_errors(BatchSerializer, 400, 404, 502))
    def post(self, request: Request, openai_id: str) -> Response:
        return Response(BatchSerializer(services.cancel_batch(self.get_object())).data)


def filter_by_result(items: QuerySet[BatchItem], wanted: str | None) -> QuerySet[BatchItem]:
    """``succeeded`` (200 and no error), ``failed`` (anything else) or one HTTP status code.
    Failures are read through their partial index (``SUCCEEDED``'s negation, written as the index
    has it so that the database sees the index applies): a page in constant time, however few."""
    if not wanted:
        return items
    if wanted == "succeeded":
        return items.filter(SUCCEEDED)
    if wanted == "failed":
        return items.exclude(SUCCEEDED)
    if wanted.isdecimal() and 100 <= int(wanted) <= 599:
        code = int(wanted)
        return (
            items.filter(status_code=code)
            if code == 200
            else items.exclude(SUCCEEDED).filter(status_code=code)
        )
    raise ValidationError(
        {"status": [f"status must be succeeded, failed or an HTTP status code, not {wanted!r}."]}
    )


class BatchItems(RemoteObjectView):
    queryset = Batch.objects.all()
    serializer_class = BatchItemSerializer
    pagination_class = OldestFirstPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        # The items are one batch's, which the view has found already: an id is its own cursor.
        return int(after) if after.isdecimal() else None

    @document(
        summary="A batch's results, paged (keyset: constant time at any depth)",
        parameters=[STATUS],
        responses=with_errors(BatchItemSerializer(many=True), 400, 404),
    )
    def get(self, request: Request, openai_id: str) -> Response:
        batch = self.get_object()
        items = filter_by_result(
            BatchItem.objects.filter(batch_id=batch.pk), request.query_params.get("status")
        )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(BatchItemSerializer(page, many=True).data)


class BatchResults(RemoteObjectView):
    """results.jsonl and results.csv: every stored result, streamed as it is read."""

    queryset = Batch.objects.all()
    serializer_class = BatchSerializer
    export_format = "jsonl"

    def get(self, request: Request, openai_id: str) -> Any:
        batch = self.get_object()
        if batch.results_ingested_at is None and not BatchItem.objects.filter(batch_id=batch.pk).exists():
            raise NotFound(f"batch {batch.openai_id} has no stored results yet (it is {batch.status}).")
        fmt = self.export_format
        return batch_results_download(request, batch, fmt)


class BatchResultsJSONL(BatchResults):
    export_format = "jsonl"

    @document(
        summary="Download a batch's results as JSONL (streamed)",
        description="One line per result, as the API's output file has it: custom_id, response, error.",
        responses=with_errors(binary("application/jsonl", "One JSON object per line."), 404),
    )
    def get(self, request: Request, openai_id: str) -> Any:
        return super().get(request, openai_id)


class BatchResultsCSV(BatchResults):
    export_format = "csv"

    @document(
        summary="Download a batch's results as CSV (streamed)",
        description="Columns: " + ", ".join(exports.CSV_COLUMNS) + ".",
        responses=with_errors(binary("text/csv", "A header row, then one row per result."), 404),
    )
    def get(self, request: Request, openai_id: str) -> Any:
        return super().get(request, openai_id)
