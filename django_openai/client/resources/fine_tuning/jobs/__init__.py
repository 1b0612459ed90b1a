"""``client.fine_tuning.jobs`` and their checkpoints (``.checkpoints``)."""

from .checkpoints import Checkpoints
from .jobs import Jobs

__all__ = ["Checkpoints", "Jobs"]
