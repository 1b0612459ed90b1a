"""``client.uploads``: large files in parts, concurrent and resumable (``.parts``)."""

from .parts import Parts
from .uploads import Uploads

__all__ = ["Parts", "Uploads"]
