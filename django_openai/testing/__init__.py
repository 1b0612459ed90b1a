"""A fake OpenAI API for tests, benchmarks and the offline demo: like stripe-mock, for OpenAI.

    from django_openai.testing import FakeOpenAI, FakeHTTPServer

    fake = FakeOpenAI()
    client = OpenAI(api_key="sk-fake", base_url="http://fake/v1", transport=fake.transport())  # in-process
    server = FakeHTTPServer(fake).start()                                                   # real HTTP
    client = OpenAI(api_key="sk-fake", base_url=server.base_url)

Both modes answer the same: deterministic content, a controllable clock for long jobs, fault
injection per route, and on a running clock answers paced like a model (``Pacing``). The pytest
plugin (``django_openai.testing.pytest_plugin``) wraps it in fixtures with a frozen clock;
``python -m django_openai.testing`` serves it by hand. See docs/testing.md.
"""

from .clock import Clock
from .fake import FakeError, FakeOpenAI, FakeRequest, FakeResponse
from .faults import Fault
from .pacing import Pacing
from .server import FakeHTTPServer

__all__ = [
    "Clock",
    "FakeError",
    "FakeHTTPServer",
    "FakeOpenAI",
    "FakeRequest",
    "FakeResponse",
    "Fault",
    "Pacing",
]
