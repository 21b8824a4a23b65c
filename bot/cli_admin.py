"""`duwtje org ...` and `duwtje professional ...`: the administrator's organisations and
professionals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli_common import ConfigOption, out, settings_for

org_app = typer.Typer(help="Organisations in this installation.", no_args_is_help=True)
professional_app = typer.Typer(
    help="Professionals: who they are, and taking access away.", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@contextmanager
def _admin_session(config: Any) -> Iterator[Any]:
    """The database of `--config`, migrated, in one unit of work; AdminError -> one line."""
    from bot.errors import UserError
    from bot.setup import prepare_database
    from services.admin import AdminError
    from storage.db import make_engine, session_scope

    settings = settings_for(config)
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    try:
        with session_scope(engine) as session:
            yield session
    except AdminError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()


def _now() -> Any:
    from bot.clock import SystemClock

    return SystemClock().now()


@org_app.command("add")
def org_add(
    key: Annotated[str, typer.Argument(help="A short key: lowercase letters, digits, dashes.")],
    name: Annotated[str, typer.Option("--name", help="The name clients see.")],
    privacy_contact: Annotated[
        str, typer.Option("--privacy-contact", help="Where clients ask about their data.")
    ],
    time_zone: Annotated[str, typer.Option(help="IANA time zone.")] = "Europe/Amsterdam",
    language: Annotated[str, typer.Option(help="nl or en.")] = "nl",
    school_region: Annotated[
        str | None,
        typer.Option(
            "--school-region",
            help="Whose school holidays its pupils follow: a region in [school_holidays].",
        ),
    ] = None,
    answer_days: Annotated[
        int,
        typer.Option(
            "--answer-days", help="Clients who ask a question hear: usually within N working days."
        ),
    ] = 2,
    contact: Annotated[
        str,
        typer.Option(
            "--contact", help="How to reach a person face to face: an address, a phone number."
        ),
    ] = "",
    on_call: Annotated[
        str, typer.Option("--on-call", help="The on-call number for a crisis outside hours.")
    ] = "",
    retention_days: Annotated[
        int,
        typer.Option(
            "--retention-days", help="Answers and questions go this many days after a line ended."
        ),
    ] = 90,
    require_pin: Annotated[
        bool,
        typer.Option("--require-pin", help="Professionals enter a PIN before client data shows."),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Add an organisation (the first one comes from the configuration)."""
    from services.admin import add_organisation

    with _admin_session(config) as session:
        add_organisation(
            session=session,
            key=key,
            name=name,
            privacy_contact=privacy_contact,
            time_zone=time_zone,
            language=language,
            now=_now(),
            school_region=school_region,
            known_regions=settings_for(config).school_holidays.keys(),
            answer_days=answer_days,
            contact=contact,
            on_call=on_call,
            retention_days=retention_days,
            require_pin=require_pin,
        )
    out.print(f"Organisation {key} added.", markup=False, highlight=False)


