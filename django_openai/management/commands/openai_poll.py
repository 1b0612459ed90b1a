from typing import Any

from django.core.management.base import BaseCommand

from ...services import polling
from ...tasks import run_follow_up, sweep


class Command(BaseCommand):
    help = "Sweep once: enqueue a poll for every due mirrored object (for cron instead of beat)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--inline", action="store_true", help="poll in this process instead of enqueueing tasks"
        )

    def handle(self, *args: Any, inline: bool = False, **options: Any) -> None:
        if not inline:
            count = sweep()
            self.stdout.write(f"{count} object(s) due: poll tasks enqueued.")
            return
        count = 0
        for model in polling.polled_models():
            claimed: list[int] = []
            polling.claim_due(model, claimed.extend)
            for pk in claimed:
                if polling.poll(model, pk) is not None:
                    run_follow_up(model, pk, inline=True)
                count += 1
        self.stdout.write(f"{count} object(s) polled.")
