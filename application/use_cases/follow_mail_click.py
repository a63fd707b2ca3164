"""Follow a job link from a daily mail (the `/t/c/{token}` redirect): record the click, give the target.

Rules: the token must be a click token this site signed (else NotFound). The target must be an http(s) URL
on the site's own host and port, without user info or backslashes (else NotFound): the endpoint is never an
open redirect, even if the signing key leaked. A click on a mailed delivery moves it to clicked (a second
click leaves it so) and records an `email_click` action for the user and the job on every click; a click
whose delivery is unknown or was never mailed still redirects but records nothing. The redirect keeps the
target's query string and fragment; a Japanese path is percent-encoded as UTF-8. A click by a link
scanner (see `domain.link_scanners`) redirects too, is kept as a flagged link hit, and is not a click: it
changes neither the delivery nor the user's actions, so it stays out of click rates and scoring.
"""

from urllib.parse import quote, urlsplit

from application.links import read_click_token
from application.mail_sending import SendOptions
from application.ports import Clock, MatchInvalidation, UnitOfWork
from domain.action import Action, ActionKind
from domain.delivery import MAILED_STATUSES
from domain.errors import NotFound
from domain.link_scanners import HitKind, LinkHit, ScannerPolicy


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL without user info or backslashes; None for anything else."""
    if "\\" in url or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return None  # browsers read a backslash as a slash, so `https://evil\@site` would leave the site
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or parts.username is not None:
        return None
    return scheme, parts.hostname, port if port is not None else (443 if scheme == "https" else 80)


def as_uri(url: str) -> str:
    """The URL with every non-ASCII character percent-encoded as UTF-8 (RFC 3987 IRI -> URI), as a Location
    header must carry it; the query string, the fragment and what was encoded already stay as they were."""
    return quote(url, safe="!#$%&'()*+,/:;=?@[]~")


class FollowMailClick:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, options: SendOptions, matches: MatchInvalidation, scanners: ScannerPolicy
    ) -> None:
        self._scanners = scanners
        self._uow = uow
        self._clock = clock
        self._matches = matches
        self._signer = options.signer
        self._base_url = options.base_url
        self._site = _origin(options.base_url)

    def _on_site(self, url: str) -> bool:
        origin = _origin(url)
        if origin is None or self._site is None:
            return False
        return origin[1:] == self._site[1:]  # same host and port; http or https

    async def __call__(self, token: str, user_agent: str | None = None) -> str:
        """The URL to redirect to."""
        link = read_click_token(self._signer, token, self._base_url)
        if link is None or not self._on_site(link.target_url):
            raise NotFound("link", "click")  # says nothing about which check failed
        async with self._uow as uow:
            delivery = await uow.deliveries.get(link.delivery_id)
            if delivery is not None and delivery.status in MAILED_STATUSES:
                now = self._clock.now()
                scanner = self._scanners.reason(user_agent, delivery.sent_at, now)
                await uow.link_hits.add(LinkHit(delivery.id, HitKind.CLICK, now, (user_agent or "")[:512], scanner,
                                                link.job_id))  # fmt: skip
                if scanner is None:
                    delivery.mark_clicked(now)
                    await uow.actions.add(Action(delivery.user_id, link.job_id, ActionKind.EMAIL_CLICK, now,
                                                 metadata={"delivery_id": str(delivery.id)}))  # fmt: skip
                await uow.commit()
                clicked_by = delivery.user_id if scanner is None else None
            else:
                clicked_by = None
        if clicked_by is not None:
            await self._matches.user_changed(clicked_by)
        return as_uri(link.target_url)
