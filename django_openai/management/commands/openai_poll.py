from typing import Any

from django.core.management.base import BaseCommand

from ...models import Batch
from ...services import polling
from ...tasks import sweep


class Command(BaseCommand):
    help = (
        "Sweep once: enqueue a poll for every due file, batch and fine-tuning job (for cron instead of beat)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--inline", action="store_true", help="poll in this process instead of enqueueing tasks"
        )

    def handle(self, *args: Any, inline: bool = False, **options: Any) -> None:
        if not inline:
            count = sweep()
            self.stdout.write(f"{count} object(s) due: poll tasks enqueued.")
            return
        from ...services.batches import ingest_batch_results

        count = 0
        for model in polling.POLLED_MODELS:
            claimed: list[int] = []
            polling.claim_due(model, claimed.extend)
            for pk in claimed:
                if polling.poll(model, pk) == "ingest":
                    ingest_batch_results(Batch.objects.get(pk=pk))
                count += 1
        self.stdout.write(f"{count} object(s) polled.")
