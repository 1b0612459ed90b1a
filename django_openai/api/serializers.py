"""What the API shows of each row, and what it accepts (unknown fields are refused)."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers

from ..conf import app_settings
from ..models import Batch, BatchItem, File, FineTuningCheckpoint, FineTuningEvent, FineTuningJob, Upload
from ..services.batches import BATCH_ENDPOINTS, COMPLETION_WINDOWS, MAX_LINES
from ..services.files import FILE_PURPOSES


class ErrorSerializer(serializers.Serializer):
    """Every error answer: what went wrong, in words."""

    detail = serializers.CharField()


# -- input ------------------------------------------------------------------------------------------


class StrictInput:
    """Names any field the input has that the serializer does not take (read-only ones included),
    rather than ignoring it: a misspelt option is an error, not a silent default."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            writable = [name for name, field in self.fields.items() if not field.read_only]
            unknown = sorted(set(data.keys()) - set(writable))
            if unknown:
                raise serializers.ValidationError(
                    {name: f"unknown field; this endpoint takes {', '.join(writable)}." for name in unknown}
                )
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictInput, serializers.Serializer):
    """An input serializer that names any field it does not know, rather than ignoring it."""


class JSONObjectField(serializers.JSONField):
    """A JSON object, given as one in a JSON body or as a JSON string in a multipart form."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else None
            except ValueError as exc:
                raise serializers.ValidationError(f"not valid JSON: {exc}") from None
        if data is not None and not isinstance(data, dict):
            raise serializers.ValidationError("must be a JSON object.")
        return data


def within_upload_limit(received: Any) -> None:
    """A file sent to the API is refused above ``API["MAX_UPLOAD_BYTES"]``, whatever it is for."""
    limit = app_settings.API.MAX_UPLOAD_BYTES
    if received.size > limit:
        raise serializers.ValidationError(
            f"the file is {received.size} bytes; the limit is {limit} "
            "(DJANGO_OPENAI['API']['MAX_UPLOAD_BYTES'])."
        )


class FileUploadSerializer(StrictSerializer):
    file = serializers.FileField(
        help_text="The file's content (multipart).", validators=[within_upload_limit]
    )
    purpose = serializers.ChoiceField(choices=sorted(FILE_PURPOSES))


class BatchCreateSerializer(StrictSerializer):
    """A batch from exactly one of: ``requests`` (JSON), ``file`` (a JSONL, multipart), or
    ``input_file_id`` (a JSONL already uploaded, purpose "batch")."""

    endpoint = serializers.ChoiceField(choices=list(BATCH_ENDPOINTS))
    requests = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        max_length=MAX_LINES,
        help_text="The requests: {custom_id, body} (or whole lines: custom_id, method, url, body).",
    )
    file = serializers.FileField(
        required=False, help_text="A JSONL file of requests (multipart).", validators=[within_upload_limit]
    )
    input_file_id = serializers.CharField(required=False, help_text="A file of yours, purpose 'batch'.")
    model = serializers.CharField(required=False, help_text="The model of requests whose body names none.")
    metadata = JSONObjectField(required=False, help_text="Up to 16 string keys and values.")
    completion_window = serializers.ChoiceField(choices=list(COMPLETION_WINDOWS), default="24h")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("requests", "file", "input_file_id") if attrs.get(name) is not None]
        if len(given) != 1:
            said = f" (given: {', '.join(given)})" if given else ""
            raise serializers.ValidationError(f"give exactly one of requests, file and input_file_id{said}.")
        return attrs


class FineTuningJobCreateSerializer(StrictSerializer):
    training_file = serializers.CharField(help_text="A file of yours, purpose 'fine-tune'.")
    model = serializers.CharField()
    validation_file = serializers.CharField(required=False, allow_null=True)
    suffix = serializers.CharField(required=False, allow_null=True, max_length=64)
    seed = serializers.IntegerField(required=False, allow_null=True)
    method = JSONObjectField(required=False, help_text="As the API takes it: {type, supervised: {...}}.")
    hyperparameters = JSONObjectField(required=False)
    metadata = JSONObjectField(required=False)


# -- output -----------------------------------------------------------------------------------------


class _Remote(serializers.ModelSerializer):
    id = serializers.CharField(source="openai_id", read_only=True)
    client = serializers.CharField(source="client_alias", read_only=True)
    created_at = serializers.DateTimeField(source="remote_created_at", read_only=True)
    synced_at = serializers.DateTimeField(read_only=True)


class FileSerializer(_Remote):
    object = serializers.SerializerMethodField()

    class Meta:
        model = File
        fields = (
            "id",
            "object",
            "filename",
            "purpose",
            "bytes",
            "status",
            "created_at",
            "expires_at",
            "client",
            "synced_at",
        )

    def get_object(self, obj: File) -> str:
        return "file"


class UploadSerializer(serializers.ModelSerializer):
    """A large file on its way: ``bytes_sent`` of ``total_bytes``; ``file`` once it is complete."""

    object = serializers.SerializerMethodField()
    upload_id = serializers.CharField(source="openai_id", read_only=True, allow_null=True)
    file: serializers.SlugRelatedField[File] = serializers.SlugRelatedField(
        slug_field="openai_id", read_only=True, allow_null=True
    )
    progress = serializers.FloatField(read_only=True)
    can_resume = serializers.BooleanField(read_only=True)

    class Meta:
        model = Upload
        fields = (
            "id",
            "object",
            "upload_id",
            "filename",
            "purpose",
            "status",
            "bytes_sent",
            "total_bytes",
            "progress",
            "error",
            "file",
            "can_resume",
            "created",
            "updated",
        )

    def get_object(self, obj: Upload) -> str:
        return "django_openai.upload"


class RequestCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(source="request_total")
    completed = serializers.IntegerField(source="request_completed")
    failed = serializers.IntegerField(source="request_failed")


class BatchSerializer(_Remote):
    object = serializers.SerializerMethodField()
    input_file_id = serializers.SerializerMethodField()
    output_file_id = serializers.SerializerMethodField()
    error_file_id = serializers.SerializerMethodField()
    request_counts = RequestCountsSerializer(source="*", read_only=True)
    progress = serializers.FloatField(read_only=True)
    errors = serializers.ListField(child=serializers.DictField(), read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Batch
        fields = (
            "id",
            "object",
            "endpoint",
            "model",
            "status",
            "completion_window",
            "input_file_id",
            "output_file_id",
            "error_file_id",
            "request_counts",
            "progress",
            "metadata",
            "errors",
            "created_at",
            "in_progress_at",
            "finalizing_at",
            "completed_at",
            "failed_at",
            "expired_at",
            "cancelling_at",
            "cancelled_at",
            "expires_at",
            "results_ingested_at",
            "results_stored",
            "results_problem_count",
            "client",
            "synced_at",
        )

    def get_object(self, obj: Batch) -> str:
        return "batch"

    def _file_id(self, obj: Batch, key: str) -> str | None:
        return (obj.data or {}).get(key) or None

    def get_input_file_id(self, obj: Batch) -> str | None:
        return self._file_id(obj, "input_file_id")

    def get_output_file_id(self, obj: Batch) -> str | None:
        return self._file_id(obj, "output_file_id")

    def get_error_file_id(self, obj: Batch) -> str | None:
        return self._file_id(obj, "error_file_id")


class BatchItemSerializer(serializers.ModelSerializer):
    """One request of a batch and its result; ``id`` is the cursor for ``after``."""

    id = serializers.CharField(source="pk", read_only=True)
    succeeded = serializers.BooleanField(read_only=True)
    response = serializers.JSONField(source="response_body", read_only=True)

    class Meta:
        model = BatchItem
        fields = ("id", "custom_id", "status_code", "succeeded", "response", "error", "request_id")


class FineTuningJobSerializer(_Remote):
    object = serializers.SerializerMethodField()
    model = serializers.CharField(source="base_model", read_only=True)
    training_file = serializers.SerializerMethodField()
    validation_file = serializers.SerializerMethodField()
    step = serializers.SerializerMethodField()
    total_steps = serializers.SerializerMethodField()

    class Meta:
        model = FineTuningJob
        fields = (
            "id",
            "object",
            "model",
            "status",
            "fine_tuned_model",
            "training_file",
            "validation_file",
            "method",
            "hyperparameters",
            "suffix",
            "seed",
            "trained_tokens",
            "error",
            "step",
            "total_steps",
            "created_at",
            "estimated_finish",
            "finished_at",
            "client",
            "synced_at",
        )

    def get_object(self, obj: FineTuningJob) -> str:
        return "fine_tuning.job"

    def get_training_file(self, obj: FineTuningJob) -> str | None:
        return (obj.data or {}).get("training_file") or None

    def get_validation_file(self, obj: FineTuningJob) -> str | None:
        return (obj.data or {}).get("validation_file") or None

    def get_step(self, obj: FineTuningJob) -> int | None:
        return getattr(obj, "last_step", None)

    def get_total_steps(self, obj: FineTuningJob) -> int | None:
        return getattr(obj, "total_steps", None)


class FineTuningEventSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="openai_id", read_only=True)
    created_at = serializers.DateTimeField(source="remote_created_at", read_only=True)

    class Meta:
        model = FineTuningEvent
        fields = ("id", "created_at", "level", "type", "message", "data", "step", "train_loss", "valid_loss")


class FineTuningCheckpointSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="openai_id", read_only=True)
    created_at = serializers.DateTimeField(source="remote_created_at", read_only=True)

    class Meta:
        model = FineTuningCheckpoint
        fields = ("id", "step_number", "fine_tuned_model_checkpoint", "metrics", "created_at")
