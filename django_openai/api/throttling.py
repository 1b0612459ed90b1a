"""Per-user throttling by scope, with rates from ``DJANGO_OPENAI["API"]["THROTTLE_RATES"]``."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from ..conf import app_settings


class UserScopeThrottle(SimpleRateThrottle):
    """Throttles a view's ``throttle_scope`` per user (per address for anonymous requests).

    A view without a scope, or a scope without a rate, is not throttled. The API's views name
    the scope of each action (``create`` for what starts remote work); a view of a project's
    own sets ``throttle_scope = "runs"`` to share the run-creation budget.
    """

    scope_attr = "throttle_scope"

    def __init__(self) -> None:
        # The rate depends on the view: it is looked up in allow_request (as ScopedRateThrottle does).
        pass

    def get_rate(self) -> str | None:
        return app_settings.API.THROTTLE_RATES.get(self.scope or "")

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None) or ""
        if not self.scope:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": f"django_openai.{self.scope}", "ident": ident}
