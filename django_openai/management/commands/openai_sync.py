from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...services.sync import KINDS, import_remote
from ..errors import reported


class Command(BaseCommand):
    help = "Import the files, batches and fine-tuning jobs that already exist on the API."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kinds", nargs="*", help=f"any of {', '.join(KINDS)} (default: all)")
        parser.add_argument("--client", default="default", help="the DJANGO_OPENAI client alias")

    def handle(self, *args: Any, kinds: list[str], client: str, **options: Any) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise CommandError(
                f"unknown kind(s) {', '.join(sorted(unknown))}; choose from {', '.join(KINDS)}"
            )
        # One kind at a time, so that what was imported before a failure is reported (and kept).
        for kind in kinds or KINDS:
            with reported(f"importing {kind} with client {client!r}"):
                count = import_remote([kind], client_alias=client)[kind]
            self.stdout.write(f"{kind}: {count} imported or updated")
