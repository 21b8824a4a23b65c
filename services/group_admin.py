"""The professional's screens for their peer groups, in their private chat: `/groepen` (the
list), a group's page (`gr:g:<group>`: its rhythm and meetings), and its buttons: plan a
meeting, the conversation starter's day, the encouragement's rhythm, the poll's day, cancel a
meeting, unlink."""

from __future__ import annotations

from sqlmodel import col, select

from services import group_meetings, group_posts, groups
from services.callbacks import Callback, as_int, pack
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.models import GroupMeeting, GroupMeetingStatus, GroupStatus, PeerGroup, Professional


def list_groups(unit: Unit, professional: Professional) -> None:
    """/groepen."""
    text, buttons = _list_view(unit, professional)
    to_professional(unit, professional, kind="groups", text=text, buttons=buttons)


def _own_groups(unit: Unit, professional: Professional) -> list[PeerGroup]:
    return list(
        unit.session.exec(
            select(PeerGroup)
            .where(PeerGroup.professional_id == professional.id)
            .order_by(col(PeerGroup.linked_at), col(PeerGroup.id))
        ).all()
    )


def _list_view(unit: Unit, professional: Professional) -> tuple[str, Keyboard]:
    language = professional.language
    own = _own_groups(unit, professional)
    text = unit.render(
        "groups_list",
        language,
        groups=[
            {"title": groups.group_title(unit, g), "active": g.status == GroupStatus.ACTIVE}
            for g in own
        ],
    )
    buttons = keyboard(
        [[Button(groups.group_title(unit, g)[:60], data=pack("gr", "g", g.id or 0))] for g in own]
    )
    return text, buttons


def route(unit: Unit, professional: Professional, callback: Callback) -> None:
    step = callback.part(0) or ""
    if step in ("x", "X"):
        _cancel_meeting(unit, professional, callback, series=step == "X")
        return
    group = _own(unit, professional, callback.int_part(1))
    if group is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    if step in ("pd", "wd", "ed"):
        if _set_rhythm(unit, group, step, callback.part(2) or ""):
            unit.answer_callback()
            _show_page(unit, professional, group, edit=True)
        else:
            unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    language = professional.language
    if step == "m":
        group_meetings.ask(unit, professional, group)
    elif step == "p":
        unit.edit_pressed(
            unit.render("group_day_ask", language, what="prompt"),
            _day_buttons(unit, group, "pd", language),
        )
    elif step == "w":
        unit.edit_pressed(
            unit.render("group_day_ask", language, what="poll"),
            _day_buttons(unit, group, "wd", language),
        )
    elif step == "e":
        unit.edit_pressed(
            unit.render("group_day_ask", language, what="encouragement"),
            keyboard(
                [
                    [
                        Button(
                            unit.label("groups.every_days", language, days=days),
                            data=pack("gr", "ed", group.id or 0, days),
                        )
                        for days in group_posts.ENCOURAGE_CHOICES
                    ]
                ]
            ),
        )
    elif step == "u":
        unit.edit_pressed(
            unit.render("group_unlink_ask", language, title=groups.group_title(unit, group)),
            keyboard(
                [
                    [
                        Button(
                            unit.label("groups.unlink_yes", language),
                            data=pack("gr", "uy", group.id or 0),
                        )
                    ],
                    [
                        Button(
                            unit.label("groups.back", language), data=pack("gr", "g", group.id or 0)
                        )
                    ],
                ]
            ),
        )
    elif step == "uy":
        unit.edit_pressed(
            unit.render("group_unlink_done", language, title=groups.group_title(unit, group))
        )
        groups.unlink(unit, group, by=professional)
    else:
        _show_page(unit, professional, group, edit=callback.part(0) == "g")


def _own(unit: Unit, professional: Professional, group_id: int | None) -> PeerGroup | None:
    group = unit.session.get(PeerGroup, group_id) if group_id is not None else None
    if group is None or group.professional_id != professional.id:
        return None
    return group


