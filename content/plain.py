"""Plain language, measured: words per message and per sentence, and what a locked phone shows.

Clients include people who read poorly. Every message a client reads stays at most 80 words
(longer texts are split or put behind a "lees meer" button), with sentences of at most 15 words
on average. Messages that arrive unasked (steps, nudges, check-ins) may show on a lock screen:
their first line names nothing sensitive (`lock_screen_words` in privacy.toml).
"""

from __future__ import annotations

import re

from content.telegram_text import check_html

MAX_WORDS = 80
MAX_AVERAGE_SENTENCE = 15.0

_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+", re.UNICODE)
_URL = re.compile(r"https?://\S+|/\w+")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n+")


def visible(html: str) -> str:
    return check_html(html)[1]


def words(text: str) -> list[str]:
    return _WORD.findall(_URL.sub(" ", text))


def sentences(text: str) -> list[list[str]]:
    """Sentences as lists of words; a line break ends a sentence (lists, headings)."""
    parts = _SENTENCE_END.split(_URL.sub(" ", text))
    return [found for part in parts if (found := words(part))]


def plain_language_problems(html: str) -> list[str]:
    text = visible(html)
    problems = []
    count = len(words(text))
    if count > MAX_WORDS:
        problems.append(
            f"{count} words; at most {MAX_WORDS} per message (split it, or a 'lees meer' button)"
        )
    found = sentences(text)
    if found:
        average = sum(len(s) for s in found) / len(found)
        if average > MAX_AVERAGE_SENTENCE:
            problems.append(
                f"sentences average {average:.1f} words; at most {MAX_AVERAGE_SENTENCE:.0f}"
            )
    return problems


def first_line(html: str) -> str:
    return visible(html).strip().split("\n", 1)[0]


def lock_screen_problems(html: str, sensitive: list[str]) -> list[str]:
    line = first_line(html).casefold()
    return [
        f"the first line names {word!r}, which a locked phone shows"
        for word in sensitive
        if word.casefold() in line
    ]


# Templates written for a peer group: the only ones that may go to a group chat
# (services/group_guard.py). They have no slot for a person's name or words.
GROUP_TEMPLATES = frozenset(
    {
        "group_not_linked",
        "group_linked",
        "group_code_bad",
        "group_not_yours",
        "group_unlinked",
        "group_leaving",
        "group_welcome",
        "group_help",
        "group_private_sent",
        "group_prompt",
        "group_encouragement",
        "group_meeting",
    }
)

# Templates professionals read (the rules above are for clients; professionals get the same
# care, but a digest may list more than 80 words of names).
PROFESSIONAL_TEMPLATES = frozenset(
    {
        "client_joined",
        "client_stopped",
        "month_figures",
        "month_figures_page",
        "group_code",
        "group_linked_pro",
        "group_unlinked_pro",
        "group_back",
        "group_inactive",
        "group_meeting_ask",
        "group_meeting_planned",
        "groups_list",
        "group_day_ask",
        "group_unlink_ask",
        "group_unlink_done",
        "group_page",
        "crisis_alert",
        "crisis_ack_done",
        "crisis_taken",
        "invite_age",
        "parent_consent_waiting",
        "parent_consent_given",
        "pin_ask",
        "pin_bad",
        "pin_set",
        "pin_ok",
        "pin_wrong",
        "client_erased",
        "parent_unlink_ask",
        "parent_unlinked",
        "question_attachment",
        "consult_ask",
        "consult_unclear",
        "consult_set",
        "appointment_request",
        "appointment_moved_request",
        "appointment_decline_ask",
        "appointment_other_ask",
        "appointment_no_other",
        "appointment_proposed_sent",
        "appointment_declined_sent",
        "appointment_confirmed_pro",
        "appointment_cancelled_pro",
        "appointment_reminder_pro",
        "digest",
        "nudge_stopped",
        "nudge_talk",
        "nudge_choose",
        "nudge_when",
        "nudge_ask_words",
        "stall_days_ask",
        "question_answer_ask",
        "question_answered",
        "question_handled",
        "question_already",
        "stall_days_set",
        "help_professional",
        "invite_line",
        "invite_link",
        "invite_no_line",
        "invite_no_pupil",
        "invite_parent_link",
        "invite_pupil",
        "invite_role",
        "professional_welcome",
        "question_relay",
        "invite_qr",
        "invite_no_client",
        "invite_phone_client",
        "invite_phone_link",
        "invites_open",
        "binding_confirmed",
        "binding_refused",
        "client_new_phone",
        "caseload",
        "client_page",
        "answer_card",
        "answer_cards_none",
        "feedback_ask",
        "feedback_sent",
        "meeting_held",
        "nudges_switched",
        "nudged_now",
        "chart_caption",
        "chart_none",
        "meeting_ask",
        "meeting_planned",
        "digest_settings",
        "preparation",
        "preparation_choose",
        "leave_ask",
        "leave_until",
        "leave_set",
        "leave_status",
        "leave_ended",
        "stand_in_asked",
        "stand_in_ended",
        "transfer_ask",
        "transfer_done",
        "transfer_received",
        "export_ask",
        "export_caption",
        "export",
        "tailor_menu",
        "tailor_step",
        "tailor_ask_text",
        "tailor_choose_line",
        "tailor_choose_step",
    }
)
# The nudge ladder's templates, per rung, and the welcome back after a school holiday. Each has
# this many variants ({% if variant == N %}); services/nudges.py picks one (never the one the
# person had last), `duwtje content check` renders them all.
NUDGE_TEMPLATES = {1: "nudge_1", 2: "nudge_2", 3: "nudge_3"}
WELCOME_TEMPLATE = "holiday_welcome"
NUDGE_VARIANTS = 5
# Templates of messages that come unasked and may light up a locked phone.
UNASKED_TEMPLATES = frozenset({"step", "checkin_item", WELCOME_TEMPLATE, *NUDGE_TEMPLATES.values()})
