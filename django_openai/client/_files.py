"""Turning what users call "a file" into a multipart part that can be sent, and sent again.

Accepted: a path (``str`` or ``os.PathLike``), ``bytes``, a binary file object, a Django
``File``/``UploadedFile`` (recognised by shape, so this module needs no Django), or a tuple
``(filename, content)`` / ``(filename, content, mime_type)`` whose content is any of those.

Files are streamed by the HTTP layer in chunks, never read whole. Because a retry must send the
same bytes again, every part knows how to reopen itself: paths are opened anew, file objects are
rewound to where they stood when the call began.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, cast

FileInput = Any  # str | os.PathLike | bytes | IO[bytes] | django File | tuple


@dataclass(frozen=True)
class FilePart:
    filename: str
    mime_type: str
    size: int | None
    _opener: Callable[[], IO[bytes]]
    #: True when :meth:`open` creates a stream of its own, which the caller must close.
    owns_stream: bool = False

    def open(self) -> IO[bytes]:
        """A stream positioned at the start of the content (rewound or reopened each time)."""
        return self._opener()

    def read_range(self, offset: int, length: int) -> bytes:
        stream = self.open()
        try:
            stream.seek(offset, io.SEEK_CUR)
            return stream.read(length)
        finally:
            if self.owns_stream:
                stream.close()


def to_file_part(value: FileInput, *, default_name: str = "upload") -> FilePart:
    if isinstance(value, tuple):
        if len(value) not in (2, 3):
            raise TypeError("a file tuple is (filename, content) or (filename, content, mime_type)")
        inner = to_file_part(value[1], default_name=str(value[0]))
        mime = value[2] if len(value) == 3 else _guess_mime(str(value[0]))
        return FilePart(str(value[0]), mime, inner.size, inner._opener, inner.owns_stream)
    if isinstance(value, bytes | bytearray | memoryview):
        content = bytes(value)
        return FilePart(default_name, _guess_mime(default_name), len(content), lambda: io.BytesIO(content))
    if isinstance(value, str | os.PathLike):
        path = os.fspath(value)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no such file: {path}")
        name = os.path.basename(path)

        def open_path() -> IO[bytes]:
            return open(path, "rb")

        return FilePart(name, _guess_mime(name), os.path.getsize(path), open_path, owns_stream=True)
    stream = getattr(value, "file", None) if not hasattr(value, "read") else value
    if stream is None or not hasattr(stream, "read"):
        raise TypeError(
            f"cannot send {type(value).__name__} as a file: give a path, bytes, a binary file object, "
            "a Django File or a (filename, content[, mime_type]) tuple"
        )
    name = os.path.basename(str(getattr(value, "name", None) or default_name))
    start = _tell(value)
    size = _size(value, start)
    mime = getattr(value, "content_type", None) or _guess_mime(name)

    def rewind() -> IO[bytes]:
        if start is not None:
            value.seek(start)
        return cast(IO[bytes], _BinaryView(value, start or 0))

    return FilePart(name, mime, size, rewind)


class _BinaryView(io.RawIOBase):
    """Presents a file object (perhaps a text-mode Django File) as a readable binary stream.

    Offset 0 of the view is where the caller's file stood when the call began (the HTTP layer
    rewinds to 0 before sending). It never closes the underlying object: the caller owns it.
    """

    def __init__(self, wrapped: Any, start: int = 0) -> None:
        self._wrapped = wrapped
        self._start = start

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(getattr(self._wrapped, "seekable", lambda: False)())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            offset += self._start
        return int(self._wrapped.seek(offset, whence)) - self._start

    def tell(self) -> int:
        return int(self._wrapped.tell()) - self._start

    def read(self, size: int = -1) -> bytes:
        data = self._wrapped.read(size)
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        # Leave the caller's file open; only mark this view closed.
        super().close()


def _tell(value: Any) -> int | None:
    try:
        return int(value.tell())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _size(value: Any, start: int | None) -> int | None:
    size = getattr(value, "size", None)
    if isinstance(size, int):
        return size - (start or 0)
    try:
        fileno = value.fileno()
        return os.fstat(fileno).st_size - (start or 0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    if start is not None:
        try:
            end = value.seek(0, io.SEEK_END)
            value.seek(start)
            return int(end) - start
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            return None
    return None


def _guess_mime(name: str) -> str:
    if name.endswith(".jsonl"):
        return "application/jsonl"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
