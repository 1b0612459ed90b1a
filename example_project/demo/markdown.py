"""A tiny, safe Markdown subset for chat answers: everything is escaped first, then only the
markup below is added, so a model's (or a user's) ``<script>`` or ``onerror=`` stays text.

Blocks: fenced code (```), headings (#, ##, ###), bullet lists (- or *), numbered lists (1.),
paragraphs (a single newline is a line break). Inline: `code`, **bold**, *italic*, and links whose
address starts with http:// or https://. static/demo/chat.js renders streamed text with the same
rules, so an answer looks the same while it streams and after a reload.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|$)", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
# After escaping, a quote is &quot; and < is &lt;: an address cannot leave its attribute.
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_BULLET = re.compile(r"^[-*] +")
_NUMBERED = re.compile(r"^\d+[.)] +")
_HEADING = re.compile(r"^(#{1,3}) +")


def _inline(text: str) -> str:
    """Inline markup on already escaped text; code spans are kept out of the other rules."""
    pieces = _CODE.split(text)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(f"<code>{piece}</code>")
            continue
        piece = _LINK.sub(r'<a href="\2" rel="noopener noreferrer nofollow" target="_blank">\1</a>', piece)
        piece = _BOLD.sub(r"<strong>\1</strong>", piece)
        piece = _ITALIC.sub(r"<em>\1</em>", piece)
        out.append(piece)
    return "".join(out)


def _blocks(text: str) -> list[str]:
    html = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.sub('', line))}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        elif all(_NUMBERED.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_NUMBERED.sub('', line))}</li>" for line in lines)
            html.append(f"<ol>{items}</ol>")
        elif len(lines) == 1 and (heading := _HEADING.match(lines[0])):
            level = len(heading.group(1)) + 2  # h3 to h5: below the page's own headings
            html.append(f"<h{level}>{_inline(lines[0][heading.end() :])}</h{level}>")
        else:
            html.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return html


def render(text: str) -> SafeString:
    """``text`` as HTML: escaped, then the subset above."""
    escaped = escape(text or "")
    html = []
    position = 0
    for fence in _FENCE.finditer(escaped):
        html += _blocks(escaped[position : fence.start()])
        html.append(f"<pre><code>{fence.group(1).rstrip()}</code></pre>")
        position = fence.end()
    html += _blocks(escaped[position:])
    return mark_safe("".join(html))  # built from escaped text only
