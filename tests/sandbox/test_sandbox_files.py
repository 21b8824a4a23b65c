"""Files the bot sends: uploads, file_ids, URLs, and downloading them back."""

from __future__ import annotations

import httpx
from telegram import Bot, InputFile

from bot.sandbox import SandboxClient, SandboxThread
from bot.sandbox.shapes import UserView

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def test_it_stores_an_uploaded_photo_for_get_file_and_download(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    sent = await bot.send_photo(anna["id"], PICTURE, caption="<b>Oefening 1</b>", parse_mode="HTML")
    assert sent.caption == "Oefening 1" and len(sent.photo) == 2
    largest = sent.photo[-1]
    file = await bot.get_file(largest.file_id)
    assert file.file_size == len(PICTURE)
    assert bytes(await file.download_as_bytearray()) == PICTURE
    again = await bot.send_photo(anna["id"], largest.file_id)  # resend by file_id
    assert again.photo[-1].file_unique_id == largest.file_unique_id
    [_, first, _] = await client.messages(anna["id"])
    assert first["text"] == "<b>Oefening 1</b>" and first["plain_text"] == "Oefening 1"
    assert first["attachments"][0]["file_id"] == largest.file_id


async def test_it_keeps_a_document_name_and_type(bot: Bot, anna: UserView) -> None:
    upload = InputFile(b"%PDF-1.4 werkblad", filename="werkblad.pdf")
    sent = await bot.send_document(anna["id"], upload)
    assert (sent.document.file_name, sent.document.mime_type) == ("werkblad.pdf", "application/pdf")
    file = await sent.document.get_file()
    assert file.file_path.endswith(".pdf")
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 werkblad"


async def test_it_accepts_a_photo_by_url_without_fetching_it(bot: Bot, anna: UserView) -> None:
    sent = await bot.send_photo(anna["id"], "https://example.org/plaatje.jpg")
    assert (await bot.get_file(sent.photo[-1].file_id)).file_size == 0  # no internet here


async def test_it_answers_an_unknown_file_with_400_and_404(
    sandbox: SandboxThread, api: str
) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{api}/getFile", data={"file_id": "nope"})
        download = await http.get(f"{sandbox.bot_file_base_url}1:T/photos/file_99.jpg")
    assert answer.json()["description"] == "Bad Request: invalid file_id"
    assert download.status_code == 404


async def test_it_sends_a_poll(bot: Bot, client: SandboxClient, anna: UserView) -> None:
    sent = await bot.send_poll(
        anna["id"], "Wanneer past het?", ["Dinsdag", "Donderdag"], is_anonymous=False
    )
    assert [o.text for o in sent.poll.options] == ["Dinsdag", "Donderdag"]
    assert not sent.poll.is_anonymous
    [_, view] = await client.messages(anna["id"])
    assert view["attachments"][0]["question"] == "Wanneer past het?"
    assert view["attachments"][0]["options"] == ["Dinsdag", "Donderdag"]
