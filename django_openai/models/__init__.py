"""Django models: mirrors of the API's long-lived objects, and webhook deliveries."""

from .base import RemoteObject
from .batches import Batch, BatchItem, BatchResultProblem
from .files import File, Upload
from .fine_tuning import FineTuningCheckpoint, FineTuningEvent, FineTuningJob
from .webhooks import WebhookDelivery

__all__ = [
    "Batch",
    "BatchItem",
    "BatchResultProblem",
    "File",
    "FineTuningCheckpoint",
    "FineTuningEvent",
    "FineTuningJob",
    "RemoteObject",
    "Upload",
    "WebhookDelivery",
]
