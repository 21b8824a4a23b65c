"""What the fuzzing sends: hypothesis strategies for raw Telegram updates (as JSON dicts) and for
a person's actions in the sandbox.

The updates are what a buggy client, an old or a future Bot API, or someone forging requests
could produce: fields missing, any unicode (direction overrides, zero-width joiners, combining
marks, private-use characters), 5,000-character text, every command with odd arguments,
template and HTML syntax, forged chat types, bots as senders, stale and forged button data,
update types python-telegram-bot does not know, and redeliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

COMMANDS = (
    "/start", "/help", "/verder", "/oefening", "/voortgang", "/checkindag", "/pauze", "/stop",
    "/privacy", "/nieuw", "/uitnodigingen", "/overzicht", "/samenvatting", "/voorbereiding",
    "/afwezig", "/terug", "/afspraak", "/mijngegevens", "/vergeetmij", "/spreekuur", "/pin",
    "/groepen", "/nieuwegroep", "/maand", "/onbekend", "/START", "/help@duwtje_offline_bot",
    "/start@een_andere_bot", "/", "//", "/start abc_DEF-123", "/start " + "x" * 300,
)  # fmt: skip
SPECIAL = (
    "{{7*7}}", "{% for x in range(9) %}x{% endfor %}", "${7*7}", "<b>vet</b>", "<script>x</script>",
    "&amp; & &lt; <", "\u202egnitset", "\u200d\u200b\ufeff", "a\u0301\u0301\u0301",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\x00\x01\x1f", "ja", "nee", "1", "10",
    "stop", "pauze", "help", "ik wil niet meer leven", "ik wil dood",
)  # fmt: skip
# The callback actions the bot makes (services/*: pack("st", ...)), to forge plausible presses.
ACTIONS = (
    "al", "ap", "aw", "cd", "cf", "ci", "cl", "cr", "cs", "dg", "ex", "fb", "gm", "gr", "info",
    "iv", "mf", "mo", "nu", "nw", "pc", "pl", "pz", "q", "qa", "qc", "st", "ta", "tr", "vb", "vg",
)  # fmt: skip
NOW_S = 1_772_546_400  # 2026-03-03 14:00 UTC, the bench's "now" (bench/update.py)
BOT_ID = 1
T = TypeVar("T")

# About one in twenty (hypothesis favours the ends of an integer range, so not integers).
_rare = st.sampled_from((False,) * 19 + (True,))
_odd = st.text(
    st.characters(codec="utf-8", categories=("Cf", "Mn", "Lo", "So", "Zs", "Cc", "Co", "Sk")),
    max_size=300,
)
_long = st.integers(4_000, 5_000).map(lambda n: ("Een lang verhaal, echt waar. ✨ " * 200)[:n])


def texts(*, limit: int = 5_000) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=300),
        _odd,
        st.sampled_from(COMMANDS),
        st.builds(lambda c, rest: f"{c} {rest}", st.sampled_from(COMMANDS), st.text(max_size=80)),
        st.sampled_from(SPECIAL),
        _long if limit >= 5_000 else _long.map(lambda t: t[:limit]),
    )


def button_data() -> st.SearchStrategy[str | None]:
    part = st.one_of(st.integers(-5, 2_000_000).map(str), st.text(max_size=10))
    return st.one_of(
        st.builds(
            lambda action, parts: ":".join([action, *parts]),
            st.sampled_from(ACTIONS),
            st.lists(part, max_size=4),
        ),
        st.text(max_size=70),
        st.none(),
    )


@st.composite
def _user(draw: st.DrawFn, known: tuple[int, ...]) -> dict[str, Any]:
    user_id = draw(st.one_of(st.sampled_from(known), st.integers(2, 2**40), st.integers(2, 2**40)))
    user: dict[str, Any] = {
        "id": user_id,
        "is_bot": draw(_rare),
        "first_name": draw(st.one_of(st.just("Sanne"), st.text(max_size=64), _odd)),
    }
    if draw(st.booleans()):
        user["language_code"] = draw(st.sampled_from(("nl", "en", "ar", "de", "", "xx-YY")))
    if draw(_rare):
        del user["first_name"]  # python-telegram-bot cannot read this one
    return user


@st.composite
def _chat(draw: st.DrawFn, user: dict[str, Any]) -> dict[str, Any]:
    kind = draw(st.sampled_from(("private",) * 8 + ("group", "supergroup", "channel", "weird")))
    if kind == "private":
        chat_id = user["id"] if not draw(_rare) else draw(st.integers(2, 2**40))
        return {"id": chat_id, "type": "private", "first_name": "Sanne"}
    chat_id = draw(st.sampled_from((-4_000_000_001, -1_001_234_567_890, -77)))
    return {"id": chat_id, "type": kind, "title": draw(st.text(max_size=40))}


@st.composite
def _message(draw: st.DrawFn, known: tuple[int, ...]) -> dict[str, Any]:
    user = draw(_user(known))
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 2**31 - 1)),
        "date": NOW_S,
        "chat": draw(_chat(user)),
        "from": user,
    }
    body = draw(
        st.sampled_from(("text",) * 6 + ("photo", "voice", "sticker", "document", "location",
                        "contact", "empty", "joined"))
    )  # fmt: skip
    if body == "text":
        text = draw(texts())
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split(" ")[0]) if not draw(_rare) else draw(st.integers(0, 9_000))
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    elif body == "photo":
        message["photo"] = [{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]
        if draw(st.booleans()):
            message["caption"] = draw(texts(limit=1_024))
    elif body == "voice":
        message["voice"] = {"file_id": "v", "file_unique_id": "w", "duration": 3}
    elif body == "sticker":
        message["sticker"] = {
            "file_id": "s", "file_unique_id": "t", "type": "regular", "width": 9, "height": 9,
            "is_animated": False, "is_video": False,
        }  # fmt: skip
    elif body == "document":
        message["document"] = {"file_id": "d", "file_unique_id": "e", "file_name": "a.pdf"}
        message["caption"] = draw(texts(limit=1_024))
    elif body == "location":
        message["location"] = {"latitude": 52.1, "longitude": 5.1}
    elif body == "contact":
        message["contact"] = {"phone_number": "+31600000000", "first_name": "Iemand"}
    elif body == "joined":
        message["new_chat_members"] = [user, {"id": BOT_ID, "is_bot": True, "first_name": "D"}]
    if draw(_rare):
        message.pop(draw(st.sampled_from(("date", "chat", "from", "message_id"))), None)
    return message


@st.composite
def _press(draw: st.DrawFn, known: tuple[int, ...]) -> dict[str, Any]:
    user = draw(_user(known))
    press: dict[str, Any] = {
        "id": str(draw(st.integers(1, 2**62))),
        "from": user,
        "chat_instance": "ci",
    }
    data = draw(button_data())
    if data is not None:
        press["data"] = data
    if draw(st.integers(0, 9)) > 0:
        press["message"] = {
            "message_id": draw(st.integers(1, 2**31 - 1)),
            "date": draw(st.sampled_from((NOW_S, 0))),  # 0: a message too old to show
            "chat": draw(_chat(user)),
        }
    return press


@st.composite
def _member_change(draw: st.DrawFn, known: tuple[int, ...]) -> dict[str, Any]:
    user = draw(_user(known))
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Duwtje"}
    return {
        "chat": draw(_chat(user)),
        "from": user,
        "date": NOW_S,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {
            "status": draw(st.sampled_from(("kicked", "member", "left"))),
            "user": bot,
            "until_date": 0,
        },
    }


def updates(known: tuple[int, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """One update without its update_id (the fuzzer numbers them, and redelivers some)."""
    unknown = st.builds(
        lambda name, value: {name: value},
        st.sampled_from(("a_future_update", "message_reaction", "purchased_paid_media")),
        st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=3),
    )
    return st.one_of(
        _message(known).map(lambda m: {"message": m}),
        _message(known).map(lambda m: {"message": m}),
        _message(known).map(lambda m: {"message": m}),
        _press(known).map(lambda p: {"callback_query": p}),
        _press(known).map(lambda p: {"callback_query": p}),
        _message(known).map(lambda m: {"edited_message": m | {"edit_date": NOW_S}}),
        _message(known).map(lambda m: {"channel_post": m}),
        _member_change(known).map(lambda c: {"my_chat_member": c}),
        unknown,
        st.just({}),
    )


def draw_many(strategy: st.SearchStrategy[T], count: int, *, start: int = 0) -> list[T]:
    """`count` values drawn by hypothesis (generation only: nothing here fails, so nothing is
    shrunk), reproducibly: the same seed gives the same values."""
    drawn: list[T] = []
    attempt = start
    while len(drawn) < count:  # hypothesis skips a value it drew before; draw on until enough
        _collect(strategy, count - len(drawn), attempt, drawn.append)
        attempt += 1
    return drawn[:count]


def _collect(
    strategy: st.SearchStrategy[T], count: int, seed_value: int, keep: Callable[[T], None]
) -> None:
    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: T) -> None:
        keep(value)

    collect()
