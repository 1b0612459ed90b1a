"""Many rows at once for the scale tests: one ``INSERT ... SELECT`` over a counter, where the ORM's
``bulk_create`` of 50,000 instances takes seconds of the suite's time on each database."""

from __future__ import annotations

from typing import Any

from django.db import connection

from django_openai.models import BatchItem


def insert_batch_items(
    batch: Any, count: int, *, status: str = "200", response_body: Any = None, request_ids: bool = False
) -> None:
    """``count`` results of ``batch``, ``q-0`` to ``q-<count - 1>`` in that order: ``status`` is an
    SQL expression of ``i`` (the row's number; write ``%%`` for a modulo), ``response_body`` the
    same JSON for every row, ``request_ids`` gives each its ``req_<i>``."""
    quote = connection.ops.quote_name
    names = ("batch", "custom_id", "status_code", "response_body", "request_id")
    columns = ", ".join(quote(BatchItem._meta.get_field(name).column) for name in names)
    field = BatchItem._meta.get_field("response_body")
    body = None if response_body is None else connection.ops.adapt_json_value(response_body, field.encoder)
    request_id = "'req_' || i" if request_ids else "''"
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {count - 1}) "
            f"INSERT INTO {quote(BatchItem._meta.db_table)} ({columns}) "
            f"SELECT %s, 'q-' || i, {status}, %s, {request_id} FROM n",
            [batch.pk, body],
        )
