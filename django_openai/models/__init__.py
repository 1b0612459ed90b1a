"""Django models: mirrors of the API's long-lived objects, assistants and threads, webhook deliveries."""

from .agents import AgentSession
from .assistants import Assistant, AssistantVersion
from .base import RemoteObject
from .batches import Batch, BatchItem, BatchResultProblem
from .files import File, Upload
from .fine_tuning import FineTuningCheckpoint, FineTuningEvent, FineTuningJob
from .runs import Run, RunEvent
from .threads import Thread, ThreadItem
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
    "RemoteObject",
    "Run",
    "RunEvent",
    "Thread",
    "ThreadItem",
    "Upload",
    "WebhookDelivery",
]
