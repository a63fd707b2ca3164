"""The command line: bad input ends in one clear line naming what is wrong, exit status 2, no traceback;
valid rows of a file with bad ones are still imported."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "MAILSCORE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
           "MAILSCORE_SECRET_KEY": "x" * 40, "PYTHONPATH": str(ROOT), "COLUMNS": "60"}  # fmt: skip
    env.pop("MAILSCORE_DEBUG", None)

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "entrypoints.cli", *args]
        return subprocess.run(
            command, cwd=tmp_path, env={**env, **extra_env}, capture_output=True, text=True, timeout=120, check=False
        )

    assert run("db", "upgrade").returncode == 0
    return run


def test_unknown_campaign_is_one_line_and_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    done = cli("mail", "run", "nope")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: campaign not found: nope"
    assert "Traceback" not in done.stderr + done.stdout


def test_workers_without_redis_and_a_sharded_run_of_an_unknown_campaign(cli) -> None:  # type: ignore[no-untyped-def]
    done = cli("worker", MAILSCORE_REDIS_URL="")
    assert done.returncode == 2
    assert done.stderr.startswith("error: MAILSCORE_REDIS_URL is not set")
    done = cli("mail", "run", "nope", "--via-workers", MAILSCORE_REDIS_URL="")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: campaign not found: nope"
    assert "Traceback" not in done.stderr + done.stdout


def test_import_reports_each_bad_row_on_its_own_line_and_keeps_the_good_ones(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "jobs.csv").write_text(
        "external_id,title,company_name,job_type,hourly_wage,station_name\n"
        "j1,ホールスタッフ,株式会社A,カフェ,1300,渋谷\n"
        "j2,ホールスタッフ,株式会社B,カフェ,900,渋谷\n"
        "j3,ホールスタッフ,株式会社C,カフェ,abc,渋谷\n",
        encoding="utf-8",
    )
    done = cli("import", "jobs", "jobs.csv")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("jobs.csv:3: hourly_wage: 900 JPY is below the legal minimum wage of 1226 JPY")
    assert lines[1] == "jobs.csv:4: hourly_wage: 'abc' is not a whole number"
    assert "1 created" in done.stdout
    again = cli("import", "jobs", "jobs.csv")
    assert "0 created, 0 updated, 1 unchanged" in again.stdout


def test_a_file_that_is_not_utf8_is_named(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "users.csv").write_bytes("external_id,email\nu1,山田@example.jp\n".encode("shift_jis"))
    done = cli("import", "users", "users.csv")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "users.csv" in done.stderr
    assert "UTF-8" in done.stderr


def test_a_bad_setting_names_the_variable(cli) -> None:  # type: ignore[no-untyped-def]
    done = cli("mail", "run", "daily", MAILSCORE_SECRET_KEY="short")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: MAILSCORE_SECRET_KEY: must be at least 32 characters"


def test_a_bad_database_url_names_the_variable(cli) -> None:  # type: ignore[no-untyped-def]
    done = cli("mail", "run", "daily", MAILSCORE_DATABASE_URL="mysql://root@127.0.0.1/x")
    assert done.returncode == 2
    assert done.stderr.startswith("error: MAILSCORE_DATABASE_URL: scheme 'mysql' is not one of")


def test_data_in_an_error_is_never_taken_for_markup(cli) -> None:  # type: ignore[no-untyped-def]
    done = cli("mail", "run", "[bold]x[/x]")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: campaign not found: [bold]x[/x]"
    assert "Traceback" not in done.stderr


def test_a_missing_schema_is_one_line_with_a_hint(tmp_path: Path) -> None:
    env = {**os.environ, "MAILSCORE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}",
           "MAILSCORE_SECRET_KEY": "x" * 40, "PYTHONPATH": str(ROOT)}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "entrypoints.cli", "mail", "run", "daily"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "no such table" in done.stderr
    assert "mailscore db upgrade" in done.stderr


def test_mail_bounces_names_each_bad_file_and_reads_the_rest(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fixtures = ROOT / "tests" / "fixtures" / "bounces"
    folder = tmp_path / "bounces"
    folder.mkdir()
    for name in ("empty.eml", "not_a_report.eml", "gmail_mailbox_full.eml"):
        (folder / name).write_bytes((fixtures / name).read_bytes())
    done = cli("mail", "bounces", str(folder))
    assert done.returncode == 2, done.stderr
    assert f"{folder / 'empty.eml'}: skipped: empty file" in done.stderr
    assert f"{folder / 'not_a_report.eml'}: skipped: not a delivery status notification" in done.stderr
    assert "3 files, 2 skipped, 1 reports: 1 unmatched" in done.stdout  # no such mail in this database
    assert "Traceback" not in done.stderr + done.stdout
    missing = cli("mail", "bounces", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: DIR: not a directory: {tmp_path / 'nope'}"


def test_a_demo_into_a_database_that_holds_users_is_refused_before_the_outbox_is_touched(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'small.sqlite3'}"
    outbox = tmp_path / "box"
    first = cli("demo", "--users", "30", "--jobs", "100", "--database", database, "--outbox", str(outbox))
    assert first.returncode == 0, first.stderr
    mails = sorted(outbox.glob("*.eml"))
    assert mails
    again = cli("demo", "--users", "30", "--jobs", "100", "--database", database, "--outbox", str(outbox))
    assert again.returncode == 2
    assert again.stderr.strip().startswith("error: --database sqlite+aiosqlite:///")
    assert "holds users already" in again.stderr
    assert "Traceback" not in again.stderr + again.stdout
    assert sorted(outbox.glob("*.eml")) == mails  # the first demo's mails are all still there
