"""Settings: read once from MAILSCORE_* environment variables at start-up, validated, failing fast.

Defaults give the embedded mode: a SQLite file, in-process cache and queue, and an outbox folder.
"""

import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from application.use_cases.throttle_request import Limit, RequestLimits

if TYPE_CHECKING:
    from adapters.mail.dkim_signer import DkimSigner

DEFAULT_HOME = Path("var")
MIN_SECRET_LENGTH = 32
URL_SCHEMES: dict[str, frozenset[str]] = {
    "database_url": frozenset({"sqlite", "sqlite+aiosqlite", "postgresql", "postgresql+asyncpg", "postgres"}),
    "redis_url": frozenset({"redis", "rediss", "unix"}),
    "smtp_url": frozenset({"smtp", "smtp+starttls", "smtps"}),
}


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_HOME / 'mailscore.sqlite3'}"
    redis_url: str | None = None
    smtp_url: str | None = None
    outbox_dir: Path = DEFAULT_HOME / "outbox"
    base_url: str = "https://mailscore.example.jp"
    sender_address: str = "no-reply@mailscore.example.jp"
    sender_name: str = "Mail Score"
    minimum_wage_dir: Path | None = None
    claim_timeout_seconds: float = 300.0
    send_batch_size: int = 200
    soft_bounce_limit: int = 3
    scanner_window_seconds: float = 30.0
    mail_cap: tuple[int, int] | None = None  # (mails, days): at most that many mails per user per period
    dkim_key_file: Path | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None  # default: the sender address's domain
    # Forked processes that score while this one writes (Linux); 0 plans in a thread. Off by default: at
    # 100k users a planning process measured 2.62 GiB for the run (PSS), over the 2 GiB budget.
    planning_processes: int = 0
    send_max_attempts: int = 5
    send_retry_seconds: float = 30.0  # backoff before the 2nd attempt; doubles each time, with jitter
    send_retry_max_seconds: float = 900.0
    # Messages per second per recipient domain, over the defaults (slow for mobile carriers); "*" = others.
    smtp_domain_rates: tuple[tuple[str, float], ...] = ()
    send_in_doubt: str = "resend"  # or "hold": see SendOptions.in_doubt
    queue_name: str = "mailscore"
    shard_size: int = 500
    redelivery_seconds: float = 600.0
    schedule_lateness_seconds: float = 1800.0
    schedule: dict[str, str] = field(default_factory=dict)  # campaign name -> cron in JST
    alert_threshold: float = 80.0
    notification_history: int = 50
    secret_key: str = field(default="", repr=False)
    matches_ttl_seconds: int = 300  # a user's ranked matches stay current this long (the sketch's api_responses)
    matches_cursor_ttl_seconds: int = 3600  # a matches cursor keeps working this long (the sketch's user_sessions)
    bounce_webhook_secret: str = field(default="", repr=False)
    request_limits: RequestLimits = field(default_factory=RequestLimits)
    trusted_proxies: tuple[str, ...] = ()  # addresses or CIDRs whose X-Forwarded-For is believed
    redis_prefix: str = "mailscore:"

    @property
    def message_id_domain(self) -> str:
        return self.sender_address.rpartition("@")[2]

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _positive(name: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"MAILSCORE_{name.upper()}: not a number: {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"MAILSCORE_{name.upper()}: must be positive, got {raw!r}")
    return value


def _https_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"MAILSCORE_{name.upper()}: not an http(s) URL: {raw!r}")
    return raw.rstrip("/")