def _day_buttons(unit: Unit, group: PeerGroup, step: str, language: str) -> Keyboard:
    days = [
        Button(
            unit.label(f"days.weekday{day}", language)[:2],
            data=pack("gr", step, group.id or 0, day),
        )
        for day in range(7)
    ]
    off = Button(unit.label("groups.off", language), data=pack("gr", step, group.id or 0, "x"))
    return keyboard([days[:4], days[4:], [off]])


def _set_rhythm(unit: Unit, group: PeerGroup, step: str, value: str) -> bool:
    """A day (0-6, or "x" for none) or an encouragement rhythm; False for a value we never
    offered (a forged or outdated button)."""
    number = as_int(value)
    if step == "ed":
        if number not in group_posts.ENCOURAGE_CHOICES:
            return False
        group_posts.set_encouragement(unit, group, number or 0)
        return True
    if value != "x" and (number is None or not 0 <= number <= 6):
        return False
    weekday = None if value == "x" else number
    if step == "pd":
        group_posts.set_prompt_day(unit, group, weekday)
    else:
        group_posts.set_poll_day(unit, group, weekday)
    return True


def _page(unit: Unit, professional: Professional, group: PeerGroup) -> tuple[str, Keyboard]:
    language = professional.language
    zone = groups.zone_of(unit, group)
    meetings = group_meetings.coming_meetings(unit, group)

    def day(weekday: int | None) -> str:
        return unit.label(f"days.weekday{weekday}", language) if weekday is not None else ""

    text = unit.render(
        "group_page",
        language,
        title=groups.group_title(unit, group),
        status=group.status,
        reason=group.inactive_reason or "",
        prompt_day=day(group.prompt_day),
        poll_day=day(group.poll_day),
        encourage_days=group.encourage_days,
        meetings=[
            {
                "when": group_meetings.describe(unit, m.starts_at, zone, language),
                "coming": m.coming,
                "repeat_days": m.repeat_days,
            }
            for m in meetings
        ],
    )
    gid = group.id or 0
    rows: list[list[Button]] = [
        [Button(unit.label("groups.plan_meeting", language), data=pack("gr", "m", gid))],
        [
            Button(unit.label("groups.prompt", language), data=pack("gr", "p", gid)),
            Button(unit.label("groups.encouragement", language), data=pack("gr", "e", gid)),
            Button(unit.label("groups.poll", language), data=pack("gr", "w", gid)),
        ],
    ]
    for meeting in meetings:
        when = meeting.starts_at.astimezone(zone).strftime("%d-%m %H:%M")
        row = [
            Button(
                unit.label("groups.cancel_one", language, when=when),
                data=pack("gr", "x", meeting.id or 0),
            )
        ]
        if meeting.repeat_days:
            row.append(
                Button(
                    unit.label("groups.cancel_series", language),
                    data=pack("gr", "X", meeting.id or 0),
                )
            )
        rows.append(row)
    rows.append([Button(unit.label("groups.unlink", language), data=pack("gr", "u", gid))])
    return text, keyboard(rows)


def _show_page(unit: Unit, professional: Professional, group: PeerGroup, *, edit: bool) -> None:
    text, buttons = _page(unit, professional, group)
    if edit:
        unit.edit_pressed(text, buttons)
    else:
        to_professional(unit, professional, kind="group_page", text=text, buttons=buttons)


def _cancel_meeting(
    unit: Unit, professional: Professional, callback: Callback, *, series: bool
) -> None:
    meeting_id = callback.int_part(1)
    meeting = unit.session.get(GroupMeeting, meeting_id) if meeting_id is not None else None
    group = _own(unit, professional, meeting.group_id) if meeting is not None else None
    if meeting is None or group is None or meeting.status != GroupMeetingStatus.PLANNED:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback(unit.label("groups.cancelled", professional.language))
    group_meetings.cancel(unit, professional, meeting, series=series)
    _show_page(unit, professional, group, edit=True)
