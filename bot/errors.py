"""Errors the CLI shows as one line (exit 1) instead of a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A problem the person at the keyboard can fix. The message says what and how."""
