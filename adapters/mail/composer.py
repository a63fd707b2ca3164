"""Renders the daily mail with Jinja2 and turns it into message bytes."""

import re
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment

from adapters.mail.mime import HeaderInjectionError, MimeMessageBuilder, check_address
from application.ports import MailContext, MailJob, OutgoingMail, RenderedMail
from domain.errors import InvalidInput
from domain.mail_address import envelope_address

BUNDLED_TEMPLATES = Path(__file__).parent / "templates"
# The bundled sets, by MailContext.template: the daily mail, and the short instant-alert mail. A set is
# `<set>_subject.txt.j2`, `<set>.html.j2` and `<set>.txt.j2`.
TEMPLATE_SETS = ("daily", "instant_alert")

_SAMPLE_JOB = MailJob("ホールスタッフ", "株式会社サンプル", 1300, "渋谷駅 徒歩5分", 12, ("自宅から約12分",),
                      "https://example.jp/jobs/1", False)  # fmt: skip
_SAMPLE = MailContext(
    uuid.UUID(int=0), "<sample@example.jp>", "sample@example.jp", "山田 花子", "sample", date(2026, 1, 1),
    datetime(2026, 1, 1, tzinfo=UTC), (_SAMPLE_JOB, _SAMPLE_JOB), "https://example.jp/u", "https://example.jp/p",
)  # fmt: skip

Kind = Literal["subject", "html", "text"]
_FIELDS: dict[Kind, str] = {"subject": "subject_template", "html": "html_template", "text": "text_template"}

# Line breaks and other blanks become one space; U+3000 (full-width space) is kept because Japanese
# subjects use it as punctuation. Remaining C0 controls and DEL are dropped.
_SUBJECT_BLANKS = re.compile(r"[^\S\u3000]+")
_SUBJECT_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def clean_subject(text: str) -> str:
    return _SUBJECT_CONTROLS.sub("", _SUBJECT_BLANKS.sub(" ", text)).strip()


def _bundled_names() -> dict[tuple[str, Kind], str]:
    names: dict[tuple[str, Kind], str] = {}
    for template_set in TEMPLATE_SETS:
        names[(template_set, "subject")] = f"{template_set}_subject.txt.j2"
        names[(template_set, "html")] = f"{template_set}.html.j2"
        names[(template_set, "text")] = f"{template_set}.txt.j2"
    return names


def _yen(amount: int) -> str:
    return f"{amount:,}"


def _web_url(url: str) -> str:
    # Escaping does not stop `javascript:` in an href; only http(s) links are written into a mail.
    return url if url[:8].lower().startswith(("https://", "http://")) else ""


