"""Every mail a run sends carries its open pixel, one signed click link per job, and visible unsubscribe and
preference links, each naming this delivery (and user)."""

import email
import email.policy
import re
from pathlib import Path

from application.links import (
    read_click_token,
    read_open_token,
    read_preferences_token,
    read_unsubscribe_token,
)
from domain.delivery import DeliveryStatus
from tests.unit.test_run_daily_mail import OPTIONS, World, make_job, make_user


def token(html: str, prefix: str) -> list[str]:
    return re.findall(rf"https://mailscore\.example\.jp/{prefix}/([A-Za-z0-9_.-]+)", html)


async def test_each_sent_mail_has_its_pixel_click_unsubscribe_and_preference_links(tmp_path: Path) -> None:
    world = World(tmp_path / "outbox")
    users = [make_user("1600022", "hanako"), make_user("1500041", "taro")]
    await world.add(*users, *(make_job(f"カフェ{i}") for i in range(3)))
    await world.run()
    signer = OPTIONS.signer
    for user in users:
        delivery = world.deliveries()[user.id]
        assert delivery.status is DeliveryStatus.SENT
        message = email.message_from_bytes((world.outbox / f"{delivery.id}.eml").read_bytes(),
                                           policy=email.policy.default)  # fmt: skip
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        [pixel] = token(html, "t/o")
        assert read_open_token(signer, pixel) == delivery.id
        clicks = [read_click_token(signer, t) for t in dict.fromkeys(token(html, "t/c"))]
        assert {(c.delivery_id, c.job_id) for c in clicks if c} == {(delivery.id, m.job_id) for m in delivery.matches}
        for body in (html, text):  # visible in both parts, not only in the List-Unsubscribe header
            [unsubscribe] = set(token(body, "u"))
            [preferences] = set(token(body, "p"))
            assert read_unsubscribe_token(signer, unsubscribe) is not None
            assert read_unsubscribe_token(signer, unsubscribe).user_id == user.id  # type: ignore[union-attr]
            assert read_preferences_token(signer, preferences).user_id == user.id  # type: ignore[union-attr]
