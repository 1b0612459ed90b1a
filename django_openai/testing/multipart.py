"""A small multipart/form-data reader for the fake server (stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any


@dataclass
class UploadedPart:
    filename: str
    content: bytes
    content_type: str


def parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """Fields by name: ``str`` for plain fields, :class:`UploadedPart` for files, lists when repeated."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    fields: dict[str, Any] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        value: Any = (
            UploadedPart(filename, payload, part.get_content_type())
            if filename
            else payload.decode("utf-8", "replace")
        )
        if name in fields:
            existing = fields[name]
            fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[name] = value
    return fields
