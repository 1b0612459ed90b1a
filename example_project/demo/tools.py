"""The demo's function tools, offered by the "Weather desk" assistant.

The fake OpenAI server calls a tool whose name appears in the user's message (docs/testing.md,
"Function tools: the rule"), so "What is the weather in Paris?" calls ``weather`` and "What is the
local_time in Tokyo?" calls ``local_time``. The cities are a closed list: the fake then picks the
first one when the message gives no arguments, and a real model picks among them.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Literal
from zoneinfo import ZoneInfo

import django_openai

City = Literal["Paris", "Lisbon", "Tokyo", "New York"]

ZONES: dict[str, str] = {
    "Paris": "Europe/Paris",
    "Lisbon": "Europe/Lisbon",
    "Tokyo": "Asia/Tokyo",
    "New York": "America/New_York",
}
SKIES = ["sunny", "cloudy", "light rain", "clear", "windy"]


@django_openai.tool(timeout=5)
def weather(city: City) -> str:
    """Today's weather in one of the demo's cities (made up, the same all day)."""
    seed = zlib.crc32(f"{city}{dt.date.today()}".encode())
    return f"{8 + seed % 20}°C and {SKIES[seed % len(SKIES)]} in {city}"


@django_openai.tool(timeout=5)
def local_time(city: City) -> str:
    """The current local time in one of the demo's cities."""
    now = dt.datetime.now(ZoneInfo(ZONES[city]))
    return f"{now:%H:%M} in {city} ({ZONES[city]})"
