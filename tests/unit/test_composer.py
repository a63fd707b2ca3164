import email
import email.policy
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from adapters.mail.composer import JinjaMailComposer, clean_subject
from application.ports import MailContext, MailJob
from domain.errors import InvalidInput

DELIVERY = uuid.UUID("0193f1c2-7a1d-7000-8000-000000000001")


def job(**kw: object) -> MailJob:
    fields: dict[str, object] = {
        "title": "カフェスタッフ（ホール）",
        "company_name": "株式会社サンプル珈琲",
        "hourly_wage": 1300,
        "location": "渋谷駅 徒歩5分",
        "commute_minutes": 15,
        "reasons": ("自宅から約15分", "時給1,300円（希望より+200円）", "希望職種：カフェ"),
        "url": "https://mail.example.jp/t/c/token1",
        "generated": False,
    }
    fields.update(kw)
    return MailJob(**fields)  # type: ignore[arg-type]


def context(*jobs: MailJob, **kw: object) -> MailContext:
    fields: dict[str, object] = {
        "delivery_id": DELIVERY,
        "message_id": "<0193f1c2@mail.example.jp>",
        "recipient_email": "hanako@example.com",
        "recipient_name": "山田花子",
        "campaign_name": "daily",
        "run_date": date(2025, 1, 21),
        "sent_at": datetime(2025, 1, 20, 22, 0, tzinfo=UTC),
        "jobs": jobs or (job(),),
        "unsubscribe_url": "https://mail.example.jp/u/unsub-token",
        "preferences_url": "https://mail.example.jp/p/pref-token",
    }
    fields.update(kw)
    return MailContext(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def composer() -> JinjaMailComposer:
    return JinjaMailComposer("noreply@mail.example.jp", "メールスコア事務局")


def parts(data: bytes) -> tuple[EmailMessage, str, str]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None
    assert text is not None
    return message, html.get_content(), text.get_content()


def test_daily_mail_in_japanese(composer: JinjaMailComposer) -> None:
    jobs = (
        job(),
        job(title="コンビニスタッフ", hourly_wage=1500, commute_minutes=None, generated=True, reasons=()),
    )
    mail = composer.compose(context(*jobs))
    message, html, text = parts(mail.data)
    assert mail.subject == "【新着求人】山田花子さんにおすすめの求人2件（最高時給1,500円）"
    assert message["Subject"] == mail.subject
    assert (mail.delivery_id, mail.message_id, mail.recipient) == (
        DELIVERY,
        "<0193f1c2@mail.example.jp>",
        "hanako@example.com",
    )
    assert mail.envelope_from == "noreply@mail.example.jp"
    assert message["From"].addresses[0].display_name == "メールスコア事務局"
    assert message["List-Unsubscribe"] == "<https://mail.example.jp/u/unsub-token>"
    assert message["X-Mailscore-Delivery"] == str(DELIVERY)
    for body in (html, text):
        assert "山田花子さん" in body
        assert "2件" in body
        assert "カフェスタッフ（ホール）" in body
        assert "株式会社サンプル珈琲" in body
        assert "時給1,300円" in body
        assert "時給1,500円" in body
        assert "渋谷駅 徒歩5分" in body
        assert "自宅から約15分" in body
        assert "目安" in body
        assert "希望職種：カフェ" in body
        assert "https://mail.example.jp/t/c/token1" in body
        assert body.count("※デモ用に生成した求人です") == 1
        assert "https://mail.example.jp/u/unsub-token" in body
        assert "https://mail.example.jp/p/pref-token" in body
    assert "<li" in html
    assert "<table" in html


def test_job_text_is_escaped_in_html_but_not_in_text(composer: JinjaMailComposer) -> None:
    evil = job(
        title="<script>alert(1)</script>",
        company_name="A&B <Company>",
        reasons=('"quoted" <b>bold</b>',),
        url='https://x.jp/a?b=1&c="><script>',
    )
    _, html, text = parts(composer.compose(context(evil)).data)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A&amp;B &lt;Company&gt;" in html
    assert "&#34;quoted&#34; &lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="https://x.jp/a?b=1&amp;c=&#34;&gt;&lt;script&gt;"' in html
    assert "<script>alert(1)</script>" in text
    assert "A&B <Company>" in text


def test_non_web_job_urls_are_not_linked(composer: JinjaMailComposer) -> None:
    _, html, text = parts(composer.compose(context(job(url="javascript:alert(1)"))).data)
    assert "javascript:" not in html
    assert "javascript:" not in text


def test_subject_newlines_are_removed(composer: JinjaMailComposer) -> None:
    mail = composer.compose(context(recipient_name="花子\r\nBcc: victim@example.com"))
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject
    message, _, _ = parts(mail.data)
    assert message["Bcc"] is None
    assert message["Subject"] == mail.subject


def test_clean_subject() -> None:
    assert clean_subject("  a\r\n\tb   c\x00d\x7f ") == "a b cd"
    assert clean_subject("求人\u3000のご案内") == "求人\u3000のご案内"


def test_overrides_replace_bundled_templates(composer: JinjaMailComposer) -> None:
    ctx = context(
        job(title="<b>品出し</b>"),
        subject_template="{{ recipient_name }}様へ\n{{ job_count }}件の求人",
        html_template="<h1>{{ jobs[0].title }}</h1><p>{{ extra.note }}</p>",
        text_template="{{ jobs[0].title }} / {{ extra.note }}",
        extra={"note": "冬季 & 限定"},
    )
    mail = composer.compose(ctx)
    _, html, text = parts(mail.data)
    assert mail.subject == "山田花子様へ 1件の求人"
    assert html == "<h1>&lt;b&gt;品出し&lt;/b&gt;</h1><p>冬季 &amp; 限定</p>"
    assert text == "<b>品出し</b> / 冬季 & 限定"
    # only the overridden part changes
    partial = composer.compose(context(subject_template="件名だけ"))
    _, html2, _ = parts(partial.data)
    assert partial.subject == "件名だけ"
    assert "山田花子さん" in html2


def test_override_sources_are_compiled_once(composer: JinjaMailComposer) -> None:
    source = "{{ job_count }}件"
    first = composer._template("subject", source)
    assert composer._template("subject", "".join(["{{ job_count }}", "件"])) is first  # equal text, new str
    assert composer._template("text", source) is not first  # autoescaping differs by part


def test_override_cache_is_bounded() -> None:
    small = JinjaMailComposer("noreply@mail.example.jp", "MS", override_cache_size=2)
    for n in range(5):
        small.compose(context(subject_template=f"件名{n}"))
    assert len(small._overrides) == 2


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"html_template": "{{ no_such_variable }}"}, "html_template"),
        ({"text_template": "{{ jobs[0].no_such_attribute }}"}, "text_template"),
        ({"subject_template": "{% if %}"}, "subject_template"),
        ({"recipient_email": "bad address"}, "recipient_email"),
        ({"unsubscribe_url": "javascript:alert(1)"}, "mail"),
    ],
)
def test_bad_templates_and_headers_raise_invalid_input(
    composer: JinjaMailComposer, kw: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        composer.compose(context(**kw))
    assert caught.value.field == field


def test_same_context_gives_same_bytes(composer: JinjaMailComposer) -> None:
    # a re-send of the same delivery is byte-identical (boundary from the delivery id)
    assert composer.compose(context()).data == composer.compose(context()).data


def test_template_dir_overrides_some_files(tmp_path: Path) -> None:
    (tmp_path / "daily_subject.txt.j2").write_text("{{ recipient_name }}さんへのお知らせ", encoding="utf-8")
    custom = JinjaMailComposer("noreply@mail.example.jp", "MS", template_dir=tmp_path)
    mail = custom.compose(context())
    assert mail.subject == "山田花子さんへのお知らせ"
    assert "山田花子さん" in parts(mail.data)[1]


def test_nameless_recipient_reads_naturally(composer: JinjaMailComposer) -> None:
    mail = composer.compose(replace(context(), recipient_name=""))
    assert mail.subject == "【新着求人】おすすめの求人1件（最高時給1,300円）"
    assert "会員の皆さま" in parts(mail.data)[2]


def test_open_pixel_only_when_given(composer: JinjaMailComposer) -> None:
    _, plain_html, _ = parts(composer.compose(context()).data)
    assert "<img" not in plain_html
    _, html, _ = parts(
        composer.compose(context(extra={"open_pixel_url": "https://mail.example.jp/t/o/tok"})).data
    )
    assert '<img src="https://mail.example.jp/t/o/tok" width="1" height="1"' in html


def test_render_gives_what_the_sent_message_carries(composer: JinjaMailComposer) -> None:
    ctx = context(job(title="新宿<カフェ>"))
    rendered = composer.render(ctx)
    message, html, text = parts(composer.compose(ctx).data)
    assert rendered.subject == str(message["Subject"])
    sent = (text.replace("\r\n", "\n").strip(), html.replace("\r\n", "\n").strip())
    assert (rendered.text.strip(), rendered.html.strip()) == sent
    assert "新宿&lt;カフェ&gt;" in rendered.html


@pytest.mark.parametrize(
    "source", ["{{ ''.__class__.__mro__ }}", "{{ jobs[0].__class__ }}", "{{ recipient_name.__class__.__init__ }}"]
)
def test_templates_given_as_text_run_in_a_sandbox(composer: JinjaMailComposer, source: str) -> None:
    with pytest.raises(InvalidInput) as error:
        composer.render(context(job(), subject_template=source))
    assert error.value.field == "subject_template"
    with pytest.raises(InvalidInput):
        composer.check_subject_template(source)


def test_a_subject_template_is_checked_against_a_sample_recipient(composer: JinjaMailComposer) -> None:
    composer.check_subject_template("{{ recipient_name }}様へ {{ job_count }}件（最高時給{{ top_wage|yen }}）")
    composer.check_subject_template("{{ jobs[0].title }}ほか")
    for bad in ("{{ job_cont }}件", "{% if %}", "{{ jobs[0].salary }}"):
        with pytest.raises(InvalidInput, match="subject_template"):
            composer.check_subject_template(bad)


def test_the_instant_alert_mail_is_short_and_keeps_the_daily_mails_links(composer: JinjaMailComposer) -> None:
    alert = context(job(), job(title="書店スタッフ", hourly_wage=1250), template="instant_alert",
                    extra={"open_pixel_url": "https://mail.example.jp/t/o/tok"})  # fmt: skip
    message, html, text = parts(composer.compose(alert).data)
    assert message["Subject"] == "【新着求人のお知らせ】カフェスタッフ（ホール）（時給1,300円）ほか1件"
    assert message["List-Unsubscribe"] == "<https://mail.example.jp/u/unsub-token>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "新着求人が掲載されました" in text
    assert "おすすめの求人を" not in text  # not the daily mail's wording
    for part in (text, html):
        assert "https://mail.example.jp/t/c/token1" in part
        assert "https://mail.example.jp/p/pref-token" in part
    assert "・自宅から約15分" in text
    assert '<li style="margin:0;">自宅から約15分</li>' in html
    assert '<img src="https://mail.example.jp/t/o/tok"' in html
    assert composer.compose(context(template="instant_alert", subject_template="{{ job_count }}件")).subject == "1件"
    with pytest.raises(InvalidInput) as error:
        composer.compose(context(template="weekly_digest"))
    assert error.value.field == "template"
