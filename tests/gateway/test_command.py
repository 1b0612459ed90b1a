"""``manage.py openai_gateway_key create | list | revoke``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from django_openai.models import GatewayKey
from django_openai.services.gateway_keys import hash_key


def run(*args):
    out = io.StringIO()
    call_command("openai_gateway_key", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_key_once_alone_on_the_last_line(user):
    output = run(
        "create", "alice", "--name", "ci", "--models", "gpt-4.1*", "text-embedding-3-small", "--rpm", "60"
    )
    key = output.rstrip("\n").splitlines()[-1]
    assert key.startswith("sk-dj-") and " " not in key
    row = GatewayKey.objects.get()
    assert row.secret_hash == hash_key(key) and row.name == "ci" and row.user == user
    assert row.allowed_models == ["gpt-4.1*", "text-embedding-3-small"] and row.requests_per_minute == 60
    assert output.count(key) == 1
    listing = run("list")
    assert row.prefix in listing and key not in listing and "active" in listing and "alice" in listing


def test_revoke_by_prefix(user):
    key = run("create", "alice").splitlines()[-1]
    prefix = GatewayKey.objects.get().prefix
    assert "is now revoked" in run("revoke", prefix)
    assert GatewayKey.objects.get().revoked_at is not None
    assert "was already revoked" in run("revoke", key)
    assert "revoked" in run("list", "alice")


def test_expiry_and_budgets(user):
    run("create", "alice", "--expires-in-days", "30", "--monthly-tokens", "1000", "--monthly-cost", "2.50")
    row = GatewayKey.objects.get()
    assert (
        row.expires_at is not None
        and row.monthly_token_budget == 1000
        and str(row.monthly_cost_budget) == "2.500000"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (("create", "nobody"), "No user named 'nobody'"),
        (("revoke", "sk-dj-zzzzzzzz"), "No gateway key"),
    ],
)
def test_clear_errors(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
