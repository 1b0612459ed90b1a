"""``client.webhooks``: verification with the client's ``webhook_secret`` by default."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ... import webhooks
from ...errors import InvalidWebhookSignatureError
from .._resource import Resource


class Webhooks(Resource):
    """``client.webhooks``: verification with the client's ``webhook_secret`` by default."""

    def _secret(self, secret: str | Iterable[str] | None) -> str | Iterable[str]:
        secret = secret if secret is not None else self._client.webhook_secret
        if not secret:
            raise InvalidWebhookSignatureError(
                "no webhook secret: pass secret=... or set webhook_secret / OPENAI_WEBHOOK_SECRET"
            )
        return secret

    def verify_signature(
        self,
        payload: bytes | str,
        headers: Mapping[str, str],
        *,
        secret: str | Iterable[str] | None = None,
        tolerance: int = webhooks.DEFAULT_TOLERANCE,
    ) -> None:
        webhooks.verify_signature(payload, headers, secret=self._secret(secret), tolerance=tolerance)

    def unwrap(
        self,
        payload: bytes | str,
        headers: Mapping[str, str],
        *,
        secret: str | Iterable[str] | None = None,
        tolerance: int = webhooks.DEFAULT_TOLERANCE,
    ) -> Any:
        return webhooks.unwrap(payload, headers, secret=self._secret(secret), tolerance=tolerance)
