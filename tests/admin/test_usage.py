"""Usage in the admin: tokens and cost summed by day and by model in the database, charted as SVG,
filtered by user, key, model, source and dates; fast with 100,000 records."""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from django_openai.admin.charts import BAR_COLOURS, compact_number, nice_ceiling, stacked_bars
from django_openai.models import UsageRecord
from django_openai.services.gateway_keys import create_key
from django_openai.services.usage import THREAD_RUN, UsageGroup, usage_summary

pytestmark = pytest.mark.django_db

LIST = reverse("admin:django_openai_usagerecord_changelist")
DAY = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def record(when, model="gpt-4.1-mini", *, tokens=(100, 20), cost="0.01", **fields):
    return UsageRecord(
        created_at=when,
        model=model,
        endpoint="chat.completions",
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        total_tokens=sum(tokens),
        cost=Decimal(cost) if cost is not None else None,
        **fields,
    )


@pytest.fixture
def people(django_user_model):
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    return alice, bob, create_key(alice, name="laptop")[0]


@pytest.fixture
def spending(people):
    alice, bob, key = people
    UsageRecord.objects.bulk_create(
        [
            record(DAY, user=alice, key=key, cached_tokens=40),
            record(DAY + dt.timedelta(hours=1), user=alice, key=key, reasoning_tokens=7),
            record(DAY, "gpt-4.1", tokens=(1000, 500), cost="0.5", user=bob),
            record(
                DAY + dt.timedelta(days=1),
                "gpt-4.1",
                tokens=(10, 10),
                cost="0.25",
                user=alice,
                source=THREAD_RUN,
            ),
            record(
                DAY + dt.timedelta(days=2),
                "local-llama",
                tokens=(5, 5),
                cost=None,
                user=bob,
                source=THREAD_RUN,
            ),
        ]
    )


def test_the_summary_sums_by_day_and_model_in_two_queries(spending, django_assert_num_queries):
    with django_assert_num_queries(2):
        summary = usage_summary(UsageRecord.objects.all())
    assert summary.period == "day"
    assert summary.totals == UsageGroup(
        calls=5,
        input_tokens=1215,
        output_tokens=555,
        cached_tokens=40,
        reasoning_tokens=7,
        total_tokens=1770,
        cost=Decimal("0.77"),
    )
    assert list(summary.by_model) == ["gpt-4.1", "gpt-4.1-mini", "local-llama"], "the most tokens first"
    assert summary.by_model["gpt-4.1"] == UsageGroup(
        calls=2, input_tokens=1010, output_tokens=510, total_tokens=1520, cost=Decimal("0.75")
    )
    assert summary.by_model["local-llama"].cost is None, "no price, no cost (not zero)"
    march = [dt.date(2026, 3, d) for d in (10, 11, 12)]
    assert summary.periods == march
    assert summary.by_period[(march[0], "gpt-4.1-mini")] == UsageGroup(
        calls=2,
        input_tokens=200,
        output_tokens=40,
        cached_tokens=40,
        reasoning_tokens=7,
        total_tokens=240,
        cost=Decimal("0.02"),
    )
    assert (march[1], "gpt-4.1-mini") not in summary.by_period


def test_days_are_counted_in_the_current_time_zone(people, settings):
    settings.TIME_ZONE = "America/New_York"
    late = dt.datetime(2026, 3, 11, 2, 0, tzinfo=dt.UTC)  # 22:00 on the 10th in New York
    UsageRecord.objects.bulk_create([record(late)])
    assert usage_summary(UsageRecord.objects.all()).periods == [dt.date(2026, 3, 10)]


def test_a_long_span_is_summed_by_month(people):
    UsageRecord.objects.bulk_create(
        [record(DAY - dt.timedelta(days=200)), record(DAY - dt.timedelta(days=195)), record(DAY)]
    )
    summary = usage_summary(UsageRecord.objects.all())
    assert summary.period == "month"
    assert summary.periods == [dt.date(2025, 8, 1), dt.date(2026, 3, 1)]
    assert summary.by_period[(dt.date(2025, 8, 1), "gpt-4.1-mini")].calls == 2


def test_an_empty_table_sums_to_nothing():
    summary = usage_summary(UsageRecord.objects.all())
    assert summary.totals == UsageGroup() and summary.by_period == {} and summary.first is None


def listed(html: str) -> int:
    """How many records the page lists."""
    body = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', html, re.S)
    return body.group(1).count("<tr") if body else 0


def by_model_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<table class="djoai-table djoai-usage__by-model">(.*?)</table>', html, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr><td><a [^>]*>(.*?)</a></td>(.*?)</tr>", table, re.S):
        rows[row[0]] = re.findall(r"<td>(.*?)</td>", row[1])
    return rows


