"""Tailoring a client's line from their page ("Lijn aanpassen"): skip a step still to come,
give a step a text of your own, or add a step from any shipped line after the waiting one. The
same changes as `duwtje traject ...` (services/trajecten.py: kept per traject, the shipped line
untouched), then the waiting step follows (services/steps.py: realign). Audited.

Buttons: `ta:m:<client>` the menu, `ta:s:<client>:<step>` one step, `ta:k:<client>:<step>`
skip it, `ta:t:<client>:<step>` a new text (typed next), `ta:a:<client>` lines to add from,
`ta:l:<client>:<line>` that line's steps, `ta:p:<client>:<line>:<n>` add its n-th step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from content.telegram_text import clip
from services import client_page, colleagues, steps, trajecten
from services.audit import audit
from services.callbacks import Callback, pack, row_of
from services.messages import Button, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Client, Professional, Traject, TrajectStatus

AWAITING = "tailor:"
TEXT_LIMIT = 1500  # a step's own text, in characters


def route(unit: Unit, professional: Professional, callback: Callback) -> None:
    client = client_page.own_client(unit, professional, callback)
    if client is None:
        return
    traject = client_page.traject_of(unit, client)
    what = callback.part(0)
    if traject is None or traject.status != TrajectStatus.ACTIVE:
        unit.answer_callback(unit.label("tailor.no_line", professional.language))
        return
    actions = {"m": _menu, "s": _step, "k": _skip, "t": _ask_text, "a": _lines, "l": _line_steps}
    if what == "p":
        _add(unit, professional, client, traject, callback)
    elif what in actions:
        actions[what](unit, professional, client, traject, callback)
    else:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))


def _menu(
    unit: Unit, professional: Professional, client: Client, traject: Traject, _: Callback
) -> None:
    """The steps still to come, each a button; and "add a step"."""
    unit.answer_callback()
    _show_menu(unit, professional, client, traject, edit=False)


def _show_menu(
    unit: Unit, professional: Professional, client: Client, traject: Traject, *, edit: bool
) -> None:
    language = professional.language
    done = trajecten.done_keys(unit.session, traject.id or 0)
    coming = [
        s
        for s in trajecten.steps_of(unit.session, unit.content, unit.cipher, traject)
        if s.key not in done
    ]
    cid = client.id or 0
    rows = [
        [
            Button(
                clip(("▶ " if s.key == traject.step_key else "") + s.title.get(language), 60),
                data=pack("ta", "s", cid, s.key),
            )
        ]
        for s in coming[:20]
    ]
    rows.append([Button(unit.label("tailor.add", language), data=pack("ta", "a", cid))])
    text = unit.render(
        "tailor_menu", language, name=unit.name(client.name_enc), done=len(done), left=len(coming)
    )
    if edit:
        unit.edit_pressed(text, keyboard(rows))
    else:
        to_professional(unit, professional, kind="tailor", text=text, buttons=keyboard(rows))


def _step(
    unit: Unit, professional: Professional, client: Client, traject: Traject, cb: Callback
) -> None:
    step = client_page.step_of(unit, traject, cb.part(2))
    if step is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    language, cid = professional.language, client.id or 0
    unit.edit_pressed(
        unit.render("tailor_step", language, step=step.title.get(language)),
        keyboard(
            [
                [
                    Button(
                        unit.label("tailor.skip", language), data=pack("ta", "k", cid, step.key)
                    ),
                    Button(
                        unit.label("tailor.text", language), data=pack("ta", "t", cid, step.key)
                    ),
                ],
                [Button(unit.label("tailor.back", language), data=pack("ta", "m", cid))],
            ]
        ),
    )


def _skip(
    unit: Unit, professional: Professional, client: Client, traject: Traject, cb: Callback
) -> None:
    key = cb.part(2) or ""
    _tailor(
        unit, professional, client, traject, f"skip {key}", partial(trajecten.skip_step, key=key)
    )


def _ask_text(
    unit: Unit, professional: Professional, client: Client, traject: Traject, cb: Callback
) -> None:
    step = client_page.step_of(unit, traject, cb.part(2))
    if step is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    professional.awaiting = f"{AWAITING}{client.id}:{step.key}"
    unit.edit_pressed(
        unit.render(
            "tailor_ask_text",
            professional.language,
            step=step.title.get(professional.language),
            name=unit.name(client.name_enc),
        )
    )


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text, if it is the new text of a step they chose."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    professional.awaiting = None
    client_id, _, key = awaiting.removeprefix(AWAITING).partition(":")
    client = row_of(unit.session, Client, client_id)
    if client is None or not colleagues.may_act(unit, professional, client):
        return False
    traject = client_page.traject_of(unit, client)
    if traject is None or traject.status != TrajectStatus.ACTIVE:
        return False
    written = clip(text.strip(), TEXT_LIMIT)
    # Written in the client's language, it is their text in either language.
    change = partial(trajecten.change_step, key=key, texts={"text": {"nl": written, "en": written}})
    _tailor(unit, professional, client, traject, f"change {key}", change, pressed=False)
    return True


def _lines(
    unit: Unit, professional: Professional, client: Client, traject: Traject, _: Callback
) -> None:
    unit.answer_callback()
    language, cid = professional.language, client.id or 0
    unit.edit_pressed(
        unit.render("tailor_choose_line", language),
        keyboard(
            [
                *(
                    [Button(line.title.get(language), data=pack("ta", "l", cid, line.key))]
                    for line in unit.content.lines.values()
                ),
                [Button(unit.label("tailor.back", language), data=pack("ta", "m", cid))],
            ]
        ),
    )


def _line_steps(
    unit: Unit, professional: Professional, client: Client, traject: Traject, cb: Callback
) -> None:
    line = unit.content.lines.get(cb.part(2) or "")
    if line is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    language, cid = professional.language, client.id or 0
    have = {s.key for s in trajecten.steps_of(unit.session, unit.content, unit.cipher, traject)}
    buttons: list[list[Button]] = [
        [Button(clip(step.title.get(language), 60), data=pack("ta", "p", cid, line.key, n))]
        for n, step in enumerate(line.sequence())
        if step.key not in have
    ]
    buttons.append([Button(unit.label("tailor.back", language), data=pack("ta", "a", cid))])
    unit.edit_pressed(
        unit.render("tailor_choose_step", language, line=line.title.get(language)),
        keyboard(buttons[:21]),
    )


def _add(
    unit: Unit, professional: Professional, client: Client, traject: Traject, cb: Callback
) -> None:
    line = unit.content.lines.get(cb.part(2) or "")
    number = cb.int_part(3)
    sequence = list(line.sequence()) if line else []
    if number is None or not 0 <= number < len(sequence):
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    step = sequence[number]
    done = trajecten.done_keys(unit.session, traject.id or 0)
    order = [s.key for s in trajecten.steps_of(unit.session, unit.content, unit.cipher, traject)]
    # Right after the waiting step (or the last one done): it comes next, not at the end.
    after = traject.step_key or next((k for k in reversed(order) if k in done), None)
    copy = step.model_dump(mode="json", exclude_defaults=True)
    add = partial(trajecten.add_step, after=after, step=copy)
    _tailor(unit, professional, client, traject, f"add {step.key}", add)


def _tailor(
    unit: Unit,
    professional: Professional,
    client: Client,
    traject: Traject,
    what: str,
    change: Callable[..., object],
    *,
    pressed: bool = True,
) -> None:
    """Make one change (a services/trajecten.py function, its own arguments bound), then let
    the waiting step follow; `pressed`: it came from a button, not from typed text."""
    language = professional.language
    try:
        change(unit.session, unit.content, unit.cipher, traject, now=unit.now, by=_by(professional))
    except trajecten.TailoringError:
        if pressed:
            unit.answer_callback(unit.label("tailor.cannot", language))
        else:
            to_professional(
                unit, professional, kind="tailor", text=unit.label("tailor.cannot", language)
            )
        return
    steps.realign(unit, traject)
    audit(
        unit,
        actor=("professional", professional.id),
        action="tailored_line",
        subject=("client", client.id),
        detail=what,
    )
    if pressed:
        unit.answer_callback(unit.label("tailor.done", language))
    _show_menu(unit, professional, client, traject, edit=pressed)


def _by(professional: Professional) -> str:
    return f"professional {professional.id}"
