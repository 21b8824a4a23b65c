"""The suite-wide group check can fail: a name in a bot message in a group is found; the same
name in a private chat, or in a person's own message in the group, is not counted."""

from __future__ import annotations

from telegram import Bot

from bot.sandbox import SandboxClient, SandboxThread
from tests.group_privacy import personal_in_groups


async def test_a_name_in_a_group_message_is_found(nothing_personal_in_groups: list[str]) -> None:
    with SandboxThread(strict=False) as sandbox:
        async with (
            SandboxClient(sandbox.url) as client,
            Bot("1:T", base_url=f"{sandbox.url}/bot") as bot,
        ):
            anja = await client.create_user(first_name="Anja", last_name="de Vries")
            group = await client.create_group(title="Lotgenoten", members=[anja["id"]])
            await client.text(anja["id"], "/help Anja", chat_id=group["id"])  # her own words
            await bot.send_message(group["id"], "Hoi allemaal")
            await client.start(anja["id"])
            await bot.send_message(anja["id"], "Hoi Anja, dit is privé")
            assert personal_in_groups(sandbox.world) == []
            await bot.send_message(group["id"], "Welkom Anja!")
            found = personal_in_groups(sandbox.world)
    assert found == [f"{group['id']}: 'Anja' in 'Welkom Anja!'"]
    # The autouse check saw it too as the sandbox stopped; this test broke the rule on purpose.
    assert nothing_personal_in_groups == found
    nothing_personal_in_groups.clear()
