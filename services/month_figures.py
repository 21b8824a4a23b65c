"""`/maand` (issue 12, point 4): a professional's own caseload in the report's figures, one
month at a time (this month so far, then back with a button), with the same anonymity as the
manager's report (fewer than 5 shows "<5"), and the month as the HTML page with charts on
request. Figures of erased people are not in it: their rows keep no professional."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import local_date
from services import report as reports
from services.callbacks import Callback, as_int, pack
from services.messages import Button, keyboard
from services.recipients import to_professional
from services.report import ALL, TOTAL, Report
from services.report_output import shown_text, to_html
from services.unit import Unit
from storage.models import Organisation, Professional

FIRST_MONTH = 202001  # older months are not offered (nor accepted from a forged button)


def command(unit: Unit, professional: Professional) -> None:
    today = _today(unit, professional)
    show(unit, professional, today.year * 100 + today.month)


def route(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`mf:<yyyymm>` shows that month; `mf:<yyyymm>:p` sends it as a page."""
    month = as_int(callback.part(0))
    today = _today(unit, professional)
    if month is None or not FIRST_MONTH <= month <= today.year * 100 + today.month:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    if not 1 <= month % 100 <= 12:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    if callback.part(1) == "p":
        send_page(unit, professional, month)
    else:
        unit.remove_pressed_buttons()
        show(unit, professional, month)


def _today(unit: Unit, professional: Professional) -> date:
    return local_date(unit.now, _zone(unit, professional))


def _zone(unit: Unit, professional: Professional) -> ZoneInfo:
    return ZoneInfo(unit.session.get_one(Organisation, professional.organisation_id).time_zone)


def _period(unit: Unit, professional: Professional, month: int) -> tuple[date, date, bool]:
    first = date(month // 100, month % 100, 1)
    end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    today = _today(unit, professional)
    return first, min(end, today), end > today


def figures(unit: Unit, professional: Professional, month: int) -> Report:
    first, last, _ = _period(unit, professional, month)
    organisation = unit.session.get_one(Organisation, professional.organisation_id)
    return reports.build(
        unit.session,
        unit.content,
        unit.content.report,
        organisation_id=organisation.id or 0,
        organisation_name=organisation.name,
        zone=ZoneInfo(organisation.time_zone),
        first=first,
        last=last,
        per="week",
        now=unit.now,
        language=professional.language,
        professional_id=professional.id,
    )


def _total(report: Report, key: str) -> dict[str, str]:
    table = report.table(key)
    if table is None:
        return {}
    row = next(r for r in table.rows if r.key == TOTAL)
    return {c.key: shown_text(report, table, row, c) for c in table.columns}


def show(unit: Unit, professional: Professional, month: int) -> None:
    language = professional.language
    made = figures(unit, professional, month)
    _first, _last, so_far = _period(unit, professional, month)
    lines = []
    for table in made.tables:
        if table.kind != "take_part" or table.line is None:
            continue
        taking = _total(made, table.key)
        contact = _total(made, f"contact:{table.line}")
        if table.line != ALL and not any(
            row.values.get("active") or row.values.get("started") for row in table.rows
        ):
            continue  # a line nobody of theirs was on this month
        lines.append({"title": table.title.split(": ", 1)[-1], **taking, **contact})
    groups = _total(made, "groups")
    name = made.say(f"month_{month % 100}")
    previous = _shift(month, -1)
    today = _today(unit, professional)
    row = []
    if previous >= FIRST_MONTH:
        row.append(
            Button(unit.label("month_figures.previous", language), data=pack("mf", previous))
        )
    following = _shift(month, 1)
    if following <= today.year * 100 + today.month:
        row.append(Button(unit.label("month_figures.next", language), data=pack("mf", following)))
    to_professional(
        unit,
        professional,
        kind="report",
        text=unit.render(
            "month_figures",
            language,
            month=f"{name} {month // 100}",
            so_far=so_far,
            lines=lines if len(lines) > 1 else [],  # only "all lines": nothing this month
            groups=groups if groups.get("meetings") not in (None, "", "<5", "0") else {},
        ),
        buttons=keyboard(
            [
                [Button(unit.label("month_figures.page", language), data=pack("mf", month, "p"))],
                row,
            ]
        ),
    )


def send_page(unit: Unit, professional: Professional, month: int) -> None:
    made = figures(unit, professional, month)
    page = base64.b64encode(to_html(made).encode("utf-8")).decode("ascii")
    name = made.say(f"month_{month % 100}")
    to_professional(
        unit,
        professional,
        kind="report",
        text=unit.render(
            "month_figures_page", professional.language, month=f"{name} {month // 100}"
        ),
        document=f"data:text/html;base64,{page}",
        filename=f"duwtje-{month // 100}-{month % 100:02d}.html",
    )


def _shift(month: int, by: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + by
    return (index // 12) * 100 + index % 12 + 1
