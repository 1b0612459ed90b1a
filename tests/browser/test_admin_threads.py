"""The admin's assistants, threads, usage and gateway keys in a real browser: a key created in the
admin and used at once by the official SDK against a live gateway; a transcript with its tool
calls; the usage chart; an assistant edited into a second version. Screenshots are artifacts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import openai
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

import django_openai
from django_openai.models import Assistant, GatewayKey, Thread, UsageRecord
from django_openai.services.gateway_keys import hash_key
from django_openai.services.threads import append_rows, new_item_row
from django_openai.services.usage import THREAD_RUN
from django_openai.tools import unregister

from ..gateway.conftest import LiveServer, _loops, _remember_loop, flush_usage, gateway  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"


def log_in(browser, base_url: str, width: int = 1400):
    get_user_model().objects.create_superuser("operator", "ops@example.com", PASSWORD)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base_url + "/admin/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content-main")
    return page


@pytest.fixture
def site():
    """The whole site under uvicorn as a project serves it: the gateway's ASGI mount in front of
    Django, and the admin's static files."""
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from django_openai.gateway.asgi import gateway_asgi

    app = gateway_asgi(ASGIStaticFilesHandler(get_asgi_application()))
    server = LiveServer(None)
    server.server.config.app = _remember_loop(server.port, app)
    server.start()
    yield server
    server.stop()
    _loops.pop(server.port, None)


def test_create_a_gateway_key_in_the_admin_and_call_the_gateway_with_it(
    gateway,  # noqa: F811
    site,
    browser,
    shots,
):
    gateway()
    page = log_in(browser, site.url, width=1600)
    page.goto(site.url + "/admin/django_openai/gatewaykey/add/")
    assert page.input_value("#id_owner") == "operator"
    page.fill("#id_name", "laptop")
    page.fill("#id_allowed_models", "gpt-4.1*")
    page.fill("#id_requests_per_minute", "60")
    shots(page, "admin-key-form")
    page.click("input[type=submit]")
    secret = page.input_value("#djoai-new-key")
    assert secret.startswith("sk-dj-")
    assert "Copy it now" in page.inner_text(".djoai-notice")
    shots(page, "admin-key-created", full_page=True)
    key = GatewayKey.objects.get()
    assert key.secret_hash == hash_key(secret)

    client = openai.OpenAI(base_url=site.url + "/v1", api_key=secret, max_retries=0)
    reply = client.chat.completions.create(
        model="gpt-4.1-mini", messages=[{"role": "user", "content": "Hello from the admin"}]
    )
    assert reply.choices[0].message.content
    assert {m.id for m in client.models.list()} <= {
        m for m in ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")
    } | {m.id for m in client.models.list() if m.id.startswith("gpt-4.1")}
    with pytest.raises(openai.PermissionDeniedError):
        client.embeddings.create(model="text-embedding-3-small", input="not allowed by this key")
    flush_usage()

    page.goto(site.url + "/admin/django_openai/gatewaykey/")
    row = page.locator("#result_list tbody tr").first
    assert key.prefix in row.inner_text() and "active" in row.inner_text()
    assert "60 requests/min" in row.inner_text()
    assert row.locator(".field-last_used").inner_text() != "never", "the call was recorded"
    shots(page, "admin-keys")
    assert secret not in page.content()

    page.goto(site.url + f"/admin/django_openai/gatewaykey/{key.pk}/change/")
    assert secret not in page.content()
    page.click(".object-tools >> text=Revoke")
    page.wait_for_selector(".messagelist .success")
    assert "Revoked" in page.inner_text(".messagelist")
    with pytest.raises(openai.AuthenticationError) as refused:
        client.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": "Again"}])
    assert refused.value.body["message"] == "This API key has been revoked."

    page.goto(site.url + f"/admin/django_openai/usagerecord/?key__id__exact={key.pk}")
    assert "gpt-4.1-mini" in page.inner_text(".djoai-usage__by-model")
    assert secret not in page.content()


@pytest.fixture
def forecast():
    @django_openai.tool
    def get_forecast(city: str) -> str:
        """Tomorrow's weather in a city."""
        return f"18C and sunny in {city} tomorrow"

    yield
    unregister("get_forecast")


