"""Opening a large file as a stream of bytes, plain or compressed (gzip, zstd: told apart by
their first bytes, not by the name), decompressed as it is read. Compressed data that is
damaged or ends before its end marker raises CutOff, so a partial download is never taken for
a whole file."""

from __future__ import annotations

import gzip
import io
import zlib
from contextlib import ExitStack
from pathlib import Path

GZIP, ZSTD = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"
CHUNK = 1 << 20
# Compressed bytes decompressed at a time: what one step holds is this times the compression
# ratio (arXiv's JSON: about 5; a file of repeated records: hundreds).
_ZSTD_FEED = 1 << 13


class CutOff(Exception):
    """Compressed data that is damaged or ends early."""


def open_stream(path: str | Path, stack: ExitStack) -> io.BufferedIOBase:
    """``path`` as a buffered stream of its (decompressed) bytes, closed with ``stack``.
    OSError when the file cannot be opened."""
    raw = stack.enter_context(open(path, "rb", buffering=CHUNK))
    magic = raw.peek(4)[:4]
    if magic.startswith(GZIP):
        return stack.enter_context(_Guarded(gzip.GzipFile(fileobj=raw, mode="rb")))
    if magic == ZSTD:
        return stack.enter_context(io.BufferedReader(_ZstdFrames(raw), buffer_size=CHUNK))
    return raw


class _Guarded(io.BufferedIOBase):
    """A gzip stream whose errors (EOFError for a cut-off file, BadGzipFile, zlib.error) are CutOff."""

    def __init__(self, stream: gzip.GzipFile):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._guard(self._stream.seek, offset, whence)  # forward: gzip decompresses up to it

    def read(self, size: int = -1) -> bytes:
        return self._guard(self._stream.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._guard(self._stream.readline, size)

    def close(self) -> None:
        self._stream.close()
        super().close()

    @staticmethod
    def _guard(call, *args):
        try:
            return call(*args)
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise CutOff(f"gzip: {error}") from None


class _ZstdFrames(io.RawIOBase):
    """zstd frames one after another (as zstd, pzstd and concatenated files write them),
    decompressed. zstandard's own stream reader ends quietly where the input ends, mid-frame or
    not: this one says so."""

    def __init__(self, raw: io.BufferedIOBase):
        import zstandard  # only for .zst files

        self._raw, self._new, self._error = raw, zstandard.ZstdDecompressor().decompressobj, zstandard.ZstdError
        self._frame, self._in_frame = self._new(), False
        self._pending, self._at = b"", 0  # decompressed bytes not yet read, and where reading is

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._at == len(self._pending):
            data = self._raw.read(_ZSTD_FEED)
            if not data:
                if self._in_frame:
                    raise CutOff("zstd: the data ends inside a frame")
                return 0
            self._pending, self._at = self._decompress(data), 0
        size = min(len(buffer), len(self._pending) - self._at)
        buffer[:size] = self._pending[self._at:self._at + size]
        self._at += size
        return size

    def _decompress(self, data: bytes) -> bytes:
        out = []
        try:
            while data:
                out.append(self._frame.decompress(data))
                self._in_frame = not self._frame.eof
                data = self._frame.unused_data if self._frame.eof else b""
                if self._frame.eof:
                    self._frame = self._new()
        except self._error as error:
            raise CutOff(f"zstd: {error}") from None
        return b"".join(out)
