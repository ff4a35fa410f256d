"""The newsletter: message structure and limits, sending over a real SMTP server exactly once, injection."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from click.testing import CliRunner
from helpers import chromium
from smtpserver import PASSWORD, USER, SmtpServer

from report.cli import cli
from report.errors import ConfigError, UsageError
from report.pipeline.build import build
from report.pipeline.calendar import cron_lines
from report.pipeline.send import send
from report.render.email import GMAIL_CLIP_BYTES, MAX_MESSAGE_BYTES, html_part, load, preview_html

READERS = ["ann@example.org", "bo@example.org", "cy@example.org"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_data_dir):
    from helpers import OFFLINE

    from report.config import Settings

    out = tmp_path_factory.mktemp("out")
    data = tmp_path_factory.mktemp("data")
    shutil.copy(demo_data_dir / "demo.sqlite", data / "demo.sqlite")
    s = Settings(
        data_dir=data,
        out_dir=out,
        formats=("pdf", "html", "email"),
        public_url="https://brief.example.org",
        unsubscribe_url="https://brief.example.org/unsubscribe",
        email_reply_to="desk@example.org",
        email_from="Liquidity Brief <brief@example.org>",
        **OFFLINE,
    )
    edition = build(s, demo=True)
    return s, edition


@pytest.fixture
def msg(built):
    _, edition = built
    return load((edition.folder / "email.eml").read_bytes())


def smtp_env(srv, data_dir, **extra):
    """The environment that points `brief` at the test SMTP server."""
    return {
        "BRIEF_DATA_DIR": str(data_dir),
        "BRIEF_SMTP_HOST": "127.0.0.1",
        "BRIEF_SMTP_PORT": str(srv.port),
        "BRIEF_SMTP_USER": USER,
        "BRIEF_SMTP_PASSWORD": PASSWORD,
        "BRIEF_SMTP_CAFILE": str(srv.cafile),
        "BRIEF_SEND_PACE": "0",
        **extra,
    }


def settings_for(built, srv, tmp_path):
    s, _ = built
    return s.replace(
        smtp_host="127.0.0.1",
        smtp_port=srv.port,
        smtp_security="starttls",
        smtp_user=USER,
        smtp_password=PASSWORD,
        smtp_cafile=srv.cafile,
        smtp_timeout=5.0,
        send_pace=0.0,
        data_dir=tmp_path / "ledger",
    )


def test_message_structure_and_headers(msg, built):
    assert msg.get_content_type() == "multipart/alternative"
    text, related = msg.get_payload()
    assert text.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html = html_part(msg).get_content()
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    parts = {p["Content-ID"].strip("<>"): p for p in msg.walk() if p["Content-ID"]}
    assert len(cids) >= 4 and cids == set(parts)
    assert all(p.get_content_type() == "image/png" for p in parts.values())
    assert "data:" not in html and "<svg" not in html and not re.search(r'<img[^>]+src="http', html)
    assert re.search(r'<table[^>]*role="presentation"', html) and 'class="preheader"' in html and 'style="' in html
    assert "prefers-color-scheme: dark" in html and "max-width: 640px" in html
    assert "https://brief.example.org/editions/2025-12-08-demo/liquidity-brief-2025-12-08-demo.html" in html
    subject = str(msg["Subject"])
    assert "2025年12月8日" in subject and "8 December 2025" in subject and "2 days to the FOMC decision" in subject
    for h in ("From", "Reply-To", "Date", "Message-ID"):
        assert msg[h], h
    assert "<https://brief.example.org/unsubscribe>" in str(msg["List-Unsubscribe"])
    assert str(msg["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"


def test_sizes_stay_under_gmail_and_2mb(msg, built):
    assert len(html_part(msg).get_content().encode()) < GMAIL_CLIP_BYTES
    assert len((built[1].folder / "email.eml").read_bytes()) < MAX_MESSAGE_BYTES


def test_text_part_carries_the_key_figures_and_disclaimer(msg, built):
    import json

    text = msg.get_body(preferencelist=("plain",)).get_content()
    doc = json.loads((built[1].folder / "figures.json").read_text(encoding="utf-8"))
    for f in doc["figures"]:
        assert f["formatted"]["en"] in text and f["formatted"]["zh-Hant"] in text, f["key"]
    assert "not investment advice" in text.lower() or "does not constitute investment advice" in text
    assert "本報告僅供參考" in text and "https://brief.example.org/editions/2025-12-08-demo/" in text


def test_attach_pdf(built, tmp_path):
    s, _ = built
    ed = build(s.replace(out_dir=tmp_path, attach_pdf=True), demo=True)
    m = load((ed.folder / "email.eml").read_bytes())
    assert m.get_content_type() == "multipart/mixed"
    (att,) = list(m.iter_attachments())
    assert att.get_content_type() == "application/pdf" and att.get_payload(decode=True).startswith(b"%PDF")


def test_send_with_starttls_and_auth(built, tmp_path):
    with SmtpServer(tmp_path) as srv:
        s = settings_for(built, srv, tmp_path)
        report = send(s, str(built[1].folder), to=",".join(READERS))
        assert report.ok and report.sent == READERS
        assert [m.rcpt_tos for m in srv.handler.messages] == [[r] for r in READERS]
        got = srv.handler.messages[0]
        assert got.tls and got.authenticated and got.mail_from == "brief@example.org"
        m = load(got.content)
        assert str(m["To"]) == READERS[0]
        html = html_part(m).get_content()
        assert set(re.findall(r'src="cid:([^"]+)"', html)) == {
            p["Content-ID"].strip("<>") for p in m.walk() if p["Content-ID"]
        }
        assert "2.86兆美元" in m.get_body(preferencelist=("plain",)).get_content()
        assert len({str(x.content).split("Message-ID:")[1][:40] for x in srv.handler.messages}) == 3
        # a second run sends nothing: every reader is in the ledger
        again = send(s, str(built[1].folder), to=",".join(READERS))
        assert again.sent == [] and again.already == READERS and len(srv.handler.messages) == 3


def test_a_refused_reader_does_not_stop_the_others(built, tmp_path):
    with SmtpServer(tmp_path) as srv:
        srv.handler.refuse = {"bo@example.org"}
        s = settings_for(built, srv, tmp_path)
        r = CliRunner().invoke(
            cli,
            ["send", str(built[1].folder), "--to", ",".join(READERS)],
            env=smtp_env(srv, s.data_dir),
        )
        assert r.exit_code == 1 and "bo@example.org: refused by the server: 550" in r.output
        assert PASSWORD not in r.output
        assert [m.rcpt_tos[0] for m in srv.handler.messages] == ["ann@example.org", "cy@example.org"]


def test_killed_half_way_then_rerun_serves_each_reader_once(built, tmp_path):
    with SmtpServer(tmp_path) as srv:
        s = settings_for(built, srv, tmp_path)

        def crash_after_first(recipient):
            raise KeyboardInterrupt  # the process dies right after the first accepted message

        with pytest.raises(KeyboardInterrupt):
            send(s, str(built[1].folder), to=",".join(READERS), on_sent=crash_after_first)
        assert len(srv.handler.messages) == 1
        report = send(s, str(built[1].folder), to=",".join(READERS))
        assert report.already == ["ann@example.org"] and report.sent == READERS[1:]
        delivered = sorted(m.rcpt_tos[0] for m in srv.handler.messages)
        assert delivered == sorted(READERS)  # each exactly once


def test_starttls_is_required_unless_plain_is_asked_for(built, tmp_path):
    from report.deliver import DeliveryError

    with SmtpServer(tmp_path, starttls=False) as srv:
        s = settings_for(built, srv, tmp_path)
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            send(s, str(built[1].folder), to=READERS[0])
        report = send(s.replace(smtp_security="plain"), str(built[1].folder), to=READERS[0])
        assert report.sent == [READERS[0]]


def test_implicit_tls(built, tmp_path):
    with SmtpServer(tmp_path, implicit_tls=True) as srv:
        s = settings_for(built, srv, tmp_path).replace(smtp_security="ssl")
        report = send(s, str(built[1].folder), to=READERS[0])
        assert report.sent == [READERS[0]] and srv.handler.messages[0].authenticated


def test_brief_run_is_idempotent(built, tmp_path):
    with SmtpServer(tmp_path) as srv:
        s = settings_for(built, srv, tmp_path)
        shutil.copytree(built[0].data_dir, s.data_dir)
        env = smtp_env(
            srv, s.data_dir, BRIEF_OUT_DIR=str(tmp_path / "out"), BRIEF_SEND_TO="ann@example.org,bo@example.org"
        )
        plain = CliRunner().invoke(cli, ["build", "--demo", "--format", "html"], env=env)  # no e-mail in it
        assert plain.exit_code == 0, plain.output
        for _ in range(2):
            r = CliRunner().invoke(cli, ["run", "--demo"], env=env)
            assert r.exit_code == 0, r.output
        assert sorted(m.rcpt_tos[0] for m in srv.handler.messages) == ["ann@example.org", "bo@example.org"]
        assert (tmp_path / "out" / "editions" / "2025-12-08-demo.r2" / "email.eml").exists()


def test_dry_run_writes_messages_and_records_nothing(built, tmp_path):
    s, edition = built
    s = s.replace(data_dir=tmp_path / "ledger")
    report = send(s, str(edition.folder), to=",".join(READERS), dry_run=True)
    outbox = s.out_dir / "outbox" / edition.folder.name  # outside the archived edition
    assert len(report.written) == 3 and all(p.parent == outbox for p in report.written)
    assert str(load(report.written[1].read_bytes())["To"]) == READERS[1]
    assert send(s, str(edition.folder), to=",".join(READERS), dry_run=True).already == []
    assert not (edition.folder / "outbox").exists()
    shutil.rmtree(outbox)


def test_untrusted_text_cannot_inject_html_or_headers(built, tmp_path):
    from report.deliver import read_recipients

    good, bad = read_recipients("ann@example.org,evil@example.org\r\nBcc: all@example.org,not-an-address")
    assert good == ["ann@example.org"] and len(bad) == 2
    lst = tmp_path / "readers.txt"
    lst.write_text("# desk\nann@example.org\nann@EXAMPLE.org\nBo <bo@example.org>\n", encoding="utf-8")
    assert read_recipients(str(lst))[0] == ["ann@example.org", "bo@example.org"]
    with pytest.raises(ConfigError, match="one line"):
        built[0].replace(email_from="a@b.org\r\nBcc: x@y.org")
    notes = tmp_path / "n.yaml"
    notes.write_text("body: '<img src=x onerror=alert(1)> & <b>bold</b>'\n", encoding="utf-8")
    ed = build(built[0].replace(out_dir=tmp_path / "o", formats=("email",)), demo=True, notes_path=notes)
    html = html_part(load((ed.folder / "email.eml").read_bytes())).get_content()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    with pytest.raises(UsageError):
        send(built[0], str(tmp_path / "nowhere"), to="a@example.org")


def test_cron_lines(meetings, tmp_path):
    lines = cron_lines(meetings, today=dt.date(2026, 11, 23), workdir=tmp_path, brief="/usr/bin/brief")
    assert lines[1].startswith("0 7 * * 1 cd ") and "/usr/bin/brief run" in lines[1]
    assert any(line.startswith('0 7 4 12 * [ "$(date +\\%Y)" = "2026" ]') for line in lines)  # Fri before 8 Dec
    assert not any("2025" in line for line in lines)


def test_email_renders_in_chromium_at_640px(msg, tmp_path):
    page = preview_html(msg).replace(
        "</body>",
        "<script>window.addEventListener('load',()=>{const imgs=[...document.images];"
        "document.title='imgs='+imgs.length+' loaded='+imgs.filter(i=>i.complete&&i.naturalWidth>0).length+"
        "' scroll='+document.documentElement.scrollWidth;});</script></body>",
    )
    (tmp_path / "mail.html").write_text(page, encoding="utf-8")
    dom = chromium(tmp_path, 640, 2000, f"file://{tmp_path / 'mail.html'}")
    m = re.search(r"<title>imgs=(\d+) loaded=(\d+) scroll=(\d+)</title>", dom)
    assert m, dom[:500]
    imgs, loaded, scroll = map(int, m.groups())
    assert imgs >= 4 and loaded == imgs  # every chart came from the message's own parts
    assert scroll <= 640  # nothing overflows the 640 px viewport
    shot = tmp_path / "mail.png"
    chromium(tmp_path, 640, 2000, f"file://{tmp_path / 'mail.html'}", action=f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000
