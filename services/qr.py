"""QR codes of invite links (segno): shown on a screen during a face-to-face intake, or sent."""

from __future__ import annotations

import io
from pathlib import Path

import segno


def qr_png(link: str) -> bytes:
    """A PNG that a phone camera reads from a screen or from paper at arm's length."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def write_qr(link: str, path: Path) -> None:
    path.write_bytes(qr_png(link))
    path.chmod(0o600)  # the link inside is a key to an account until it is used
