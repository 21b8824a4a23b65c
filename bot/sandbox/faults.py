"""Fault injection: rules that make chosen Bot API requests fail the way Telegram or the network
can fail, so the bot's error handling can be tested on purpose."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import ApiError, ControlError, bad_request, forbidden, too_many_requests
from bot.sandbox.limits import send_kind
from bot.sandbox.shapes import FaultView

# Kinds answered at once, without processing the request.
REFUSALS = (
    "blocked",
    "deactivated",
    "kicked",
    "chat_not_found",
    "migrate",
    "server_error",
    "retry_after",
    "not_modified",
    "edit_not_found",
    "cant_parse",
)
# read_timeout: processed and delivered, the answer held back; drop_connection: nothing at all.
KINDS = (*REFUSALS, "read_timeout", "drop_connection")
# matches every send-like method: send* but sendChatAction, editMessage* and stopPoll
SEND_METHODS = "send"
ANY_METHOD = "*"

# What Telegram's front (nginx) answers with when the Bot API server behind it is down.
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class FaultRule:
    id: int
    kind: str
    method: str = SEND_METHODS
    chat_id: int | None = None
    nth: int | None = None  # fire from the nth matching request on (1-based)
    every: int | None = None  # fire on every k-th matching request
    probability: float | None = None  # fire with this probability (seeded)
    seed: int | None = None
    times: int | None = None  # how often it fires; None: no limit
    retry_after: int = 5  # retry_after
    retry_after_max: int | None = None  # retry_after: a (seeded) pick from retry_after..this
    status: int = 500  # server_error: 500 or 502
    hold: float = 10.0  # read_timeout: seconds the answer is held back
    migrate_to_chat_id: int | None = None  # migrate; default: derived from the chat id
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, chat_id: object) -> bool:
        if self.method == SEND_METHODS:
            method_ok = send_kind(method) is not None
        else:
            method_ok = self.method in (ANY_METHOD, method)
        return method_ok and (self.chat_id is None or self.chat_id == chat_id)

    def fires(self) -> bool:
        """Count one matching request and say whether the fault hits it."""
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        if self.nth is not None:
            hit = self.seen >= self.nth
        elif self.every is not None:
            hit = self.seen % self.every == 0
        elif self.probability is not None:
            hit = self.rng.random() < self.probability
        else:
            hit = True
        self.fired += hit
        return hit

    def error(self, chat_id: object) -> ApiError:
        """The answer for a refusal kind."""
        if self.kind == "blocked":
            return forbidden("bot was blocked by the user")
        if self.kind == "deactivated":
            return forbidden("user is deactivated")
        if self.kind == "kicked":
            return forbidden("bot was kicked from the group chat")
        if self.kind == "chat_not_found":
            return bad_request("chat not found")
        if self.kind == "not_modified":
            return bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        if self.kind == "edit_not_found":
            return bad_request("message to edit not found")
        if self.kind == "cant_parse":
            return bad_request('can\'t parse entities: unsupported start tag "x" at byte offset 0')
        if self.kind == "migrate":
            target = self.migrate_to_chat_id
            if target is None:
                target = -1_000_000_000_000 - abs(chat_id if isinstance(chat_id, int) else 1)
            return bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": target}
            )
        if self.kind == "retry_after":
            if self.retry_after_max is not None:
                return too_many_requests(self.rng.randint(self.retry_after, self.retry_after_max))
            return too_many_requests(self.retry_after)
        return ApiError(self.status, "Internal Server Error")

    def view(self) -> FaultView:
        return FaultView(
            id=self.id,
            kind=self.kind,
            method=self.method,
            chat_id=self.chat_id,
            nth=self.nth,
            every=self.every,
            probability=self.probability,
            seed=self.seed,
            times=self.times,
            retry_after=self.retry_after,
            retry_after_max=self.retry_after_max,
            status=self.status,
            hold=self.hold,
            migrate_to_chat_id=self.migrate_to_chat_id,
            seen=self.seen,
            fired=self.fired,
        )


_FIELDS = {
    "kind": str,
    "method": str,
    "chat_id": int,
    "nth": int,
    "every": int,
    "probability": float,
    "seed": int,
    "times": int,
    "retry_after": int,
    "retry_after_max": int,
    "status": int,
    "hold": float,
    "migrate_to_chat_id": int,
}


@dataclass
class Redelivery:
    """Webhook updates delivered more than once, as Telegram does when it did not see the
    bot's 200: each update 1 + (a seeded pick from `extra_min`..`extra_max`) times."""

    extra_min: int
    extra_max: int
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Redelivery:
        unknown = set(spec) - {"min", "max", "seed"}
        if unknown:
            raise ControlError(400, f"unknown redelivery fields: {sorted(unknown)}")
        low, high, seed = spec.get("min", 1), spec.get("max", 1), spec.get("seed")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
            raise ControlError(400, "redelivery min and max are whole numbers")
        if not 1 <= low <= high <= 10:
            raise ControlError(400, "redelivery wants 1 <= min <= max <= 10 deliveries")
        redelivery = cls(low - 1, high - 1, seed if isinstance(seed, int) else None)
        redelivery.rng.seed(redelivery.seed)
        return redelivery

    def extra_copies(self) -> int:
        return self.rng.randint(self.extra_min, self.extra_max)

    def view(self) -> dict[str, int | None]:
        return {"min": self.extra_min + 1, "max": self.extra_max + 1, "seed": self.seed}


class Faults:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.redelivery: Redelivery | None = None
        self._next_id = 1

    def add(self, spec: Mapping[str, Any]) -> FaultRule:
        """A rule from its JSON description; see the README for the fields."""
        unknown = set(spec) - set(_FIELDS)
        if unknown:
            raise ControlError(400, f"unknown fault fields: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, value in spec.items():
            wanted = _FIELDS[name]
            accepted = (float, int) if wanted is float else (wanted,)
            if value is None:
                continue
            if not isinstance(value, accepted) or isinstance(value, bool):
                raise ControlError(400, f"fault field {name} must be {wanted.__name__}")
            values[name] = value
        if values.get("kind") not in KINDS:
            raise ControlError(400, f"fault kind must be one of {', '.join(KINDS)}")
        if sum(values.get(name) is not None for name in ("nth", "every", "probability")) > 1:
            raise ControlError(400, "give at most one of nth, every and probability")
        shortest = values.get("retry_after", 5)
        if values.get("retry_after_max", shortest) < shortest:
            raise ControlError(400, "retry_after_max must be at least retry_after")
        if values.get("status", 500) not in (500, 502):
            raise ControlError(400, "server_error status is 500 or 502")
        if "times" not in spec and not ({"every", "probability"} & set(values)):
            values["times"] = 1  # a plain or nth rule fires once unless told otherwise
        rule = FaultRule(id=self._next_id, **values)
        rule.rng.seed(rule.seed)
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()
        self.redelivery = None

    def pick(self, method: str, chat_id: object) -> FaultRule | None:
        """The first rule that fires for this request. Every matching rule counts the request,
        so `nth` means the nth request the rule matched, whatever other rules did."""
        chosen = None
        for rule in self.rules:
            if not rule.matches(method, chat_id):
                continue
            if chosen is None and rule.fires():
                chosen = rule
            elif chosen is not None:
                rule.seen += 1
        return chosen
