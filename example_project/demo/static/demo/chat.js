// The chat page: sends a message, reads the run's events (named SSE: id, event, data) from a
// fetch body as they arrive, and shows the answer token by token, tool calls as they run, and a
// Stop button that aborts the request (the server keeps the cut answer as an incomplete item).
// No framework and no build step.
"use strict";

// The Markdown subset of example_project/demo/markdown.py, the same rules: escape everything
// first, then add only this markup, so that no text from a model or a user becomes HTML.
const Markdown = (() => {
  const escapeHtml = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  const FENCE = /```[^\n]*\n([\s\S]*?)(?:```|$)/g;
  const CODE = /`([^`\n]+)`/;
  const BOLD = /\*\*(?=\S)(.+?)(?<=\S)\*\*/g;
  const ITALIC = /(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])/g;
  const LINK = /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g;
  const BULLET = /^[-*] +/, NUMBERED = /^\d+[.)] +/, HEADING = /^(#{1,3}) +/;

  function inline(text) {
    return text.split(new RegExp(CODE.source)).map((piece, index) => {
      if (index % 2) return `<code>${piece}</code>`;
      return piece
        .replace(LINK, '<a href="$2" rel="noopener noreferrer nofollow" target="_blank">$1</a>')
        .replace(BOLD, "<strong>$1</strong>")
        .replace(ITALIC, "<em>$1</em>");
    }).join("");
  }

  function blocks(text) {
    const html = [];
    for (const block of text.trim().split(/\n\s*\n/)) {
      const lines = block.split("\n").map((line) => line.trimEnd()).filter((line) => line.trim());
      if (!lines.length) continue;
      if (lines.every((line) => BULLET.test(line))) {
        html.push("<ul>" + lines.map((l) => `<li>${inline(l.replace(BULLET, ""))}</li>`).join("") + "</ul>");
      } else if (lines.every((line) => NUMBERED.test(line))) {
        html.push("<ol>" + lines.map((l) => `<li>${inline(l.replace(NUMBERED, ""))}</li>`).join("") + "</ol>");
      } else if (lines.length === 1 && HEADING.test(lines[0])) {
        const match = HEADING.exec(lines[0]);
        const level = match[1].length + 2;
        html.push(`<h${level}>${inline(lines[0].slice(match[0].length))}</h${level}>`);
      } else {
        html.push("<p>" + lines.map(inline).join("<br>") + "</p>");
      }
    }
    return html;
  }

  function render(text) {
    const escaped = escapeHtml(text || "");
    const html = [];
    let position = 0;
    for (const fence of escaped.matchAll(FENCE)) {
      html.push(...blocks(escaped.slice(position, fence.index)));
      html.push(`<pre><code>${fence[1].trimEnd()}</code></pre>`);
      position = fence.index + fence[0].length;
    }
    html.push(...blocks(escaped.slice(position)));
    return html.join("");
  }

  return { render, escapeHtml };
})();

// Server-Sent Events from a fetch body: calls onEvent(type, data, id) per complete event.
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const raw = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      let type = "message", id = null;
      const data = [];
      for (const line of raw.split(/\r?\n/)) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? "" : line.slice(colon + 1);
        if (text.startsWith(" ")) text = text.slice(1);
        if (field === "event") type = text;
        else if (field === "data") data.push(text);
        else if (field === "id") id = text;
      }
      if (data.length) onEvent(type, JSON.parse(data.join("\n")), id);
    }
  }
}

(() => {
  const transcript = document.getElementById("transcript");
  if (!transcript) return;
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const sendButton = document.getElementById("send");
  const stopButton = document.getElementById("stop");
  const errorBox = document.getElementById("chat-error");
  const title = document.getElementById("thread-title");
  const url = transcript.dataset.streamUrl;
  const assistantName = transcript.dataset.assistant || "Assistant";
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  let controller = null; // the request in flight, if any
  let pending = null; // the answer's bubble before its first word
  const bubbles = new Map(); // item_id -> {element, text}
  const tools = new Map(); // call_id -> element

  const nearBottom = () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
  function keepInView(wasNearBottom) {
    if (wasNearBottom) window.scrollTo(0, document.body.scrollHeight);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addMessage(role, text) {
    document.getElementById("empty")?.remove();
    const box = element("div", `message ${role}`);
    box.append(element("div", "who", role === "user" ? "You" : assistantName));
    const body = element("div", "body");
    body.innerHTML = Markdown.render(text);
    box.append(body);
    transcript.append(box);
    return box;
  }

  function answerBubble(itemId) {
    if (bubbles.has(itemId)) return bubbles.get(itemId);
    let box = pending;
    pending = null;
    if (!box) box = addMessage("assistant", "");
    box.classList.remove("waiting");
    box.classList.add("streaming");
    transcript.append(box); // after any tool call shown while it waited
    const bubble = { element: box, text: "" };
    bubbles.set(itemId, bubble);
    return bubble;
  }

  function showText(bubble) {
    const follow = nearBottom();
    bubble.element.querySelector(".body").innerHTML = Markdown.render(bubble.text);
    keepInView(follow);
  }

  function toolCard(callId, name) {
    if (tools.has(callId)) return tools.get(callId);
    document.getElementById("empty")?.remove();
    const card = element("details", "tool running");
    card.dataset.callId = callId;
    card.open = true;
    const summary = element("summary");
    summary.append("Calling ", element("code", "", name), element("span", "args", "()"));
    card.append(summary, element("div", "output", "running…"));
    if (pending) transcript.insertBefore(card, pending);
    else transcript.append(card);
    card.dataset.arguments = "";
    tools.set(callId, card);
    return card;
  }

  function setState(state) {
    transcript.dataset.state = state;
  }

  function finish(state, message) {
    if (pending) {
      if (state === "done") pending.remove();
      else pending.classList.replace("waiting", "streaming");
    }
    for (const bubble of bubbles.values()) {
      if (!bubble.element.classList.contains("streaming")) continue;
      bubble.element.classList.remove("streaming");
      if (state !== "done") {
        bubble.element.classList.add("incomplete");
        bubble.element.append(element("div", "status", state === "stopped" ? "Stopped: the answer was cut short." : message || "The answer was cut short."));
      }
    }
    pending = null;
    bubbles.clear();
    if (message && state !== "stopped") showError(message);
    setState(state);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function onEvent(type, data) {
    switch (type) {
      case "run.started":
        setState("streaming");
        break;
      case "item.started":
        if (data.item_type === "message" && data.role === "assistant") answerBubble(data.item_id);
        break;
      case "text.delta": {
        const bubble = answerBubble(data.item_id);
        bubble.text += data.delta;
        showText(bubble);
        break;
      }
      case "tool_call.started":
        toolCard(data.call_id, data.name);
        break;
      case "tool_call.delta": {
        const card = tools.get(data.call_id);
        if (card) {
          card.dataset.arguments += data.delta;
          card.querySelector(".args").textContent = `(${card.dataset.arguments})`;
        }
        break;
      }
      case "tool_call.finished": {
        const card = toolCard(data.call_id, data.name);
        card.classList.remove("running");
        card.querySelector("summary").firstChild.textContent = "Called ";
        card.querySelector(".args").textContent = `(${data.arguments})`;
        if (data.error) card.classList.add("failed");
        card.querySelector(".output").textContent = data.error ? `Error: ${data.error}` : data.output;
        break;
      }
      case "item.completed":
        if (data.item_type === "message" && data.role === "assistant" && bubbles.has(data.item_id)) {
          const bubble = bubbles.get(data.item_id);
          bubble.text = data.text;
          showText(bubble);
          bubble.element.classList.remove("streaming");
          bubble.element.dataset.position = data.position;
          if (data.status === "incomplete") {
            bubble.element.classList.add("incomplete");
            bubble.element.append(element("div", "status", "Stopped: the answer was cut short."));
          }
        }
        break;
      case "run.completed":
        finish("done");
        break;
      case "run.failed":
        finish(data.status === "incomplete" ? "stopped" : "failed",
          data.status === "incomplete" ? "" : (data.error && data.error.message) || `The run ended ${data.status}.`);
        break;
    }
  }

  async function stream(request) {
    controller = new AbortController();
    sendButton.hidden = true;
    stopButton.hidden = false;
    errorBox.hidden = true;
    pending = addMessage("assistant", "");
    pending.classList.add("waiting");
    pending.querySelector(".body").innerHTML = '<span class="dots" aria-label="thinking"><i></i><i></i><i></i></span>';
    setState("streaming");
    try {
      const response = await fetch(url, { ...request, signal: controller.signal, credentials: "same-origin" });
      if (response.status === 204) {
        pending.remove();
        pending = null;
        setState("idle");
        return;
      }
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error(body.detail || `The server answered ${response.status}.`);
      }
      await readEvents(response, onEvent);
      if (transcript.dataset.state === "streaming") finish("failed", "The connection ended before the answer did.");
    } catch (error) {
      if (error.name === "AbortError") finish("stopped");
      else finish("failed", error.message);
    } finally {
      controller = null;
      stopButton.hidden = true;
      sendButton.hidden = false;
      input.focus();
    }
  }

  function send() {
    const message = input.value.trim();
    if (!message || controller) return;
    input.value = "";
    addMessage("user", message);
    if (title.textContent === "New conversation") {
      title.textContent = message.slice(0, 80);
      const current = document.querySelector(".sidebar .current a");
      if (current) current.textContent = title.textContent.slice(0, 40);
    }
    keepInView(true);
    stream({
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "text/event-stream" },
      body: JSON.stringify({ message }),
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  stopButton.addEventListener("click", () => controller?.abort());

  // A run still going (the page was reloaded mid-answer): follow it; 204 when there is none.
  setState("idle");
  if (transcript.dataset.active === "1") stream({ method: "GET", headers: { Accept: "text/event-stream" } });
  window.scrollTo(0, document.body.scrollHeight);
})();
