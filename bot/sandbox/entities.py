"""Message entities: derived from the HTML a bot sends, and detected in plain text.

`content.telegram_text.check_html` decides whether the HTML is acceptable; this module only turns
acceptable HTML into Telegram's (text, entities) form. Offsets and lengths are UTF-16 code units,
as in the Bot API.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from content.telegram_text import utf16_length

Entity = dict[str, Any]

_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",  # check_html admits <span> only with class="tg-spoiler"
    "code": "code",
    "pre": "pre",
}

# What Telegram's clients turn into entities by themselves (a useful subset).
_DETECT = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/]))"
    r"|(?P<url>\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'])"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b)"
)


class _EntityParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.units = 0  # UTF-16 units written so far (HTMLParser owns `offset`)
        self.stack: list[tuple[str, dict[str, str | None], int, Entity]] = []
        self.entities: list[Entity] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append((tag, dict(attrs), self.units, {}))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            return
        name, attrs, start, extra = self.stack.pop()
        length = self.units - start
        language = (attrs.get("class") or "").removeprefix("language-")
        if name == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language
            if language:
                self.stack[-1][3]["language"] = language
            return
        entity = self._entity(name, attrs, start, length)
        if entity is not None:
            entity.update(extra)
            self.entities.append(entity)

    def _entity(
        self, tag: str, attrs: dict[str, str | None], start: int, length: int
    ) -> Entity | None:
        if length == 0:
            return None
        entity: Entity = {"offset": start, "length": length}
        if tag == "a":
            entity.update(type="text_link", url=attrs.get("href") or "")
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        elif tag == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=attrs.get("emoji-id") or "")
        elif tag in _SIMPLE:
            entity["type"] = _SIMPLE[tag]
        else:
            return None
        return entity

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.units += utf16_length(data)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """The visible text and its formatting entities, for HTML that `check_html` accepted."""
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts), parser.entities


def detect_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Commands, links and mentions found in plain text, skipping spans already formatted."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in existing or []]
    found: list[Entity] = []
    for match in _DETECT.finditer(text):
        kind = match.lastgroup or ""
        start = utf16_length(text[: match.start()])
        end = start + utf16_length(match.group())
        if any(start < stop and begin < end for begin, stop in taken):
            continue
        found.append({"type": kind, "offset": start, "length": end - start})
    return found


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram trims leading and trailing whitespace of a message; entities follow the text."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_length(text[: len(text) - len(text.lstrip())])
    size = utf16_length(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def ordered(entities: list[Entity]) -> list[Entity]:
    """Telegram's order: by offset, the longer (enclosing) entity first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))
