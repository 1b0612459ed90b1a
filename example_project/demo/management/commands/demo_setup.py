from django.conf import settings
from django.core.management.base import BaseCommand

from ...seed import seed


class Command(BaseCommand):
    help = "Seed the demo: an administrator and two assistants (a second run reuses them)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="admin", help="Used only when the user is created.")

    def handle(self, *args, **options):
        result = seed(settings.DEMO_MODEL, options["username"], options["password"])
        for name in result.created:
            self.stdout.write(f"Created {name}")
        for name in result.kept:
            self.stdout.write(f"Kept {name}")
