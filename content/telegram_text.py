"""Telegram's rules for message text, as pure functions.

python-telegram-bot does not check these before sending; Telegram rejects the request. We check
every template and every line in `duwtje content check`, and the sandbox applies the same rules
to what the bot actually sends.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MESSAGE_LIMIT = 4096  # characters (UTF-16 code units) after entity parsing
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes, UTF-8
CALLBACK_ANSWER_LIMIT = 200  # characters
START_PAYLOAD_LIMIT = 64  # characters of A-Za-z0-9_-
BUTTON_TEXT_LIMIT = 64  # not documented by Telegram; longer labels are unreadable on a phone

# Bot API "HTML style": the tags Telegram understands, and the attributes each may carry.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})


def utf16_length(text: str) -> int:
    """Telegram counts characters in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = ALLOWED_TAGS.get(tag)
        if allowed is None:
            self.problems.append(f"unsupported start tag <{tag}>")
            return
        for name, _value in attrs:
            if name not in allowed:
                self.problems.append(f"unsupported attribute {name!r} on <{tag}>")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.problems.append('<span> needs class="tg-spoiler"')
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> needs an href")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing tag <{tag}/> is not supported")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"unsupported end tag </{tag}>")
            return
        if not self.stack or self.stack[-1] != tag:
            expected = f"</{self.stack[-1]}>" if self.stack else "no end tag"
            self.problems.append(f"unexpected end tag </{tag}>, expected {expected}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append("a bare < or > must be written as &lt; or &gt;")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            self.problems.append(f"unsupported entity &{name};")
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.problems.append("comments are not supported")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not supported")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declarations are not supported")


def check_html(text: str) -> tuple[list[str], str]:
    """Problems with `text` in Telegram's HTML parse mode, and the text as the reader sees it."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    # HTMLParser keeps an unterminated "&" or "<" in its buffer; close() flushes it as data.
    problems = list(checker.problems)
    if checker.stack:
        problems.append(f"unclosed tag <{checker.stack[-1]}>")
    visible = "".join(checker.text)
    if "&" in text and _has_bare_ampersand(text):
        problems.append("a bare & must be written as &amp;")
    return problems, visible


def _has_bare_ampersand(text: str) -> bool:
    index = text.find("&")
    while index != -1:
        end = text.find(";", index)
        entity = text[index + 1 : end] if end != -1 else ""
        if (
            end == -1
            or not entity
            or not (entity in NAMED_ENTITIES or entity.startswith("#"))
            or len(entity) > 10
        ):
            return True
        index = text.find("&", end)
    return False


def message_problems(text: str, *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Everything Telegram would refuse about `text` sent with parse_mode=HTML."""
    problems, visible = check_html(text)
    length = utf16_length(visible.strip())
    if length == 0 and limit == MESSAGE_LIMIT:
        problems.append("the message is empty")
    if length > limit:
        problems.append(f"{length} characters after formatting; Telegram allows at most {limit}")
    return problems


def button_problems(label: str, data: str | None = None) -> list[str]:
    problems = []
    if not label.strip():
        problems.append("the button label is empty")
    if utf16_length(label) > BUTTON_TEXT_LIMIT:
        problems.append(f"the button label is longer than {BUTTON_TEXT_LIMIT} characters")
    if data is not None and not 1 <= utf8_length(data) <= CALLBACK_DATA_LIMIT:
        problems.append(f"callback data must be 1-{CALLBACK_DATA_LIMIT} bytes")
    return problems


def clip(text: str, units: int) -> str:
    """`text` cut to at most `units` UTF-16 code units (never half an emoji), with "…" if cut."""
    if utf16_length(text) <= units:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > units - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…"


def visible_length(text: str) -> int:
    """How long `text` (valid Telegram HTML) is as Telegram counts it: after parsing, in UTF-16.

    Valid means what `check_html` accepts, as every rendered message is (the content check
    holds the templates to it, autoescape the values): then every "<" opens a tag and every
    "&" an entity, and dropping the tags and unescaping gives the very text the parser would,
    at a tenth of its cost (a long digest is measured piece by piece)."""
    return utf16_length(html.unescape(_TAG.sub("", text)))


_TAG = re.compile(r"<[^>]*>")


def split_message(text: str, *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in parts that each fit one message, cut where a reader would pause: between
    sections (a blank line), else between lines. Tags never span a line in our templates, so
    every part is valid HTML on its own; a single line longer than `limit` is clipped."""
    if visible_length(text) <= limit:
        return [text]
    # Each piece is measured once: as tags never span a line, a part's visible length is the
    # sum of its pieces' and the joiners' (a blank line is two, a newline one).
    parts: list[str] = []
    current, used = "", 0
    for section in text.split("\n\n"):
        size = visible_length(section)
        pieces = (
            [(section, size)]
            if size <= limit
            else [(line, visible_length(line)) for line in section.split("\n")]
        )
        for piece, length in pieces:
            joiner = "\n\n" if piece is section else "\n"
            if current and used + len(joiner) + length <= limit:
                current, used = f"{current}{joiner}{piece}", used + len(joiner) + length
                continue
            if current:
                parts.append(current)
            if length > limit:
                piece = clip(piece, limit)
                length = visible_length(piece)
            current, used = piece, length
    if current:
        parts.append(current)
    return parts
