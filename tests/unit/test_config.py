"""Settings: every wrong value stops start-up with a message naming its variable."""

from pathlib import Path

import pytest

from application.use_cases.throttle_request import Limit, RequestLimits
from entrypoints.config import ConfigError, load_settings, usable_outbox


def test_defaults_are_the_embedded_mode() -> None:
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.smtp_url is None
    assert settings.redis_url is None
    assert (settings.soft_bounce_limit, settings.bounce_webhook_secret) == (3, "")  # webhook off


def test_bounce_settings_are_read() -> None:
    settings = load_settings({"MAILSCORE_SOFT_BOUNCE_LIMIT": "5", "MAILSCORE_BOUNCE_WEBHOOK_SECRET": "h" * 32})
    assert (settings.soft_bounce_limit, settings.bounce_webhook_secret) == (5, "h" * 32)
    assert "h" * 32 not in repr(settings)


def test_matches_cache_lifetimes_default_to_the_sketch_and_are_read() -> None:
    defaults = load_settings({})
    assert (defaults.matches_ttl_seconds, defaults.matches_cursor_ttl_seconds) == (300, 3600)
    settings = load_settings({"MAILSCORE_MATCHES_TTL_SECONDS": "60", "MAILSCORE_MATCHES_CURSOR_TTL_SECONDS": "900"})
    assert (settings.matches_ttl_seconds, settings.matches_cursor_ttl_seconds) == (60, 900)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("MAILSCORE_DATABASE_URL", "mysql://root@127.0.0.1/x", "scheme 'mysql'"),
        ("MAILSCORE_REDIS_URL", "http://127.0.0.1:6379", "scheme 'http'"),
        ("MAILSCORE_SMTP_URL", "http://relay", "scheme 'http'"),
        ("MAILSCORE_SMTP_URL", "smtp://relay?pool=abc", "pool"),
        ("MAILSCORE_SMTP_URL", "smtp://relay?bogus=1", "bogus"),
        ("MAILSCORE_SECRET_KEY", "short", "at least 32"),
        ("MAILSCORE_SEND_BATCH_SIZE", "0", "positive"),
        ("MAILSCORE_MATCHES_TTL_SECONDS", "0", "positive"),
        ("MAILSCORE_MATCHES_CURSOR_TTL_SECONDS", "an hour", "not a number"),
        ("MAILSCORE_SOFT_BOUNCE_LIMIT", "0", "positive"),
        ("MAILSCORE_BOUNCE_WEBHOOK_SECRET", "short", "at least 32"),
        ("MAILSCORE_PLANNING_PROCESSES", "-1", "0 or more"),
        ("MAILSCORE_PLANNING_PROCESSES", "two", "0 or more"),
        ("MAILSCORE_SEND_MAX_ATTEMPTS", "0", "positive"),
        ("MAILSCORE_SEND_IN_DOUBT", "maybe", "resend or hold"),
        ("MAILSCORE_SEND_RETRY_SECONDS", "later", "not a number"),
        ("MAILSCORE_SMTP_DOMAIN_RATES", "docomo.ne.jp", "domain=rate"),
        ("MAILSCORE_SMTP_DOMAIN_RATES", "docomo.ne.jp=fast", "rate for docomo.ne.jp is not a number"),
        ("MAILSCORE_SMTP_DOMAIN_RATES", "docomo.ne.jp=0", "must be positive"),
        ("MAILSCORE_CLAIM_TIMEOUT_SECONDS", "soon", "not a number"),
        ("MAILSCORE_BASE_URL", "ftp://site", "http(s)"),
        ("MAILSCORE_SENDER_ADDRESS", "nobody", "email"),
        ("MAILSCORE_MINIMUM_WAGE_DIR", "/nonexistent/fy2026", "not a directory"),
        ("MAILSCORE_RATE_LIMIT_IP", "60", "like 100/minute"),
        ("MAILSCORE_RATE_LIMIT_USER", "0/hour", "like 100/minute"),
        ("MAILSCORE_RATE_LIMIT_GLOBAL", "100/fortnight", "like 100/minute"),
        ("MAILSCORE_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33", "10.0.0.0/33"),
        ("MAILSCORE_SHARD_SIZE", "-5", "positive"),
        ("MAILSCORE_REDELIVERY_SECONDS", "ten", "not a number"),
        ("MAILSCORE_SCHEDULE_LATENESS_SECONDS", "0", "positive"),
        ("MAILSCORE_SCHEDULE", "daily 0 8 * * *", "campaign=cron"),
        ("MAILSCORE_SCHEDULE", "daily=0 25 * * *", "daily: cron hour"),
        ("MAILSCORE_ALERT_THRESHOLD", "120", "at most 100"),
        ("MAILSCORE_NOTIFICATION_HISTORY", "0", "positive"),
    ],
)
def test_a_wrong_value_names_its_variable(variable: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as wrong:
        load_settings({variable: value})
    assert str(wrong.value).startswith(f"{variable}: ")
    assert says in str(wrong.value)


def test_planning_processes_can_be_turned_off_or_raised() -> None:
    assert load_settings({"MAILSCORE_PLANNING_PROCESSES": "0"}).planning_processes == 0
    assert load_settings({"MAILSCORE_PLANNING_PROCESSES": "3"}).planning_processes == 3


def test_worker_settings_are_read() -> None:
    settings = load_settings({
        "MAILSCORE_SHARD_SIZE": "200", "MAILSCORE_REDELIVERY_SECONDS": "90", "MAILSCORE_QUEUE_NAME": "mail",
        "MAILSCORE_SCHEDULE": "daily=0 8 * * *;  weekday = 30 7 * * 1-5 ;",
        "MAILSCORE_SCHEDULE_LATENESS_SECONDS": "600",
    })  # fmt: skip
    assert (settings.shard_size, settings.redelivery_seconds, settings.queue_name) == (200, 90.0, "mail")
    assert settings.schedule == {"daily": "0 8 * * *", "weekday": "30 7 * * 1-5"}
    assert settings.schedule_lateness_seconds == 600.0
    events = load_settings({"MAILSCORE_ALERT_THRESHOLD": "65.5", "MAILSCORE_NOTIFICATION_HISTORY": "20"})
    assert (events.alert_threshold, events.notification_history) == (65.5, 20)


def test_an_unwritable_outbox_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="MAILSCORE_OUTBOX_DIR: cannot write"):
        usable_outbox(blocker / "outbox")
    assert usable_outbox(tmp_path / "new" / "outbox").is_dir()