class JinjaMailComposer:
    """MailComposer on Jinja2 and the hand-built MIME writer.

    Templates see: `recipient_name`, `jobs` (MailJob), `job_count`, `top_wage` (int or None),
    `has_generated`, `unsubscribe_url`, `preferences_url`, `campaign_name`, `run_date`, `sent_at`,
    `extra` (dict; the bundled HTML adds a tracking pixel when `extra["open_pixel_url"]` is set),
    and the filters `yen` (1,200) and `web_url` (drops non-http(s) URLs).
    The bundled templates are the set MailContext.template names (daily, instant_alert); a campaign's own
    template source (MailContext.*_template) replaces the bundled one; each distinct
    source is compiled once. Template and header errors surface as `InvalidInput` naming the field.
    """

    def __init__(
        self,
        sender_address: str,
        sender_name: str,
        template_dir: Path | None = None,
        *,
        override_cache_size: int = 32,
        sign: Callable[[bytes], bytes] | None = None,
    ) -> None:
        # A custom directory may replace only some templates; the rest come from the bundled set.
        loaders = [FileSystemLoader(BUNDLED_TEMPLATES)]
        if template_dir is not None:
            loaders.insert(0, FileSystemLoader(template_dir))
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        env.filters["yen"] = _yen
        env.filters["web_url"] = _web_url
        # Sources given as text are a campaign's data, set by admins over the API: they are compiled in a
        # sandbox (no attribute walks to Python internals). They have no file name to pick autoescaping
        # by, so each kind gets an overlay with it fixed (overlays share filters and settings).
        sandbox = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                       auto_reload=False)  # fmt: skip
        sandbox.filters.update(env.filters)
        self._string_envs: dict[Kind, Environment] = {
            "subject": sandbox.overlay(autoescape=False),
            "html": sandbox.overlay(autoescape=True),
            "text": sandbox.overlay(autoescape=False),
        }
        try:
            self._bundled: dict[tuple[str, Kind], Template] = {
                key: env.get_template(name) for key, name in _bundled_names().items()
            }
        except TemplateError as exc:
            raise InvalidInput("template_dir", f"cannot load mail templates: {exc}") from exc
        # Keyed by the source text itself: a str caches its hash, so a campaign's template string that
        # is reused for every recipient costs one dict lookup, and there is no hash collision to handle.
        self._overrides: OrderedDict[tuple[Kind, str], Template] = OrderedDict()
        self._override_cache_size = override_cache_size
        self._sender_address = check_address(sender_address)
        self._builder = MimeMessageBuilder(sender_address, sender_name)
        self._sign = sign  # DKIM (adapters.mail.dkim_signer), when a key is configured

    def _template(self, kind: Kind, source: str | None, template_set: str = "daily") -> Template:
        if source is None:
            bundled = self._bundled.get((template_set, kind))
            if bundled is None:
                raise InvalidInput("template", f"no bundled mail templates named {template_set!r}")
            return bundled
        key = (kind, source)
        template = self._overrides.get(key)
        if template is None:
            try:
                template = self._string_envs[kind].from_string(source)
            except TemplateError as exc:
                raise InvalidInput(_FIELDS[kind], f"template does not compile: {exc}") from exc
            self._overrides[key] = template
            if len(self._overrides) > self._override_cache_size:
                self._overrides.popitem(last=False)
        else:
            self._overrides.move_to_end(key)
        return template

    def check_subject_template(self, source: str) -> None:
        """Compiles the template and renders it for a sample recipient, so a name it misspells or an
        attribute the sandbox refuses is reported now rather than failing every mail of a run."""
        self._render("subject", source, self._variables(_SAMPLE))

    def _render(self, kind: Kind, source: str | None, variables: dict[str, Any], template_set: str = "daily") -> str:
        template = self._template(kind, source, template_set)
        try:
            return template.render(variables)
        except TemplateError as exc:
            raise InvalidInput(_FIELDS[kind], f"template does not render: {exc}") from exc

    def render(self, context: MailContext) -> RenderedMail:
        variables, bundled = self._variables(context), context.template
        subject = clean_subject(self._render("subject", context.subject_template, variables, bundled))
        html = self._render("html", context.html_template, variables, bundled)
        text = self._render("text", context.text_template, variables, bundled)
        return RenderedMail(subject, text, html)

    @staticmethod
    def _variables(context: MailContext) -> dict[str, Any]:
        jobs = context.jobs
        return {
            "recipient_name": context.recipient_name,
            "jobs": jobs,
            "job_count": len(jobs),
            "top_wage": max((job.hourly_wage for job in jobs), default=None),
            "has_generated": any(job.generated for job in jobs),
            "unsubscribe_url": context.unsubscribe_url,
            "preferences_url": context.preferences_url,
            "campaign_name": context.campaign_name,
            "run_date": context.run_date,
            "sent_at": context.sent_at,
            "extra": context.extra,
        }

    def compose(self, context: MailContext) -> OutgoingMail:
        rendered = self.render(context)
        subject, text, html = rendered.subject, rendered.text, rendered.html
        try:
            # Old carrier addresses ("a..b.@docomo.ne.jp") go out quoted, on the envelope and in To alike.
            recipient = check_address(envelope_address(context.recipient_email))
        except HeaderInjectionError as exc:
            raise InvalidInput("recipient_email", str(exc)) from exc
        try:
            data = self._builder.build(
                to=recipient,
                subject=subject,
                text=text,
                html=html,
                sent_at=context.sent_at,
                message_id=context.message_id,
                # the delivery id makes the boundary (and so the bytes) the same on every re-send
                boundary=f"ms-alt-{context.delivery_id.hex}",
                list_unsubscribe_url=context.unsubscribe_url,
                extra_headers={"X-Mailscore-Delivery": str(context.delivery_id)},
            )
        except (HeaderInjectionError, UnicodeEncodeError) as exc:  # the latter: lone surrogates
            raise InvalidInput("mail", str(exc)) from exc
        if self._sign is not None:
            data = self._sign(data)
        return OutgoingMail(
            delivery_id=context.delivery_id,
            message_id=context.message_id,
            envelope_from=context.return_path or self._sender_address,
            recipient=recipient,
            subject=subject,
            data=data,
        )