def test_the_page_shows_the_sums_the_charts_and_the_records(admin_client, spending):
    html = admin_client.get(LIST).content.decode()
    assert "<strong>5</strong> calls" in html and "<strong>1,770</strong> tokens" in html
    assert "cost <strong>0.7700</strong>" in html
    assert by_model_rows(html) == {
        "gpt-4.1": ["2", "1,010", "510", "0", "0", "1,520", "0.7500"],
        "gpt-4.1-mini": ["2", "200", "40", "40", "7", "240", "0.0200"],
        "local-llama": ["1", "5", "5", "0", "0", "10", "—"],
    }
    charts = re.findall(r'<svg class="djoai-chart".*?</svg>', html, re.S)
    assert len(charts) == 2, "tokens, and cost (some records are priced)"
    tokens_chart = charts[0]
    assert 'aria-label="Tokens by day and model"' in tokens_chart
    assert tokens_chart.count('<rect class="djoai-bar') == 4 + 3, "one segment per day and model, a legend"
    assert "<title>Mar 10 · gpt-4.1: 1.5k</title>" in tokens_chart
    assert "<script" not in html.split('id="changelist"')[1], "no JavaScript for the charts"
    assert html.count('class="action-checkbox"') == 0, "no actions: usage is not edited"
    assert listed(html) == 5, "the records themselves are listed"


@pytest.mark.parametrize(
    "params, calls, tokens",
    [
        ({"source": THREAD_RUN}, 2, 30),
        ({"source": "gateway"}, 3, 1740),
        ({"model__exact": "gpt-4.1"}, 2, 1520),
        ({"created_at_from": "2026-03-11"}, 2, 30),
        ({"created_at_to": "2026-03-10"}, 3, 1740),
        ({"created_at_from": "2026-03-11", "created_at_to": "2026-03-11"}, 1, 20),
        ({"status": "rejected"}, 0, 0),
    ],
)
def test_filters_narrow_the_sums_and_the_list(admin_client, spending, params, calls, tokens):
    html = admin_client.get(LIST, params).content.decode()
    if calls:
        assert f"<strong>{calls}</strong> calls" in html and f"<strong>{tokens:,}</strong> tokens" in html
        assert listed(html) == calls
    else:
        assert "No usage recorded for these filters." in html


def test_user_and_key_filters(admin_client, spending, people):
    alice, bob, key = people
    assert (
        "<strong>3</strong> calls" in admin_client.get(LIST, {"user__id__exact": alice.pk}).content.decode()
    )
    assert "<strong>2</strong> calls" in admin_client.get(LIST, {"user__id__exact": bob.pk}).content.decode()
    keyed = admin_client.get(LIST, {"key__id__exact": key.pk}).content.decode()
    assert "<strong>2</strong> calls" in keyed and "<strong>240</strong> tokens" in keyed
    assert f"{key.prefix}…" in keyed


def test_a_bad_date_is_said_and_ignored(admin_client, spending):
    page = admin_client.get(LIST, {"created_at_from": "last tuesday"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "&#x27;last tuesday&#x27; is not a date (YYYY-MM-DD): ignored." in html
    assert "<strong>5</strong> calls" in html


def test_stacked_bars_fold_the_series_beyond_their_colours_into_others():
    # In the order given (the page gives the models with the most tokens first).
    series = [(f"model-{i}", [i + 1.0, 1.0]) for i in range(9)]
    svg = stacked_bars(["Mon", "Tue"], series, summary="Tokens")
    assert svg.count('<text x="18"') == BAR_COLOURS, "a legend entry per colour"
    assert "4 others" in svg and "model-4<" in svg and "model-5<" not in svg
    assert "<title>Mon · 4 others: 30</title>" in svg  # model-5 to model-8: 6 + 7 + 8 + 9
    assert [nice_ceiling(v) for v in (0, 0.7, 3, 17, 2400, 100)] == [1, 1, 5, 20, 2500, 100]
    assert [compact_number(v) for v in (12, 3400, 1_200_000)] == ["12", "3.4k", "1.2M"]
    assert "Nothing to chart." in stacked_bars([], [], summary="x")


ROWS = 100_000


@pytest.fixture
def big_table(people):
    alice, bob, key = people
    start = timezone.now() - dt.timedelta(days=29)
    models = ["gpt-4.1-mini", "gpt-4.1", "text-embedding-3-small", "o4-mini", "local-llama"]
    UsageRecord.objects.bulk_create(
        (
            record(
                start + dt.timedelta(seconds=i * 25),
                models[i % 5],
                user=alice if i % 3 else bob,
                key=key if i % 2 else None,
                source=THREAD_RUN if i % 4 == 0 else "gateway",
            )
            for i in range(ROWS)
        ),
        batch_size=5000,
    )


def test_the_page_stays_fast_at_100000_records(admin_client, big_table, django_assert_max_num_queries):
    admin_client.get(LIST)
    started = time.perf_counter()
    with django_assert_max_num_queries(14) as queries:
        page = admin_client.get(LIST)
    elapsed = time.perf_counter() - started
    html = page.content.decode()
    print(
        f"\nusage of {ROWS:,} records: {elapsed * 1000:.0f} ms, {len(page.content):,} bytes, "
        f"{len(queries.captured_queries)} queries"
    )
    assert page.status_code == 200 and len(page.content) < 400_000
    assert f"<strong>{ROWS:,}</strong> calls" in html
    assert listed(html) == 100, "a page of records"
    filtered = admin_client.get(LIST, {"model__exact": "gpt-4.1", "source": "gateway"}).content.decode()
    # gpt-4.1 is one record in five, and a quarter of those are thread runs.
    assert "<strong>15,000</strong> calls" in filtered
