"""Django models: mirrors of the API's long-lived objects, assistants and threads, webhook deliveries,
gateway keys, usage."""

from .agents import AgentSession
from .assistants import Assistant, AssistantVersion
from .base import RemoteObject
from .batches import Batch, BatchItem, BatchResultProblem
from .files import File, Upload
from .fine_tuning import FineTuningCheckpoint, FineTuningEvent, FineTuningJob
from .gateway import GatewayKey
from .runs import Run, RunEvent
from .threads import Thread, ThreadItem
from .usage import UsageRecord
from .webhooks import WebhookDelivery

__all__ = [
    "AgentSession",
    "Assistant",
    "AssistantVersion",
    "Batch",
    "BatchItem",
    "BatchResultProblem",
    "File",
    "FineTuningCheckpoint",
    "FineTuningEvent",
    "FineTuningJob",
    "GatewayKey",
    "RemoteObject",
    "Run",
    "RunEvent",
    "Thread",
    "ThreadItem",
    "Upload",
    "UsageRecord",
    "WebhookDelivery",
]