WINDOWS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _limit(name: str, raw: str) -> Limit | None:
    """`100/minute` (second, minute, hour, day; or `N/90s`), or `off`."""
    if raw.lower() == "off":
        return None
    count, _, window = raw.partition("/")
    window = window.strip().lower()
    seconds = WINDOWS.get(window) or (int(window[:-1]) if window.endswith("s") and window[:-1].isdigit() else 0)
    if not count.strip().isdigit() or int(count) < 1 or seconds < 1:
        raise ConfigError(f"MAILSCORE_{name.upper()}: not a limit like 100/minute (or off): {raw!r}")
    return Limit(int(count), seconds)


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    from adapters.cache.client_ip import trusted_networks  # the parser that will use them, so both agree

    entries = tuple(entry.strip() for entry in raw.split(",") if entry.strip())
    try:
        trusted_networks(entries)
    except ValueError as exc:
        raise ConfigError(f"MAILSCORE_TRUSTED_PROXIES: {exc}") from None
    return entries


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(f"MAILSCORE_{name.upper()}")
        return value.strip() if value and value.strip() else None

    values: dict[str, Any] = {}
    for name, schemes in URL_SCHEMES.items():
        if (raw := get(name)) is not None:
            scheme = urlsplit(raw).scheme.lower()
            if scheme not in schemes:
                allowed = ", ".join(sorted(schemes))
                raise ConfigError(f"MAILSCORE_{name.upper()}: scheme {scheme or '(none)'!r} is not one of {allowed}")
            values[name] = raw
    if (raw := get("sender_name")) is not None:
        values["sender_name"] = raw
    if (raw := get("sender_address")) is not None:
        if "@" not in raw or raw.startswith("@") or raw.endswith("@"):
            raise ConfigError(f"MAILSCORE_SENDER_ADDRESS: not an email address: {raw!r}")
        values["sender_address"] = raw
    if (raw := get("base_url")) is not None:
        values["base_url"] = _https_url("base_url", raw)
    for name in ("outbox_dir", "minimum_wage_dir"):
        if (raw := get(name)) is not None:
            values[name] = Path(raw)
    if "minimum_wage_dir" in values and not values["minimum_wage_dir"].is_dir():
        raise ConfigError(f"MAILSCORE_MINIMUM_WAGE_DIR: not a directory: {values['minimum_wage_dir']}")
    if "smtp_url" in values:
        _check_smtp_url(values["smtp_url"])
    if (raw := get("claim_timeout_seconds")) is not None:
        values["claim_timeout_seconds"] = float(_positive("claim_timeout_seconds", raw, float))
    if (raw := get("send_batch_size")) is not None:
        values["send_batch_size"] = int(_positive("send_batch_size", raw, int))
    for name in ("dkim_selector", "dkim_domain"):
        if (raw := get(name)) is not None:
            values[name] = raw
    if (raw := get("dkim_key_file")) is not None:
        values["dkim_key_file"] = Path(raw)
    if ("dkim_key_file" in values) != ("dkim_selector" in values):
        raise ConfigError("MAILSCORE_DKIM_KEY_FILE and MAILSCORE_DKIM_SELECTOR: set both to sign with DKIM, or neither")
    if "dkim_key_file" in values:
        _check_dkim(Settings(**values))
    if (raw := get("mail_cap")) is not None:
        values["mail_cap"] = _mail_cap(raw)
    if (raw := get("scanner_window_seconds")) is not None:
        values["scanner_window_seconds"] = float(_positive("scanner_window_seconds", raw, float))
    if (raw := get("soft_bounce_limit")) is not None:
        values["soft_bounce_limit"] = int(_positive("soft_bounce_limit", raw, int))
    if (raw := get("bounce_webhook_secret")) is not None:
        if len(raw) < MIN_SECRET_LENGTH:
            raise ConfigError(f"MAILSCORE_BOUNCE_WEBHOOK_SECRET: must be at least {MIN_SECRET_LENGTH} characters")
        values["bounce_webhook_secret"] = raw
    if (raw := get("planning_processes")) is not None:
        if not raw.isdigit():
            raise ConfigError(f"MAILSCORE_PLANNING_PROCESSES: not a whole number of processes (0 or more): {raw!r}")
        values["planning_processes"] = int(raw)
    for name in ("matches_ttl_seconds", "matches_cursor_ttl_seconds"):
        if (raw := get(name)) is not None:
            values[name] = int(_positive(name, raw, int))
    if (raw := get("send_max_attempts")) is not None:
        values["send_max_attempts"] = int(_positive("send_max_attempts", raw, int))
    for name in ("send_retry_seconds", "send_retry_max_seconds"):
        if (raw := get(name)) is not None:
            values[name] = float(_positive(name, raw, float))
    if (raw := get("send_in_doubt")) is not None:
        if raw not in ("resend", "hold"):
            raise ConfigError(f"MAILSCORE_SEND_IN_DOUBT: must be resend or hold, not {raw!r}")
        values["send_in_doubt"] = raw
    if (raw := get("smtp_domain_rates")) is not None:
        values["smtp_domain_rates"] = _domain_rates(raw)
    values.update(_worker_settings(get))
    if (raw := get("secret_key")) is not None:
        if len(raw) < MIN_SECRET_LENGTH:
            raise ConfigError(f"MAILSCORE_SECRET_KEY: must be at least {MIN_SECRET_LENGTH} characters")
        values["secret_key"] = raw
    defaults = RequestLimits()
    limits = {
        field: _limit(f"rate_limit_{suffix}", raw) if (raw := get(f"rate_limit_{suffix}")) else getattr(defaults, field)
        for field, suffix in (("per_ip", "ip"), ("per_user", "user"), ("service", "global"))
    }
    values["request_limits"] = RequestLimits(**limits)
    if (raw := get("trusted_proxies")) is not None:
        values["trusted_proxies"] = _trusted_proxies(raw)
    if (raw := get("redis_prefix")) is not None:
        values["redis_prefix"] = raw
    return Settings(**values)


