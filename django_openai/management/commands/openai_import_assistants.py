from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...conf import client_settings
from ...services.assistant_import import ImportFailed, import_assistants, read_export
from ..errors import reported


class Command(BaseCommand):
    help = (
        "Turn Assistants API objects exported as JSON (a list, a list page, or JSON Lines) into "
        "Assistant rows; importing the same objects again updates them (docs/importing-assistants.md)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the exported assistants (JSON, or JSON Lines)")
        parser.add_argument(
            "--client", help="the DJANGO_OPENAI client alias of new assistants (default: default)"
        )
        parser.add_argument("--owner", help="the username of the user who owns the assistants")
        parser.add_argument("--dry-run", action="store_true", help="say what would be done, write nothing")

    def handle(
        self, *args: Any, file: str, client: str | None, owner: str | None, dry_run: bool, **options: Any
    ) -> None:
        if client is not None:
            with reported("importing assistants"):
                client_settings(client)  # an unknown alias names the configured ones
        user = _user(owner) if owner is not None else None
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"{file}: cannot be read ({exc.strerror or exc}).") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: is not UTF-8 text (byte {exc.start}).") from exc
        try:
            results = import_assistants(read_export(text), client_alias=client, owner=user, dry_run=dry_run)
        except ImportFailed as failed:
            lines = "\n".join(f"  {problem}" for problem in failed.problems)
            raise CommandError(f"{file}: nothing was imported.\n{lines}") from failed
        verb = {"created": "would create", "updated": "would update"} if dry_run else {}
        for result in results:
            self.stdout.write(
                f"{result.legacy_id} {result.name!r}: {verb.get(result.action, result.action)} {result.slug}"
            )
            for warning in result.warnings:
                self.stdout.write(self.style.WARNING(f"  warning: {warning}"))
        counts = {a: sum(r.action == a for r in results) for a in ("created", "updated", "unchanged")}
        warnings = sum(len(r.warnings) for r in results)
        summary = ", ".join(f"{n} {a}" for a, n in counts.items())
        self.stdout.write(
            f"{len(results)} assistant(s): {summary}; {warnings} warning(s)"
            + (" (dry run: nothing was written)" if dry_run else "")
        )


def _user(username: str) -> Any:
    model = get_user_model()
    try:
        return model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        raise CommandError(f"No user {username!r}: --owner takes a username.") from None
