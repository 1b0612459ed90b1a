"""Gateway keys from the command line (docs/gateway.md#keys).

    manage.py openai_gateway_key create alice --name laptop --models "gpt-4.1*" text-embedding-3-small
    manage.py openai_gateway_key list [alice]
    manage.py openai_gateway_key revoke sk-dj-abcd1234

``create`` prints the new key once, alone on its last line (``KEY=$(... | tail -n1)``); only its
hash is stored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...models import GatewayKey
from ...services.gateway_keys import create_key, find_key, revoke_key


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None


class Command(BaseCommand):
    help = "Create, list and revoke keys for the OpenAI-compatible gateway."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help="create a key; it is printed once, on the last line")
        create.add_argument("username")
        create.add_argument("--name", default="")
        create.add_argument("--models", nargs="+", default=[], help="model names or wildcards it may use")
        create.add_argument("--expires-in-days", type=_positive_int)
        create.add_argument("--rpm", type=_positive_int, help="requests per minute")
        create.add_argument("--tpm", type=_positive_int, help="tokens per minute")
        create.add_argument("--monthly-tokens", type=_positive_int, help="monthly token budget")
        create.add_argument("--monthly-cost", type=_decimal, help="monthly cost budget (price table units)")
        listing = commands.add_parser("list", help="list keys (prefixes only), of one user or all")
        listing.add_argument("username", nargs="?")
        revoke = commands.add_parser("revoke", help="revoke a key by its prefix (or the whole key)")
        revoke.add_argument("key")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _user(self, username: str) -> Any:
        User = get_user_model()
        try:
            return User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None

    def _create(self, *, username: str, name: str, models: list[str], **options: Any) -> None:
        user = self._user(username)
        days = options.get("expires_in_days")
        row, key = create_key(
            user,
            name=name,
            models=models,
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
            requests_per_minute=options.get("rpm"),
            tokens_per_minute=options.get("tpm"),
            monthly_token_budget=options.get("monthly_tokens"),
            monthly_cost_budget=options.get("monthly_cost"),
        )
        self.stdout.write(
            f"Created key {row.prefix}… for {username}"
            + (f" ({name})" if name else "")
            + ". Copy it now: it is not shown again."
        )
        self.stdout.write(key)

    def _list(self, *, username: str | None = None, **options: Any) -> None:
        keys = GatewayKey.objects.select_related("user").order_by("created_at")
        if username:
            keys = keys.filter(user=self._user(username))
        now = timezone.now()
        for key in keys:
            state = "revoked" if key.revoked_at else "expired" if not key.is_active(now) else "active"
            used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never"
            models = ",".join(key.allowed_models) or "*"
            self.stdout.write(
                f"{key.prefix}…\t{key.user.get_username()}\t{key.name or '-'}\t{state}\tmodels={models}\t"
                f"last used {used}"
            )

    def _revoke(self, *, key: str, **options: Any) -> None:
        try:
            row = find_key(key)
        except GatewayKey.DoesNotExist:
            raise CommandError(f"No gateway key with prefix {key!r}.") from None
        already = row.revoked_at is not None
        revoke_key(row)
        self.stdout.write(f"Key {row.prefix}… {'was already' if already else 'is now'} revoked.")
