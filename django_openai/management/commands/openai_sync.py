from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...services.sync import import_remote, sync_names
from ..errors import reported


class Command(BaseCommand):
    help = "Import the objects (files, batches, fine-tuning jobs...) that already exist on the API."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kinds", nargs="*", help=f"any of {', '.join(sync_names())} (default: all)")
        parser.add_argument("--client", default="default", help="the DJANGO_OPENAI client alias")

    def handle(self, *args: Any, kinds: list[str], client: str, **options: Any) -> None:
        known = sync_names()
        unknown = set(kinds) - set(known)
        if unknown:
            raise CommandError(
                f"unknown kind(s) {', '.join(sorted(unknown))}; choose from {', '.join(known)}"
            )
        # One kind at a time, so that what was imported before a failure is reported (and kept).
        for kind in kinds or known:
            with reported(f"importing {kind} with client {client!r}"):
                count = import_remote([kind], client_alias=client)[kind]
            self.stdout.write(f"{kind}: {count} imported or updated")
