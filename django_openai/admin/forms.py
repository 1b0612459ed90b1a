"""The forms of the admin's intermediate pages: uploading a file, starting a batch or a fine-tune."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..conf import app_settings
from ..models import File, GatewayKey
from ..services.batches import BATCH_ENDPOINTS, COMPLETION_WINDOWS
from ..services.files import FILE_PURPOSES


def client_choices() -> list[tuple[str, str]]:
    return [(alias, alias) for alias in app_settings.CLIENTS]


class JSONObjectField(forms.CharField):
    """A JSON object typed in a text area (metadata)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60, "placeholder": '{"project": "support"}'})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise ValidationError(f"Not valid JSON: {exc}.") from None
        if not isinstance(parsed, dict):
            raise ValidationError('Give a JSON object: {"key": "value"}.')
        return parsed


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="Large files are sent in parts in the background; the upload's page shows their progress."
    )
    purpose = forms.ChoiceField(choices=[(p, p) for p in sorted(FILE_PURPOSES)], initial="batch")
    client_alias = forms.ChoiceField(label="Client", choices=client_choices)


class BatchOptionsForm(forms.Form):
    endpoint = forms.ChoiceField(choices=[(e, e) for e in BATCH_ENDPOINTS])
    completion_window = forms.ChoiceField(choices=[(w, w) for w in COMPLETION_WINDOWS])
    metadata = JSONObjectField(required=False, help_text="Up to 16 string keys and values.")


class BatchUploadForm(BatchOptionsForm):
    """A batch from a JSONL file sent with the form (checked line by line before anything is uploaded)."""

    file = forms.FileField(
        label="JSONL file", help_text="One request a line: custom_id, body (method and url optional)."
    )
    client_alias = forms.ChoiceField(label="Client", choices=client_choices)
    field_order = ["file", "endpoint", "completion_window", "metadata", "client_alias"]


METHODS = [("supervised", "Supervised"), ("dpo", "DPO (preference)")]


class FineTuneForm(forms.Form):
    """A fine-tuning job: the model, the method and its hyperparameters (blank: automatic)."""

    training_file = forms.ModelChoiceField(queryset=File.objects.none())
    model = forms.CharField(initial="gpt-4.1-mini", help_text="The base model (or a fine-tuned one).")
    suffix = forms.CharField(required=False, max_length=64, help_text="Part of the fine-tuned model's name.")
    method = forms.ChoiceField(choices=METHODS)
    n_epochs = forms.IntegerField(required=False, min_value=1, max_value=50, label="Epochs")
    batch_size = forms.IntegerField(required=False, min_value=1, max_value=256)
    learning_rate_multiplier = forms.FloatField(required=False, min_value=0.0001, max_value=10)
    beta = forms.FloatField(required=False, min_value=0.0001, max_value=2, help_text="DPO only.")
    validation_file = forms.ModelChoiceField(queryset=File.objects.none(), required=False)
    seed = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args: Any, files_queryset: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        training = (files_queryset if files_queryset is not None else File.objects).filter(
            purpose="fine-tune"
        )
        self.fields["training_file"].queryset = training  # type: ignore[attr-defined]
        self.fields["validation_file"].queryset = training  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("beta") is not None and data.get("method") != "dpo":
            self.add_error("beta", "beta is a DPO hyperparameter.")
        if data.get("training_file") and data.get("training_file") == data.get("validation_file"):
            self.add_error("validation_file", "Use a file other than the training file.")
        return data

    def method_body(self) -> dict[str, Any]:
        """The ``method`` the API takes: {"type": ..., "<type>": {"hyperparameters": {...}}}."""
        data = self.cleaned_data
        names = ["n_epochs", "batch_size", "learning_rate_multiplier"] + (
            ["beta"] if data["method"] == "dpo" else []
        )
        hyperparameters = {name: data[name] for name in names if data.get(name) is not None}
        return {"type": data["method"], data["method"]: {"hyperparameters": hyperparameters}}


class SyncForm(forms.Form):
    kinds = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="What to import")
    client_alias = forms.ChoiceField(label="Client", choices=client_choices)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = [(k, k.replace("_", " ")) for k in kinds]  # type: ignore[attr-defined]
        self.fields["kinds"].initial = kinds


# -- gateway keys -----------------------------------------------------------------------------------


class ModelPatternsField(forms.CharField):
    """Model names or wildcards (``gpt-4.1*``), separated by spaces, commas or lines; a list."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 60, "placeholder": "gpt-4.1* text-embedding-3-small"})

    def prepare_value(self, value: Any) -> Any:
        return " ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        text = super().to_python(value) or ""
        return [part for part in text.replace(",", " ").split() if part]


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's own date and time picker (no JavaScript of ours), in the current time zone."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _future(value: Any) -> None:
    if value is not None and value <= timezone.now():
        raise ValidationError("Choose a moment in the future (or nothing: the key never expires).")


class KeyLimitsForm(forms.Form):
    """What a key may use: models, expiry, rates and monthly budgets (blank: no limit of its own)."""

    name = forms.CharField(required=False, max_length=100, help_text="Tells the owner's keys apart.")
    allowed_models = ModelPatternsField(
        required=False,
        label="Models",
        help_text="Names or wildcards, separated by spaces or commas; empty: whatever the owner may use.",
    )
    expires_at = forms.DateTimeField(
        required=False, widget=LocalDateTimeInput(), validators=[_future], help_text="Empty: never."
    )
    requests_per_minute = forms.IntegerField(required=False, min_value=1)
    tokens_per_minute = forms.IntegerField(required=False, min_value=1)
    monthly_token_budget = forms.IntegerField(required=False, min_value=1)
    monthly_cost_budget = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=6,
        help_text="In the currency of the price table.",
    )


class GatewayKeyCreateForm(KeyLimitsForm):
    """A new key: its owner (by username) and its limits."""

    owner = forms.CharField(label="Owner", help_text="The username of the user the key acts as.")
    field_order = ["owner", "name", "allowed_models", "expires_at"]

    def clean_owner(self) -> Any:
        from django.contrib.auth import get_user_model

        User = get_user_model()
        username = self.cleaned_data["owner"].strip()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise ValidationError(f"No user is called {username!r}.")
        if not user.is_active:
            raise ValidationError(f"{username} is not active: an inactive user's keys are refused.")
        return user


class GatewayKeyChangeForm(forms.ModelForm):
    """An existing key: its name and limits change; its owner, prefix and hash never do."""

    allowed_models = KeyLimitsForm.base_fields["allowed_models"]
    expires_at = forms.DateTimeField(required=False, widget=LocalDateTimeInput(), help_text="Empty: never.")

    class Meta:
        model = GatewayKey
        fields = (
            "name",
            "allowed_models",
            "expires_at",
            "requests_per_minute",
            "tokens_per_minute",
            "monthly_token_budget",
            "monthly_cost_budget",
        )