def test_links_and_access_tokens_use_different_keys_from_one_secret() -> None:
    from entrypoints.config import purpose_key

    settings = load_settings({"MAILSCORE_SECRET_KEY": "s" * 40})
    links, tokens = purpose_key(settings, "mail-links"), purpose_key(settings, "access-tokens")
    assert links != tokens
    assert len(links) == 32
    assert purpose_key(settings, "mail-links") == links  # stable across processes
    assert purpose_key(load_settings({"MAILSCORE_SECRET_KEY": "t" * 40}), "mail-links") != links


def test_many_senders_checking_one_outbox_at_once_all_pass(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    outbox = tmp_path / "outbox"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: usable_outbox(outbox), range(200)))
    assert results == [outbox] * 200
    assert list(outbox.iterdir()) == []


def test_rate_limits_default_to_the_customers_and_can_be_changed_or_switched_off() -> None:
    assert load_settings({}).request_limits == RequestLimits(Limit(60, 60), Limit(1000, 3600), Limit(100, 60))
    changed = load_settings({
        "MAILSCORE_RATE_LIMIT_IP": "120/minute", "MAILSCORE_RATE_LIMIT_USER": "5000/day",
        "MAILSCORE_RATE_LIMIT_GLOBAL": "OFF", "MAILSCORE_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
        "MAILSCORE_REDIS_PREFIX": "ms-staging:",
    })  # fmt: skip
    assert changed.request_limits == RequestLimits(Limit(120, 60), Limit(5000, 86400), None)
    assert changed.trusted_proxies == ("10.0.0.0/8", "::1")
    assert changed.redis_prefix == "ms-staging:"
    assert load_settings({"MAILSCORE_RATE_LIMIT_IP": "10/90s"}).request_limits.per_ip == Limit(10, 90)


def test_domain_rates_go_over_the_carrier_defaults_and_the_relay_rate_comes_from_the_url() -> None:
    from entrypoints.ioc import send_rates

    settings = load_settings({
        "MAILSCORE_SMTP_DOMAIN_RATES": " docomo.ne.jp=2, Example.COM=20 ,*=50",
        "MAILSCORE_SMTP_URL": "smtp://relay.internal?rate=80",
    })  # fmt: skip
    rates = send_rates(settings)
    assert rates.relay == 80
    assert rates.for_domain("docomo.ne.jp") == ("docomo.ne.jp", 2)
    assert rates.for_domain("ezweb.ne.jp") == ("ezweb.ne.jp", 5)  # a default kept
    assert rates.for_domain("mail.example.com") == ("example.com", 20)
    assert rates.for_domain("gmail.com") == ("gmail.com", 50)
    assert send_rates(load_settings({})).relay is None
