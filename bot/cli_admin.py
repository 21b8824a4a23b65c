"""`duwtje org ...` and `duwtje professional ...`: the administrator's organisations and
professionals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
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
            }
            for o in list_organisations(session=session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("key", "name", "privacy contact", "time zone", "language")
    for row in rows:
        table.add_row(*row.values())
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
    table = Table("id", "name", "organisation", "joined", "revoked", "clients")
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            row.organisation,
            _yes(row.bound),
            _yes(row.revoked),
            str(row.clients),
        )
    out.print(table)


@professional_app.command("revoke")
def professional_revoke(
    professional: Annotated[int, typer.Argument(help="The professional's id (see list).")],
    transfer_to: Annotated[
        int | None,
        typer.Option("--transfer-to", help="Who takes over their clients (needed if any)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Take a professional's access away, at once (someone who left, a lost phone)."""
    from services.admin import revoke_professional

    with _admin_session(config) as session:
        revoked, moved = revoke_professional(
            session=session, professional_id=professional, transfer_to=transfer_to, now=_now()
        )
        name = revoked.name
    moved_text = f"; {moved} client(s) moved to professional {transfer_to}" if moved else ""
    out.print(f"{name} can do nothing in Duwtje any more{moved_text}.", markup=False)


def _yes(value: bool) -> str:
    return "yes" if value else "no"
