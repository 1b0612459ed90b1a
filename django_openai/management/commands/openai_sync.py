from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...services.sync import KINDS, import_remote


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
        for kind, count in import_remote(kinds or KINDS, client_alias=client).items():
            self.stdout.write(f"{kind}: {count} imported or updated")
