"""The administrator's CLI for organisations and professionals: real processes, real exit
codes, one-line errors; the professional invite with its QR code against the sandbox."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.sandbox import SandboxThread
from bot.settings import load_settings
from bot.setup import prepare_database
from services.qr import qr_png
from storage.db import make_engine, session_scope
from storage.invites import create_invite
from storage.models import AuditEntry, Client, Invite, OutboxMessage, Professional
from tests.conftest import TEST_KEY
from tests.factories import NOW, make_client, make_professional
from tests.test_cli import duwtje

ENV = {"DUWTJE_ENCRYPTION_KEYS": TEST_KEY, "DUWTJE_TELEGRAM_TOKEN": "42:ADMIN", "COLUMNS": "200"}


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    with SandboxThread(strict=False, bot_username="wijkteam_bot") as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, sandbox: SandboxThread) -> Path:
    path = tmp_path / "duwtje.toml"
    path.write_text(
        f'[telegram]\nbase_url = "{sandbox.url}"\n[database]\nurl = "sqlite:///d.db"\n'
        '[organisation]\nkey = "wijkteam-noord"\nname = "Wijkteam Noord"\n',
        encoding="utf-8",
    )
    prepare_database(load_settings(path, ENV))
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    done = duwtje(*args, "--config", str(config), cwd=config.parent, env=ENV)
    return done.returncode, done.stdout, done.stderr


def test_organisations_are_added_and_listed(config: Path) -> None:
    code, out, _ = run(
        config,
        "org",
        "add",
        "wijkteam-zuid",
        "--name",
        "Wijkteam Zuid",
        "--privacy-contact",
        "privacy@zuid.nl",
        "--contact",
        "Kerkstraat 2, bel 010-123 45 67",
        "--on-call",
        "088-765 43 21",
    )
    assert code == 0 and "wijkteam-zuid added" in out
    code, out, _ = run(config, "org", "list", "--json")
    listed = {row["key"]: row for row in json.loads(out)}
    assert set(listed) == {"wijkteam-noord", "wijkteam-zuid"}
    assert listed["wijkteam-zuid"] == {
        "key": "wijkteam-zuid",
        "name": "Wijkteam Zuid",
        "privacy_contact": "privacy@zuid.nl",
        "time_zone": "Europe/Amsterdam",
        "language": "nl",
        "school_region": "",
        "answer_days": 2,
        "contact": "Kerkstraat 2, bel 010-123 45 67",
        "on_call": "088-765 43 21",
        "retention_days": 90,
        "require_pin": False,
    }


def test_an_organisations_school_region_must_be_configured(config: Path) -> None:
    args = ("org", "add", "wijkteam-zuid", "--name", "Zuid", "--privacy-contact", "p@zuid.nl")
    code, _, err = run(config, *args, "--school-region", "zuid")
    assert code == 1
    assert "--school-region 'zuid'" in err and "[school_holidays]" in err
    text = config.read_text(encoding="utf-8")
    holidays = '[{ name = "kerst", first = 2026-12-19, last = 2027-01-03 }]'
    config.write_text(f"{text}\n[school_holidays]\nzuid = {holidays}\n", encoding="utf-8")
    code, out, _ = run(config, *args, "--school-region", "zuid")
    assert code == 0, out
    code, out, _ = run(config, "org", "list", "--json")
    assert {row["key"]: row["school_region"] for row in json.loads(out)}["wijkteam-zuid"] == "zuid"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["wijkteam-noord"], "there is an organisation 'wijkteam-noord' already"),
        (["Wijkteam Zuid!"], "use up to 40 lowercase letters"),
        (["wijkteam-oost", "--time-zone", "Mars/Olympus"], "expected one such as Europe/Amsterdam"),
        (["wijkteam-oost", "--language", "fr"], "--language: nl or en"),
    ],
)
def test_a_wrong_organisation_is_one_line_and_exit_1(
    config: Path, args: list[str], says: str
) -> None:
    code, _, err = run(config, "org", "add", *args, "--name", "X", "--privacy-contact", "p@x.nl")
    assert code == 1 and says in err and len(err.strip().splitlines()) == 1


def test_a_professional_invite_prints_the_link_and_writes_its_qr_code(config: Path) -> None:
    code, out, _ = run(
        config, "invite", "professional", "--org", "wijkteam-noord", "--name", "Mirjam de Vries"
    )
    assert code == 0, out
    link = next(line for line in out.splitlines() if line.startswith("https://t.me/"))
    assert link.startswith("https://t.me/wijkteam_bot?start=")
    picture = config.parent / "invite-mirjam-de-vries.png"
    assert picture.read_bytes() == qr_png(link)  # the QR code holds exactly that link
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert stat.S_IMODE(picture.stat().st_mode) == 0o600
    code, out, _ = run(
        config,
        "invite",
        "professional",
        "--org",
        "wijkteam-noord",
        "--name",
        "Daan",
        "--qr",
        "daan.png",
    )
    assert code == 0 and (config.parent / "daan.png").exists()


def seed(config: Path) -> tuple[int, int, int]:
    """Two professionals, the first with a client and an open invite."""
    engine = make_engine(load_settings(config, ENV).database.url)
    with session_scope(engine) as session:
        mirjam = make_professional(session, name="Mirjam")
        daan = make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
        client = make_client(
            session, professional_id=mirjam.id, organisation_id=mirjam.organisation_id
        )
        create_invite(
            session=session,
            organisation_id=mirjam.organisation_id,
            role="pupil",
            professional_id=mirjam.id,
            line_key="faalangst",
            now=NOW,
        )
        ids = (mirjam.id or 0, daan.id or 0, client.id or 0)
    engine.dispose()
    return ids


def test_professionals_are_listed_and_revoked_with_their_clients_moved(config: Path) -> None:
    mirjam, daan, client = seed(config)
    code, out, _ = run(config, "professional", "list", "--json")
    listed = {row["name"]: row for row in json.loads(out)}
    assert listed["Mirjam"] == {
        "id": mirjam,
        "name": "Mirjam",
        "organisation": "wijkteam-noord",
        "bound": True,
        "revoked": False,
        "on_duty": False,
        "clients": 1,
    }
    code, out, _ = run(config, "professional", "duty", str(daan))
    assert code == 0 and "on duty" in out
    code, out, _ = run(config, "professional", "list", "--json")
    assert {row["name"]: row["on_duty"] for row in json.loads(out)}["Daan"] is True
    code, _, err = run(config, "professional", "revoke", str(mirjam))
    assert code == 1 and "has 1 client(s) and 0 peer group(s); give --transfer-to ID" in err
    code, _, err = run(config, "professional", "revoke", str(mirjam), "--transfer-to", str(mirjam))
    assert code == 1 and "not another active professional" in err
    code, out, _ = run(config, "professional", "revoke", str(mirjam), "--transfer-to", str(daan))
    assert code == 0 and "Mirjam can do nothing in Duwtje any more; 1 client(s) moved" in out
    engine = make_engine(load_settings(config, ENV).database.url)
    with session_scope(engine) as session:
        assert session.get_one(Professional, mirjam).revoked_at is not None
        assert session.get_one(Client, client).professional_id == daan
        assert all(i.revoked_at is not None for i in session.exec(select(Invite)).all())
        actions = set(session.exec(select(AuditEntry.action)).all())
    engine.dispose()
    assert {"revoked_professional", "transferred_client"} <= actions
    code, _, err = run(config, "professional", "revoke", str(mirjam))
    assert code == 1 and "revoked already" in err
    code, out, _ = run(config, "professional", "list", "--json")
    assert {row["name"]: row["revoked"] for row in json.loads(out)} == {
        "Mirjam": True,
        "Daan": False,
    }


def outbox_kinds(config: Path) -> list[tuple[str, int | None]]:
    engine = make_engine(load_settings(config, ENV).database.url)
    with session_scope(engine) as session:
        rows = [(r.kind, r.chat_id) for r in session.exec(select(OutboxMessage)).all()]
    engine.dispose()
    return rows


def test_a_client_is_handed_over_and_the_audit_trail_shows_it(config: Path) -> None:
    mirjam, daan, client = seed(config)
    code, _, err = run(config, "client", "transfer", "--client", str(client), "--to", str(mirjam))
    assert code == 1 and "cannot take over" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(config, "client", "transfer", "--client", "999", "--to", str(daan))
    assert code == 1 and "no client 999" in err
    code, out, _ = run(config, "client", "transfer", "--client", str(client), "--to", str(daan))
    assert code == 0 and f"Client {client} now belongs to Daan" in out
    assert ("transfer", 5002) in outbox_kinds(config), "Daan is told"
    code, out, _ = run(config, "audit", "--client", str(client), "--json")
    [entry] = json.loads(out)
    assert entry["actor"] == "administrator" and entry["action"] == "transferred_client"
    assert entry["detail"] == f"from professional {mirjam} to {daan}"
    code, out, _ = run(config, "audit", "--client", str(client))
    assert code == 0 and "transferred_client" in out and "administrator" in out
    code, out, _ = run(config, "audit", "--client", "999")
    assert code == 0 and "Nothing recorded about client 999" in out


def test_leave_is_arranged_and_ended_by_the_administrator(config: Path) -> None:
    mirjam, daan, _ = seed(config)
    away = ("professional", "away", str(mirjam), "--stand-in")
    code, _, err = run(config, *away, str(daan), "--until", "morgen")
    assert code == 1 and "write it as YYYY-MM-DD" in err
    code, _, err = run(config, *away, str(mirjam), "--until", "2099-01-01")
    assert code == 1 and "not another active professional" in err
    code, out, _ = run(config, *away, str(daan), "--until", "2099-01-01")
    assert code == 0 and "Daan stands in for Mirjam until 2099-01-01" in out
    engine = make_engine(load_settings(config, ENV).database.url)
    with session_scope(engine) as session:
        away = session.get_one(Professional, mirjam)
        assert away.stand_in_id == daan and away.away_until is not None
        assert away.away_until.year == 2099
    engine.dispose()
    code, out, _ = run(config, "professional", "back", str(mirjam))
    assert code == 0 and "Mirjam is back" in out
    engine = make_engine(load_settings(config, ENV).database.url)
    with session_scope(engine) as session:
        assert session.get_one(Professional, mirjam).away_until is None
        actions = list(session.exec(select(AuditEntry.action)).all())
    engine.dispose()
    assert actions.count("leave_started") == 1 and actions.count("leave_ended") == 1


def test_export_erase_retention_and_key_rotation_from_the_command_line(config: Path) -> None:
    from storage.crypto import FieldCipher, new_key

    _, _, client = seed(config)
    engine = make_engine(load_settings(config, ENV).database.url)
    cipher = FieldCipher([TEST_KEY])
    with session_scope(engine) as session:
        session.get_one(Client, client).name_enc = cipher.encrypt("Sanne de Wit")
    engine.dispose()

    code, out, _ = run(config, "export", "--client", str(client), "--out", "export")
    files = sorted((config.parent / "export").iterdir())
    assert code == 0 and [p.suffix for p in files] == [".json", ".txt"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["client"][0]["name"] == "Sanne de Wit", "decrypted for the person"
    assert "Sanne de Wit" in files[1].read_text(encoding="utf-8")

    code, out, _ = run(config, "retention", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["dry_run"] is True

    newest = new_key()
    env = {**ENV, "DUWTJE_ENCRYPTION_KEYS": f"{newest},{TEST_KEY}"}
    done = duwtje("keys", "rotate", "--config", str(config), cwd=config.parent, env=env)
    assert done.returncode == 0 and "re-encrypted with the newest key" in done.stdout
    engine = make_engine(load_settings(config, ENV).database.url)
    with session_scope(engine) as session:
        stored = session.get_one(Client, client).name_enc or ""
    engine.dispose()
    assert FieldCipher([newest]).decrypt(stored) == "Sanne de Wit", "the old key can go"

    code, _, err = run(config, "erase", "--client", "999", "--yes")
    assert code == 1 and "no client 999" in err
    done = duwtje(
        "erase",
        "--client",
        str(client),
        "--yes",
        "--config",
        str(config),
        cwd=config.parent,
        env=env,
    )
    assert done.returncode == 0 and "is erased" in done.stdout
    engine = make_engine(load_settings(config, ENV).database.url)
    with session_scope(engine) as session:
        assert session.get(Client, client) is None
    engine.dispose()
    raw = (config.parent / "d.db").read_bytes()
    assert stored.encode() not in raw, "after the erasure and VACUUM: not in the file"
