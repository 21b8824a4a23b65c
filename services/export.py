"""A client's page for the case file: a short summary, as a PDF or as plain text, sent to the
professional as a document, for the organisation's own dossier system (Duwtje is a working
channel, not the dossier). Only the client's own professional (or their stand-in) gets it, it
is audited, and the message is tidied from the chat like the page itself.
"""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path

from content.telegram_text import check_html
from services import client_page, trajecten
from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.parent_consent import answers_visible
from services.recipients import to_professional
from services.unit import Unit
from storage import client_page as queries
from storage.models import Client, Professional, Traject

ANSWERS = 200  # the newest answers in the summary, at most
FORMATS = {"p": "pdf", "t": "txt"}


def _fonts() -> tuple[Path, Path]:
    """DejaVu Sans, which matplotlib ships and which has every letter a name may have (ë, ł,
    ş, ...). Found without importing matplotlib: that costs the bot 40 MB it rarely needs."""
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def ask_format(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`ex:a:<client>`: PDF or text?"""
    client = client_page.own_client(unit, professional, callback)
    if client is None:
        return
    unit.answer_callback()
    language = professional.language
    cid = client.id or 0
    to_professional(
        unit,
        professional,
        kind="export_ask",
        text=unit.render("export_ask", language, name=unit.name(client.name_enc)),
        buttons=keyboard(
            [
                [
                    Button(unit.label("export.pdf", language), data=pack("ex", "p", cid)),
                    Button(unit.label("export.text", language), data=pack("ex", "t", cid)),
                ]
            ]
        ),
    )


def send(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`ex:p|t:<client>`: the summary as a document."""
    client = client_page.own_client(unit, professional, callback)
    extension = FORMATS.get(callback.part(0) or "")
    if client is None:
        return
    if extension is None or not answers_visible(client):
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    language = professional.language
    name = unit.name(client.name_enc)
    html = summary(unit, professional, client)
    text = check_html(html)[1]  # Telegram HTML as the plain text a reader sees
    data = _pdf(html) if extension == "pdf" else text.encode("utf-8")
    kind = "application/pdf" if extension == "pdf" else "text/plain"
    day = unit.now.astimezone(client_page.zone_of(unit, professional)).strftime("%Y-%m-%d")
    audit(
        unit,
        actor=("professional", professional.id),
        action="exported_client",
        subject=("client", client.id),
        detail=extension,
    )
    to_professional(
        unit,
        professional,
        kind="export",
        text=unit.render("export_caption", language, name=name),
        document=f"data:{kind};base64," + base64.b64encode(data).decode("ascii"),
        filename=f"duwtje-{_safe(name)}-{day}.{extension}",
    )


def route(unit: Unit, professional: Professional, callback: Callback) -> None:
    if callback.part(0) == "a":
        ask_format(unit, professional, callback)
    else:
        send(unit, professional, callback)


def summary(unit: Unit, professional: Professional, client: Client) -> str:
    """The summary in Telegram HTML (bold headings, one line per item)."""
    language = professional.language
    zone = client_page.zone_of(unit, professional)
    client_id = client.id or 0
    traject = client_page.traject_of(unit, client)
    progress = (
        trajecten.progress(unit.session, unit.content, unit.cipher, traject) if traject else None
    )
    answers = queries.answers_since(
        session=unit.session, client_id=client_id, since=None, limit=ANSWERS
    )
    return unit.render(
        "export",
        language,
        name=unit.name(client.name_enc),
        role=unit.label(f"roles.{client.role}", language),
        line=client_page.line_title(unit, traject, language),
        professional=professional.name,
        started=traject.started_at.astimezone(zone).strftime("%d-%m-%Y") if traject else "",
        made=unit.now.astimezone(zone).strftime("%d-%m-%Y %H:%M"),
        done=progress.done if progress else 0,
        total=progress.total if progress else 0,
        meetings=[
            m.astimezone(zone).strftime("%d-%m-%Y")
            for m in queries.meetings_held(session=unit.session, client_id=client_id)
        ],
        answers=[
            {
                "when": a.created_at.astimezone(zone).strftime("%d-%m-%Y"),
                "step": _step_title(unit, traject, a.step_key, language),
                "answer": client_page.answer_text(
                    unit, client_page.step_of(unit, traject, a.step_key), a, language
                ),
            }
            for a in answers
        ],
        scores=client_page.score_series(unit, client, traject, language),
        nudges=queries.nudges_sent(session=unit.session, client_id=client_id, since=None),
    )


def _step_title(unit: Unit, traject: Traject | None, key: str | None, language: str) -> str:
    step = client_page.step_of(unit, traject, key)
    return step.title.get(language) if step else unit.label("page.message", language)


def _pdf(html: str) -> bytes:
    """A plain A4 document: bold lines for the headings, the rest as running text."""
    from fpdf import FPDF  # here: a PDF is made now and then, not at every start

    font, bold = _fonts()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(font))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.add_page()
    for line in html.splitlines():
        heading = line.startswith("<b>") and line.endswith("</b>")
        plain = check_html(line)[1]
        pdf.set_font("DejaVu", "B" if heading else "", 13 if heading else 10)
        if not plain.strip():
            pdf.ln(3)
            continue
        pdf.multi_cell(0, 6 if heading else 5, plain, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _safe(name: str) -> str:
    """A file name part: letters and digits, the rest as dashes."""
    kept = "".join(c if c.isalnum() else "-" for c in name.casefold()).strip("-")
    return kept[:40] or "client"
