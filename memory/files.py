"""Text files a creator gives us (transcripts, Studio exports): refused by content when they are not text.

A file is binary when its first ``SNIFF_BYTES`` hold a NUL byte (as git and grep decide) or match the signature
of a known binary format (images, audio, video, PDF, archives; signatures from ``puremagic``), whatever its name
says: a PNG renamed .srt is refused, not analysed as a 1,000-word script.
"""

from __future__ import annotations

import puremagic

SNIFF_BYTES = 8192
_BINARY_MIME = ("image/", "audio/", "video/", "application/pdf", "application/zip", "application/x-", "font/")


class NotTextError(ValueError):
    """A file that should be text is binary; the message names the file, what it looks like and what to send."""


def binary_kind(raw: bytes) -> str | None:
    """What ``raw`` (a file's bytes) is when it is not text, in words ("Portable Network Graphics file"), else None."""
    head = raw[:SNIFF_BYTES]
    try:
        match = puremagic.magic_string(head)[0] if head else None
    except (puremagic.PureError, ValueError, IndexError):
        match = None
    if match is not None and match.confidence >= 0.8 and match.mime_type.startswith(_BINARY_MIME):
        return match.name
    if b"\x00" in head:
        return match.name if match is not None else "binary data"
    return None


def decode_text(raw: bytes, name: str, expected: str) -> str:
    """``raw`` as text: UTF-8 (with or without BOM), else Windows-1252 (older Studio exports), soft hyphens removed.

    Raises NotTextError when the bytes are binary (``binary_kind``) or decode as neither, saying that ``name`` is
    not text and that ``expected`` (e.g. "a transcript (.srt, .vtt or .txt)") is what to send.
    """
    if kind := binary_kind(raw):
        raise NotTextError(f"{name} is not text (it looks like a {kind}): send {expected}.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise NotTextError(f"{name} is not UTF-8 or Windows-1252 text: send {expected}.") from None
    return text.replace("\u00ad", "")
