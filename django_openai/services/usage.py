"""Usage: where a run's token counts are recorded besides the run itself.

Every run keeps its own usage (``Run.input_tokens``... and ``Run.usage``), its time to first
token and its timestamps. A project-wide usage table gets a row per run through
:func:`record_run_usage`, the one place where that is wired, called in the transaction that ends
the run.
"""

from __future__ import annotations

from ..models import Run


def record_run_usage(run: Run) -> None:
    """Record an ended run's usage beyond the run's own columns (nowhere else yet)."""
