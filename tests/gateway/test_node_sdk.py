"""The official ``openai`` JavaScript SDK streams a chat through the gateway unchanged.

Installs the package with npm into the test's temporary directory (npm's own cache makes later runs
fast); skipped when node or npm is missing or the npm registry cannot be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from django_openai.models import UsageRecord

from .conftest import wait_for

SCRIPT = """
import OpenAI from "openai";
const client = new OpenAI({ apiKey: process.env.GATEWAY_KEY, baseURL: process.env.GATEWAY_URL, maxRetries: 0 });
const stream = await client.chat.completions.create({
  model: "gpt-4.1-mini",
  messages: [{ role: "user", content: "Hello from JavaScript" }],
  stream: true,
});
let text = "";
let chunks = 0;
for await (const chunk of stream) {
  chunks += 1;
  text += chunk.choices[0]?.delta?.content ?? "";
}
const models = [];
for await (const model of client.models.list()) models.push(model.id);
console.log(JSON.stringify({ text, chunks, models }));
"""


@pytest.fixture(scope="session")
def node_sdk(tmp_path_factory):
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed for the JavaScript SDK test")
    folder = tmp_path_factory.mktemp("node-sdk")
    (folder / "package.json").write_text('{"name": "gateway-sdk-test", "private": true, "type": "module"}')
    try:
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "openai@^5"],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=240,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"npm could not install openai (registry unreachable?): {exc}")
    (folder / "chat.mjs").write_text(SCRIPT)
    return folder


def test_js_sdk_chat_stream(gateway, asgi_gateway, key, node_sdk):
    gateway()
    env = {**os.environ, "GATEWAY_KEY": key, "GATEWAY_URL": asgi_gateway.url + "/v1"}
    done = subprocess.run(
        ["node", "chat.mjs"], cwd=node_sdk, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "JavaScript" in result["text"] and result["chunks"] > 3
    assert "gpt-4.1-mini" in result["models"]
    row = wait_for(lambda: UsageRecord.objects.filter(endpoint="chat.completions").first())
    assert row.streamed and not row.usage_estimated and row.output_tokens == len(result["text"].split())
