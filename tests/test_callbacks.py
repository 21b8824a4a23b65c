"""Callback data: short, parseable, and never over Telegram's 64 bytes."""

from __future__ import annotations

import pytest

from services.callbacks import CallbackDataError, as_int, pack, unpack

LONGEST_KEY = "x" * 24  # content keys are at most 24 characters (content/lines.py)


@pytest.mark.parametrize(
    "parts",
    [
        ("ci", 9_999_999_999, LONGEST_KEY, 9999, 7, "s10"),  # a check-in answer
        ("st", 9_999_999_999, LONGEST_KEY, "o7"),  # a step answer
        ("nw", "l", "resident", LONGEST_KEY),  # an invite's line
        ("cs", "y", "A" * 32),  # consent, with the invite token
        ("nu", "pause", 9_999_999_999),
    ],
)
def test_the_longest_callbacks_we_make_fit(parts: tuple[str | int, ...]) -> None:
    data = pack(str(parts[0]), *parts[1:])
    assert len(data.encode()) <= 64
    parsed = unpack(data)
    assert parsed is not None and parsed.action == parts[0]
    assert parsed.parts == tuple(str(part) for part in parts[1:])


def test_it_refuses_what_would_not_parse_or_fit() -> None:
    with pytest.raises(CallbackDataError, match="may not contain"):
        pack("st", "a:b")
    with pytest.raises(CallbackDataError, match="bytes"):
        pack("st", "é" * 40)  # 80 bytes in UTF-8
    assert unpack(None) is None and unpack("") is None and unpack("x" * 65) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42", 42),
        ("-3", -3),
        (str(2**31 - 1), 2**31 - 1),
        (str(2**31), None),  # more than an id column holds: a forged press
        ("99999999999999999999", None),
        ("²", None),  # "²".isdigit() is true, int("²") is not
        ("٣", None),  # Arabic-Indic three: a digit to Python, not one of ours
        ("4a", None),
        ("", None),
        (None, None),
    ],
)
def test_numbers_in_callback_data_are_ours_or_none(text: str | None, number: int | None) -> None:
    assert as_int(text) == number
    assert unpack(f"x:{text}") is None or unpack(f"x:{text}").int_part(0) == number  # type: ignore[union-attr]
