"""``client.fine_tuning``: fine-tuning jobs (``.jobs``) and their checkpoints."""

from .fine_tuning import FineTuning
from .jobs import Checkpoints, Jobs

__all__ = ["Checkpoints", "FineTuning", "Jobs"]
