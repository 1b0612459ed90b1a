from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ...client import APIError
from ...services import polling
from ...tasks import run_follow_up, sweep
from ..errors import describe, reported


class Command(BaseCommand):
    help = "Sweep once: enqueue a poll for every due mirrored object (for cron instead of beat)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--inline", action="store_true", help="poll in this process instead of enqueueing tasks"
        )

    def handle(self, *args: Any, inline: bool = False, **options: Any) -> None:
        if not inline:
            with reported("enqueueing the polls"):
                count = sweep()
            self.stdout.write(f"{count} object(s) due: poll tasks enqueued.")
            return
        count = failed = 0
        for model in polling.polled_models():
            claimed: list[int] = []
            polling.claim_due(model, claimed.extend)
            for pk in claimed:
                try:
                    if polling.poll(model, pk) is not None:
                        run_follow_up(model, pk, inline=True)
                except (APIError, ImproperlyConfigured) as exc:
                    # One object the API will not give (or whose client alias is gone) does not
                    # stop the others; the error is also on the row (last_error), and the row is
                    # due again at its next poll.
                    failed += 1
                    openai_id = model._default_manager.filter(pk=pk).values_list("openai_id", flat=True)
                    self.stderr.write(f"{model.__name__} {openai_id.first()}: {describe(exc)}")
                    continue
                count += 1
        self.stdout.write(f"{count} object(s) polled.")
        if failed:
            raise CommandError(
                f"{failed} object(s) could not be polled (above); each is polled again when next due."
            )