def _domain_rates(raw: str) -> tuple[tuple[str, float], ...]:
    """`docomo.ne.jp=2, example.com=20, *=50`: messages per second per recipient domain."""
    rates: list[tuple[str, float]] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        domain, sep, rate = item.partition("=")
        domain = domain.strip().lower()
        if not sep or not domain or ("@" in domain) or (" " in domain):
            raise ConfigError(f"MAILSCORE_SMTP_DOMAIN_RATES: expected domain=rate, got {item!r}")
        try:
            value = float(rate)
        except ValueError:
            raise ConfigError(
                f"MAILSCORE_SMTP_DOMAIN_RATES: rate for {domain} is not a number: {rate.strip()!r}"
            ) from None
        if not value > 0:
            raise ConfigError(f"MAILSCORE_SMTP_DOMAIN_RATES: rate for {domain} must be positive")
        rates.append((domain, value))
    return tuple(rates)
def _worker_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if (raw := get("queue_name")) is not None:
        values["queue_name"] = raw
    if (raw := get("shard_size")) is not None:
        values["shard_size"] = int(_positive("shard_size", raw, int))
    for name in ("redelivery_seconds", "schedule_lateness_seconds"):
        if (raw := get(name)) is not None:
            values[name] = float(_positive(name, raw, float))
    if (raw := get("schedule")) is not None:
        values["schedule"] = _schedule(raw)
    if (raw := get("alert_threshold")) is not None:
        threshold = float(_positive("alert_threshold", raw, float))
        if threshold > 100:
            raise ConfigError(f"MAILSCORE_ALERT_THRESHOLD: a total score is at most 100, got {raw!r}")
        values["alert_threshold"] = threshold
    if (raw := get("notification_history")) is not None:
        values["notification_history"] = int(_positive("notification_history", raw, int))
    return values


def _schedule(raw: str) -> dict[str, str]:
    """`daily=0 8 * * *; weekday=30 7 * * 1-5`: campaign name = cron expression in JST."""
    from domain.cron import CronError, CronSchedule

    crons: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in raw.split(";"))):
        name, sep, expression = entry.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"MAILSCORE_SCHEDULE: expected campaign=cron, got {entry!r}")
        try:
            crons[name.strip()] = CronSchedule.parse(expression).expression
        except CronError as exc:
            raise ConfigError(f"MAILSCORE_SCHEDULE: {name.strip()}: {exc}") from None
    return crons


def _check_smtp_url(url: str) -> None:
    from adapters.mail.smtp import SmtpSettings  # the parser that will use it, so both agree

    try:
        SmtpSettings.from_url(url)
    except ValueError as exc:
        raise ConfigError(f"MAILSCORE_SMTP_URL: {exc}") from None


def _mail_cap(raw: str) -> tuple[int, int]:
    mails, slash, days = raw.partition("/")
    if not slash or not mails.strip().isdigit() or not days.strip().isdigit() or not int(mails) or not int(days):
        raise ConfigError(f"MAILSCORE_MAIL_CAP: give MAILS/DAYS with positive whole numbers, e.g. 5/7: {raw!r}")
    return int(mails), int(days)


def _check_dkim(settings: Settings) -> None:
    from adapters.mail.dkim_signer import DkimKeyError

    try:
        dkim_signer(settings)
    except DkimKeyError as exc:
        raise ConfigError(f"MAILSCORE_DKIM_KEY_FILE: {exc}") from None


def dkim_signer(settings: Settings) -> "DkimSigner | None":
    """The DKIM signer the settings ask for, or None when no key is configured."""
    if settings.dkim_key_file is None or settings.dkim_selector is None:
        return None
    from adapters.mail.dkim_signer import DkimSigner

    domain = settings.dkim_domain or settings.message_id_domain
    return DkimSigner.from_file(settings.dkim_key_file, settings.dkim_selector, domain)


def usable_outbox(directory: Path) -> Path:
    """The outbox folder, created if missing; a folder that cannot be written stops the command at once."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # A probe of its own: several senders start at once on one outbox.
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise ConfigError(f"MAILSCORE_OUTBOX_DIR: cannot write to {directory}: {exc.strerror or exc}") from None
    return directory


def secret_key(settings: Settings, home: Path = DEFAULT_HOME) -> bytes:
    """The signing key: MAILSCORE_SECRET_KEY, or in embedded mode a random key kept in var/secret_key.

    Never a built-in constant: a known key would let anyone forge unsubscribe and click links."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = home / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def purpose_key(settings: Settings, purpose: str) -> bytes:
    """A key for one purpose (mail links, access tokens) derived from the secret, so a token made for one
    purpose can never pass as the other, and each can be rotated by its label."""
    return hmac.new(secret_key(settings), f"mailscore/{purpose}".encode(), hashlib.sha256).digest()
