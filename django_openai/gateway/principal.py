"""Who is calling: a key's owner with the key's limits, or a signed-in user (session)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    groups: frozenset[str] = frozenset()
    key_id: int | None = None
    key_prefix: str = ""
    #: The key's own model allowlist (empty: no narrowing of what the user may use).
    key_models: tuple[str, ...] = ()
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    monthly_token_budget: int | None = None
    monthly_cost_budget: Decimal | None = None
    #: Unix time after which the key is refused.
    expires_at: float | None = None

    @property
    def limit_id(self) -> str:
        """The subject of per-minute limits: the key, or the user for session calls."""
        return f"k{self.key_id}" if self.key_id is not None else f"u{self.user_id}"
