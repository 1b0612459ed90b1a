"""Fixtures for the Agents SDK session: users, and the database connections of async tests."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import connections


@pytest.fixture
async def async_db():
    """Async tests reach the database from the ORM's worker thread: its connection is closed at
    the end, so that the test database can be dropped."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
async def users(async_db):
    make = sync_to_async(get_user_model().objects.create_user)
    return await make("alice"), await make("bob")