def test_read_a_thread_as_a_transcript(browser, live_server, use_openai_fake, forecast, shots):
    use_openai_fake("default", THREAD_BACKEND="responses")
    assistant = Assistant.objects.create(
        name="Weather desk",
        slug="weather-desk",
        model="gpt-4.1-mini",
        instructions="Answer with the forecast.",
        tools=["get_forecast"],
    )
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message('Will it rain in Paris tomorrow? Call get_forecast({"city": "Paris"})')
    run = thread.run()
    thread.add_message("And what should I wear?")
    thread.run()
    # A third turn as a reasoning model with web search leaves it, cut short by its reader.
    thread.add_message("Where can I buy an umbrella near the Louvre?")
    append_rows(
        thread,
        [
            new_item_row(
                {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [{"type": "summary_text", "text": "Shops near the Louvre: search the web."}],
                }
            ),
            new_item_row(
                {
                    "type": "web_search_call",
                    "id": "ws_1",
                    "status": "completed",
                    "action": {"type": "search", "query": "umbrella shop near the Louvre"},
                }
            ),
            new_item_row(
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "Two shops sell umbrellas on the Rue de"}],
                },
                status="incomplete",
            ),
        ],
    )
    page = log_in(browser, live_server.url)
    page.goto(live_server.url + f"/admin/django_openai/thread/{thread.pk}/change/")
    items = page.locator(".djoai-items > li")
    assert items.count() == 10
    kinds = [items.nth(i).get_attribute("class") for i in range(10)]
    assert ["djoai-item--call" in k for k in kinds] == [False, True, *[False] * 8]
    assert "djoai-item--output" in kinds[2]
    assert "calls get_forecast" in items.nth(1).inner_text()
    assert "18C and sunny in Paris tomorrow" in items.nth(2).inner_text()
    assert "djoai-item--reasoning" in kinds[7] and "djoai-item--hosted" in kinds[8]
    assert "searched the web for 'umbrella shop near the Louvre'" in items.nth(8).inner_text()
    assert "djoai-item--incomplete" in kinds[9] and "incomplete" in items.nth(9).inner_text()
    assert not page.locator(".djoai-item--reasoning details").get_attribute("open"), "folded"
    assert "Items 1 to 10 of 10" in page.inner_text(".djoai-pager >> nth=0")
    shots(page, "admin-thread", full_page=True)

    page.click(f".djoai-item--call >> text=run {run.pk}")
    page.wait_for_selector(".field-usage_table")
    assert "completed" in page.inner_text(".field-status_badge")
    assert "Weather desk v1" in page.inner_text(".field-version_link")
    shots(page, "admin-run", full_page=True)


def test_see_the_usage_chart_and_narrow_it_by_date(browser, live_server, shots, django_user_model):
    alice = django_user_model.objects.create_user("alice")
    now = timezone.now()
    rng = random.Random(14)
    prices = {
        "gpt-4.1": Decimal("0.000008"),
        "gpt-4.1-mini": Decimal("0.0000016"),
        "o4-mini": Decimal("0.0000044"),
    }
    records = []
    for day in range(14):
        for model, price in prices.items():
            for _ in range(rng.randint(2, 6)):
                tokens_in, tokens_out = rng.randint(200, 4000), rng.randint(50, 900)
                records.append(
                    UsageRecord(
                        user=alice,
                        source=THREAD_RUN if rng.random() < 0.3 else "gateway",
                        endpoint="chat.completions",
                        model=model,
                        input_tokens=tokens_in,
                        output_tokens=tokens_out,
                        total_tokens=tokens_in + tokens_out,
                        cost=(price * (tokens_in + tokens_out)).quantize(Decimal("0.000001")),
                        created_at=now - dt.timedelta(days=13 - day, minutes=rng.randint(0, 600)),
                    )
                )
    UsageRecord.objects.bulk_create(records)
    page = log_in(browser, live_server.url, width=1600)
    page.set_viewport_size({"width": 1600, "height": 1300})
    page.goto(live_server.url + "/admin/django_openai/usagerecord/")
    charts = page.locator("svg.djoai-chart")
    assert charts.count() == 2
    assert page.locator("svg.djoai-chart >> nth=0 >> rect.djoai-bar").count() >= 14 * 3
    box = charts.first.bounding_box()
    assert box and box["width"] >= 500 and box["height"] >= 200, "drawn at its size"
    assert f"{len(records):,} calls" in page.inner_text(".djoai-usage__totals")
    shots(page, "admin-usage")  # the top: the totals, the charts, the first records

    week_ago = (timezone.localdate() - dt.timedelta(days=6)).isoformat()
    page.fill("input[name=created_at_from]", week_ago)
    page.click(".djoai-range input[type=submit]")
    page.wait_for_load_state()
    recent = [r for r in records if timezone.localdate(r.created_at).isoformat() >= week_ago]
    assert f"{len(recent):,} calls" in page.inner_text(".djoai-usage__totals")
    assert page.locator("svg.djoai-chart >> nth=0 >> rect.djoai-bar").count() <= 7 * 3 + 3


def test_edit_an_assistant_into_a_second_version(browser, live_server, shots, forecast):
    page = log_in(browser, live_server.url)
    page.goto(live_server.url + "/admin/django_openai/assistant/add/")
    page.locator("#id_name").press_sequentially("Weather desk")  # the admin's script listens to keys
    assert page.input_value("#id_slug") == "weather-desk", "the slug follows the name"
    page.fill("#id_model", "gpt-4.1-mini")
    page.fill("#id_instructions", "Answer with the forecast.\nBe brief.")
    page.check("input[name=function_tools][value=get_forecast]")
    page.fill("#id_hosted_tools", '[{"type": "web_search"}]')
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert "version 1 created" in page.inner_text(".messagelist")

    page.fill("#id_instructions", "Answer with the forecast.\nBe brief, and say what to wear.")
    page.fill("#id_temperature", "0.4")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert "version 2 created (changed: instructions, temperature)" in page.inner_text(".messagelist")
    versions = page.locator(".djoai-versions")
    assert "+Be brief, and say what to wear." in versions.inner_text()
    assert Assistant.objects.get().version == 2
    shots(page, "admin-assistant", full_page=True)
