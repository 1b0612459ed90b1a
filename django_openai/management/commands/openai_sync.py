from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...services.sync import import_remote, sync_names


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
        for kind, count in import_remote(kinds or None, client_alias=client).items():
            self.stdout.write(f"{kind}: {count} imported or updated")
