"""Django models: mirrors of the API's long-lived objects, webhook deliveries, gateway keys, usage."""

from .base import RemoteObject
from .batches import Batch, BatchItem, BatchResultProblem
from .files import File, Upload
from .fine_tuning import FineTuningCheckpoint, FineTuningEvent, FineTuningJob
from .gateway import GatewayKey
from .usage import UsageRecord
from .webhooks import WebhookDelivery

__all__ = [
    "Batch",
    "BatchItem",
    "BatchResultProblem",
    "File",
    "FineTuningCheckpoint",
    "FineTuningEvent",
    "FineTuningJob",
    "GatewayKey",
    "RemoteObject",
    "Upload",
    "UsageRecord",
    "WebhookDelivery",
]