@org_app.command("list")
def org_list(as_json: JsonFlag = False, config: ConfigOption = None) -> None:
    """Every organisation: key, name, privacy contact, time zone, language."""
    from storage.organisations import list_organisations

    with _admin_session(config) as session:
        rows = [
            {
                "key": o.key,
                "name": o.name,
                "privacy_contact": o.privacy_contact,
                "time_zone": o.time_zone,
                "language": o.language,
                "school_region": o.school_region or "",
                "answer_days": o.answer_days,
                "contact": o.contact,
                "on_call": o.on_call,
                "retention_days": o.retention_days,
                "require_pin": o.require_pin,
            }
            for o in list_organisations(session=session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(
        "key",
        "name",
        "privacy contact",
        "time zone",
        "language",
        "school region",
        "answer days",
        "contact",
        "on call",
        "retention days",
        "PIN",
    )
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    out.print(table)


@professional_app.command("list")
def professional_list(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    as_json: JsonFlag = False,
    config: ConfigOption = None,
) -> None:
    """Every professional: id, name, organisation, whether they opened their invite, revoked,
    how many clients."""
    from services.admin import list_professionals

    with _admin_session(config) as session:
        rows = list_professionals(session=session, organisation_key=org)
    if as_json:
        typer.echo(json.dumps([row.__dict__ for row in rows], ensure_ascii=False))
        return
    table = Table("id", "name", "organisation", "joined", "revoked", "on duty", "clients")
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            row.organisation,
            _yes(row.bound),
            _yes(row.revoked),
            _yes(row.on_duty),
            str(row.clients),
        )
    out.print(table)


@professional_app.command("revoke")
def professional_revoke(
    professional: Annotated[int, typer.Argument(help="The professional's id (see list).")],
    transfer_to: Annotated[
        int | None,
        typer.Option(
            "--transfer-to", help="Who takes over their clients and peer groups (needed if any)."
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Take a professional's access away, at once (someone who left, a lost phone)."""
    from services.admin import revoke_professional

    with _admin_session(config) as session:
        revoked = revoke_professional(
            session=session, professional_id=professional, transfer_to=transfer_to, now=_now()
        )
        name = revoked.professional.name
    moved = [
        f"{count} {what} moved to professional {transfer_to}"
        for count, what in ((revoked.clients, "client(s)"), (revoked.groups, "peer group(s)"))
        if count
    ]
    moved_text = "".join(f"; {part}" for part in moved)
    out.print(f"{name} can do nothing in Duwtje any more{moved_text}.", markup=False)


@professional_app.command("duty")
def professional_duty(
    professional: Annotated[int, typer.Argument(help="The professional's id (see list).")],
    off: Annotated[bool, typer.Option("--off", help="No longer on duty.")] = False,
    config: ConfigOption = None,
) -> None:
    """On duty: gets the crisis alerts nobody acknowledged in time, and those outside working
    hours, for the whole organisation."""
    from services.admin import set_on_duty

    with _admin_session(config) as session:
        name = set_on_duty(session=session, professional_id=professional, on=not off, now=_now())
    state = "no longer on duty" if off else "on duty: unanswered and after-hours crisis alerts"
    out.print(f"{name} is {state}.", markup=False)


@professional_app.command("pin-reset")
def professional_pin_reset(
    professional: Annotated[int, typer.Argument(help="The professional's id (see list).")],
    config: ConfigOption = None,
) -> None:
    """Forget a professional's PIN (they forgot it): they choose a new one in the chat the next
    time they open client data."""
    from services.admin import reset_pin

    with _admin_session(config) as session:
        name = reset_pin(session=session, professional_id=professional, now=_now())
    out.print(f"{name} chooses a new PIN the next time client data is asked for.", markup=False)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


client_app = typer.Typer(help="Clients: handing one over to a colleague.", no_args_is_help=True)


@contextmanager
def _admin_unit(config: Any) -> Iterator[Any]:
    """A unit of work that can also send (messages go through the outbox, as from the bot);
    errors of the services become one line."""
    from bot.errors import UserError
    from bot.setup import prepare_database
    from content import load_content
    from services.admin import AdminError
    from services.colleagues import TransferError
    from services.unit import Unit
    from storage.crypto import FieldCipher
    from storage.db import make_engine, session_scope

    settings = settings_for(config)
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    content = load_content(settings.content.extra_dirs, settings.content.video_links)
    cipher = FieldCipher(settings.require_encryption_keys())
    try:
        with session_scope(engine) as session:
            unit = Unit(session=session, now=_now(), content=content, cipher=cipher)
            yield unit
            unit.flush()
    except (AdminError, TransferError) as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()


def _get(unit: Any, model: Any, ident: int, what: str, listing: str) -> Any:
    from bot.errors import UserError

    found = unit.session.get(model, ident)
    if found is None:
        raise UserError(f"no {what} {ident} (see `duwtje {listing}`)")
    return found


@client_app.command("transfer")
def client_transfer(
    client: Annotated[int, typer.Option("--client", help="The client's id.")],
    to: Annotated[int, typer.Option("--to", help="The colleague who takes over (their id).")],
    config: ConfigOption = None,
) -> None:
    """Hand a client over to another professional of the same organisation: their open
    questions and planned meetings move along; the colleague and the client are told."""
    from services.colleagues import transfer
    from storage.models import Client, Professional

    with _admin_unit(config) as unit:
        found = _get(unit, Client, client, "client", "traject list")
        colleague = _get(unit, Professional, to, "professional", "professional list")
        transfer(unit, found, colleague, actor=("administrator", None))
        name = colleague.name
    out.print(f"Client {client} now belongs to {name} ({to}).", markup=False)


@professional_app.command("away")
def professional_away(
    professional: Annotated[int, typer.Argument(help="The professional's id (see list).")],
    stand_in: Annotated[int, typer.Option("--stand-in", help="The colleague who stands in.")],
    until: Annotated[
        str, typer.Option("--until", help="The last day away, YYYY-MM-DD (local time).")
    ],
    config: ConfigOption = None,
) -> None:
    """Leave with a stand-in (what /afwezig does in the chat): until the day after --until,
    their digest and their clients' questions and alerts go to the stand-in."""
    from datetime import date, time, timedelta
    from zoneinfo import ZoneInfo

    from bot.errors import UserError
    from reminders.localtime import at_local
    from services.colleagues import colleagues, start_leave
    from storage.models import Organisation, Professional

    try:
        last_day = date.fromisoformat(until)
    except ValueError:
        raise UserError(f"--until {until}: not a date; write it as YYYY-MM-DD") from None
    with _admin_unit(config) as unit:
        away = _get(unit, Professional, professional, "professional", "professional list")
        found = [c for c in colleagues(unit.session, away) if c.id == stand_in]
        if not found:
            raise UserError(
                f"--stand-in {stand_in}: not another active professional of the same "
                "organisation who opened their invite (see `duwtje professional list`)"
            )
        if last_day < unit.now.date():
            raise UserError(f"--until {until}: that day has passed")
        zone = ZoneInfo(unit.session.get_one(Organisation, away.organisation_id).time_zone)
        start_leave(
            unit,
            away,
            found[0],
            until=at_local(last_day + timedelta(days=1), time(0, 0), zone),
            actor=("administrator", None),
        )
        names = (away.name, found[0].name)
    out.print(f"{names[1]} stands in for {names[0]} until {until}.", markup=False)


@professional_app.command("back")
def professional_back(
    professional: Annotated[int, typer.Argument(help="The professional's id (see list).")],
    config: ConfigOption = None,
) -> None:
    """End a professional's leave now."""
    from services.colleagues import back
    from storage.models import Professional

    with _admin_unit(config) as unit:
        found = _get(unit, Professional, professional, "professional", "professional list")
        back(unit, found, actor=("administrator", None))
        name = found.name
    out.print(f"{name} is back; their digest and questions come to them again.", markup=False)


def audit(
    client: Annotated[int, typer.Option("--client", help="The client's id.")],
    as_json: JsonFlag = False,
    config: ConfigOption = None,
) -> None:
    """Who viewed, exported, changed or handed over this client's data, and when (oldest
    first; never any personal text)."""
    from services.audit import trail

    with _admin_session(config) as session:
        entries = trail(session, client_id=client)
    if as_json:
        typer.echo(
            json.dumps(
                [{**e.__dict__, "at": e.at.isoformat()} for e in entries], ensure_ascii=False
            )
        )
        return
    if not entries:
        out.print(f"Nothing recorded about client {client}.", markup=False)
        return
    table = Table("when (UTC)", "who", "what", "detail")
    for entry in entries:
        table.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.actor, entry.action, entry.detail or ""
        )
    out.print(table)


def export(
    client: Annotated[int, typer.Option("--client", help="The client's id.")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="The folder to write the two files to.", file_okay=False)
    ] = Path("."),
    config: ConfigOption = None,
) -> None:
    """Everything stored about one client (an access request): a JSON file and a readable text
    file, the same as the client gets with /mijngegevens. Audited."""
    from services.audit import audit as write_audit
    from services.data_rights import documents
    from storage.models import Client

    with _admin_unit(config) as unit:
        found = _get(unit, Client, client, "client", "traject list")
        files = documents(unit, found, found.language)
        write_audit(
            unit, actor=("administrator", None), action="exported", subject=("client", client)
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files:
        path = out_dir / f"client-{client}-{name}"
        path.write_bytes(content)
        path.chmod(0o600)  # personal data: the administrator's eyes only
        out.print(str(path), markup=False, highlight=False)


def erase(
    client: Annotated[int, typer.Option("--client", help="The client's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
) -> None:
    """Erase everything of one client (an erasure request), as /vergeetmij does: their data,
    what waits for them, and the bot's messages in their chat of the last 48 hours; their
    professional hears that a client left (no content). Cannot be undone."""
    from services.data_rights import erase as erase_client
    from storage.db import compact, make_engine
    from storage.models import Client

    if not yes and not typer.confirm(f"Erase everything of client {client}? This cannot be undone"):
        raise typer.Exit(1)
    with _admin_unit(config) as unit:
        found = _get(unit, Client, client, "client", "traject list")
        erase_client(unit, found, actor=("administrator", None))
    engine = make_engine(settings_for(config).database.url)
    try:
        compact(engine)
    finally:
        engine.dispose()
    out.print(
        f"Client {client} is erased; the bot deletes its recent messages in their chat when it "
        "runs.",
        markup=False,
    )


def retention(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would go; delete nothing.")
    ] = False,
    as_json: JsonFlag = False,
    config: ConfigOption = None,
) -> None:
    """What retention deletes now (the housekeeping job does this every hour): answers and
    questions of lines that ended longer ago than the organisation's retention_days, expired
    invites, final outbox rows older than 90 days, audit entries older than 5 years."""
    from storage.retention import apply

    with _admin_session(config) as session:
        counts = apply(session.connection(), now=_now(), dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps({"dry_run": dry_run, **counts}))
        return
    verb = "would go" if dry_run else "deleted"
    out.print(
        f"{verb}: answers {counts['answers']} and questions {counts['questions']} of "
        f"{counts['clients']} client(s), invites {counts['invites']}, messages "
        f"{counts['messages']}, audit entries {counts['audit_entries']}",
        markup=False,
    )
