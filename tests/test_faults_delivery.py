"""Delivery under faults, with real processes against a real SMTP server on 127.0.0.1: concurrent sends, kill -9
in mid-list, a locked ledger, non-ASCII addresses, hostile reader files (issue 9, items 2, 4, 5, 6 and 16)."""

from __future__ import annotations

import email
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import OFFLINE, unstamped
from smtpserver import PASSWORD, USER, SmtpServer, brief_env

from report.cli import cli
from report.config import Settings
from report.errors import UsageError
from report.pipeline.build import build
from report.pipeline.send import send

BRIEF = [sys.executable, "-m", "report"]


@pytest.fixture(scope="module")
def edition(tmp_path_factory, demo_data_dir):
    """A demo edition with its e-mail (HTML and e-mail only, to be quick), in its own output folder."""
    out = tmp_path_factory.mktemp("out")
    s = Settings(data_dir=demo_data_dir, out_dir=out, formats=("html", "email"), **OFFLINE)
    return build(s, demo=True)


def readers(n: int, tmp_path: Path) -> Path:
    path = tmp_path / "readers.txt"
    path.write_text("".join(f"reader{i:04d}@example.org\n" for i in range(n)), encoding="utf-8")
    return path


def env_for(srv: SmtpServer, data_dir: Path, out_dir: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("BRIEF_")}
    return {**keep, **brief_env(srv, data_dir, out_dir, **extra)}


def copies(srv: SmtpServer) -> Counter[str]:
    return Counter(r for m in srv.handler.messages for r in m.rcpt_tos)


def message_ids(srv: SmtpServer, reader: str) -> set[str]:
    parsed = [email.message_from_bytes(m.content, policy=policy.SMTP) for m in srv.handler.messages]
    return {str(m["Message-ID"]) for m in parsed if str(m["To"]) == reader}


def test_two_concurrent_sends_serve_each_reader_once(edition, tmp_path):
    """Before: 16 of 20 readers got two copies and both runs exited 0."""
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, tmp_path / "data", edition.folder.parents[1], BRIEF_SEND_PACE="0.05")
        cmd = [*BRIEF, "send", str(edition.folder), "--to", str(readers(20, tmp_path))]
        procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        assert len(copies(srv)) == 20 and set(copies(srv).values()) == {1}
        assert any(b"Waiting for another brief command" in err for _, err in outs)


def test_no_wait_stops_at_once_when_the_folder_is_busy(edition, tmp_path):
    from report.lock import data_lock

    with SmtpServer(tmp_path, starttls=False) as srv, data_lock(tmp_path / "data"):
        env = env_for(srv, tmp_path / "data", edition.folder.parents[1])
        cmd = [*BRIEF, "send", str(edition.folder), "--to", "a@example.org", "--no-wait"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "another brief command" in done.stderr
        assert f"pid {os.getpid()}" in done.stderr and "Traceback" not in done.stderr
        assert srv.handler.messages == []


def test_kill_9_in_mid_list_misses_no_one_and_repeats_only_the_message_in_flight(edition, tmp_path):
    """Before: 27 kills of 800 readers gave 21 second copies. Now a kill can leave at most the one reader whose
    copy was in flight unrecorded; the rerun sends it again with the same Message-ID."""
    n, kills = 120, 4
    rng = random.Random(9)
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, tmp_path / "data", edition.folder.parents[1])
        cmd = [*BRIEF, "send", str(edition.folder), "--to", str(readers(n, tmp_path))]
        for _ in range(kills):
            before = len(srv.handler.messages)
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            target = before + rng.randint(3, 15)
            while len(srv.handler.messages) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        for _ in range(5):  # reruns until every reader is served
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
            if done.returncode == 0:
                break
        assert done.returncode == 0, done.stderr
        got = copies(srv)
        assert len(got) == n  # no one missed
        twice = [r for r, c in got.items() if c > 1]
        assert len(twice) <= kills and all(got[r] == 2 for r in twice)
        assert all(len(message_ids(srv, r)) == 1 for r in twice)  # the same message again, not a new one
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and sum(copies(srv).values()) == sum(got.values())


def test_sigterm_in_mid_list_finishes_the_message_in_flight_and_mails_no_one_twice(edition, tmp_path):
    """Before: SIGTERM (systemctl stop, shutdown) while the server was answering a message raised at once, so the
    message was accepted but never recorded and the rerun mailed that reader again: 8 of 10 stops did."""
    n, stops = 30, 4
    rng = random.Random(21)
    with SmtpServer(tmp_path, starttls=False) as srv:
        srv.handler.delay = 0.15  # most of the time is spent waiting for the server's 250
        env = env_for(srv, tmp_path / "data", edition.folder.parents[1])
        cmd = [*BRIEF, "send", str(edition.folder), "--to", str(readers(n, tmp_path))]
        for _ in range(stops):
            before = len(srv.handler.messages)
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 60
            while len(srv.handler.messages) < before + 2 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.15))  # anywhere in the next message's round trip
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == 130 and "Interrupted." in err and "Traceback" not in err, err
            # the readers served before the stop are listed, as a finished run lists them
            served = [line.removeprefix("sent: ") for line in out.splitlines() if line.startswith("sent: ")]
            assert served == [r for m in srv.handler.messages[before:] for r in m.rcpt_tos]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert len(copies(srv)) == n and set(copies(srv).values()) == {1}  # every reader once, none twice
        assert "sent again" not in done.stderr


def test_a_locked_ledger_after_acceptance_is_retried_not_aborted(edition, tmp_path, demo_settings):
    """Before: the store locked for over 5 s after the server accepted aborted the run, and the reader got a
    second copy on the rerun."""
    s = demo_settings.replace(
        out_dir=edition.folder.parents[1],
        smtp_host="127.0.0.1",
        smtp_security="plain",
        smtp_user=USER,
        smtp_password=PASSWORD,
        send_pace=0.0,
        data_dir=tmp_path / "ledger",
    )
    with SmtpServer(tmp_path, starttls=False) as srv:
        s = s.replace(smtp_port=srv.port)
        send(s, str(edition.folder), to="first@example.org", dry_run=False)  # creates the store and ledger
        original = srv.handler.handle_DATA
        holder: list[sqlite3.Connection] = []

        async def lock_after_accepting(server, session, envelope):
            answer = await original(server, session, envelope)
            if not holder:  # hold the store locked for 6 s from the first acceptance on
                conn = sqlite3.connect(s.store_path, check_same_thread=False, isolation_level=None)
                conn.execute("BEGIN EXCLUSIVE")
                holder.append(conn)
                threading.Timer(6.0, conn.rollback).start()
            return answer

        srv.handler.handle_DATA = lock_after_accepting
        report = send(s, str(edition.folder), to="ann@example.org,bo@example.org")
        assert report.ok and report.sent == ["ann@example.org", "bo@example.org"]
        again = send(s, str(edition.folder), to="ann@example.org,bo@example.org")
        assert again.sent == [] and Counter(copies(srv))["ann@example.org"] == 1


def test_a_ledger_locked_for_good_is_journalled_and_read_back(tmp_path):
    from report.store import Store

    path = tmp_path / "brief.sqlite"
    with Store(path) as st:
        assert st.sent_to("2025-12-08") == set()
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        st.record_send("2025-12-08", "Ann@example.org", "<id@x>", retry_seconds=0.1, sleep=lambda _: None)
        assert st.journal_path.is_file()
        blocker.rollback()
    with Store(path) as st:
        assert st.sent_to("2025-12-08") == {"ann@example.org"}
    assert not st.journal_path.exists()


def test_a_non_ascii_address_is_reported_and_the_others_are_served(edition, tmp_path, demo_settings):
    """Before: against a server without SMTPUTF8 the run stopped at that reader on every rerun."""
    with SmtpServer(tmp_path, starttls=False, smtputf8=False) as srv:
        s = demo_settings.replace(
            out_dir=edition.folder.parents[1],
            smtp_host="127.0.0.1",
            smtp_port=srv.port,
            smtp_security="plain",
            smtp_user=USER,
            smtp_password=PASSWORD,
            send_pace=0.0,
            data_dir=tmp_path / "ledger",
        )
        to = "ann@example.org,jörg@example.org,cy@example.org"
        report = send(s, str(edition.folder), to=to)
        assert report.sent == ["ann@example.org", "cy@example.org"] and report.aborted is None
        assert "SMTPUTF8" in report.refused["jörg@example.org"]
        again = send(s, str(edition.folder), to=to)
        assert again.sent == [] and list(again.refused) == ["jörg@example.org"]


def test_hostile_reader_files(edition, tmp_path, demo_settings):
    """Before: an address with "/" crashed the dry run; a "Bcc:" line was taken as an address."""
    from report.deliver import read_recipients

    path = tmp_path / "readers.txt"
    path.write_text("Bcc: boss@example.org\nto:x@example.org\nx/y/z@example.org\nann@example.org\n")
    good, bad = read_recipients(str(path))
    assert good == ["x/y/z@example.org", "ann@example.org"]
    assert set(bad) == {"Bcc: boss@example.org", "to:x@example.org"}
    s = demo_settings.replace(out_dir=edition.folder.parents[1], data_dir=tmp_path / "ledger")
    report = send(s, str(edition.folder), to=str(path), dry_run=True)
    outbox = edition.folder.parents[1] / "outbox" / edition.folder.name
    assert len(report.written) == 2 and all(p.parent == outbox for p in report.written)
    from report.archive import verify

    assert verify(edition.folder) == []  # the outbox is outside the edition, not part of it
    # the next dry run's outbox holds its own messages only
    again = send(s, str(edition.folder), to="bo@example.org", dry_run=True)
    assert sorted(outbox.iterdir()) == again.written and len(again.written) == 1
    shutil.rmtree(outbox)
    with pytest.raises(UsageError):
        read_recipients("nobody")
    # a list longer than a file name may be is a list, not a crash ("File name too long")
    many = ",".join(f"reader.number{i}@example-company.org" for i in range(1, 10))
    assert len(many.encode()) > 255 and len(read_recipients(many)[0]) == 9
    # one reader, however the umlaut was typed (NFC, or "u" and a combining diaeresis)
    nfc, nfd = (unicodedata.normalize(form, "jürgen@example.org") for form in ("NFC", "NFD"))
    assert nfc != nfd and read_recipients(f"{nfc},{nfd}")[0] == [nfc]


def test_send_by_date_takes_the_latest_revision(edition, tmp_path, demo_settings):
    """Before: after --force, `send DATE` picked the first revision."""
    out = tmp_path / "out"
    shutil.copytree(edition.folder.parents[1], out)
    s = demo_settings.replace(out_dir=out, formats=("html", "email"))
    forced = build(s, demo=True, force=True)
    assert forced.folder.name == "2025-12-08-demo.r2"
    report = send(s, "2025-12-08", to="ann@example.org", dry_run=True)
    assert report.written[0].parent == out / "outbox" / forced.folder.name
    report = send(s, "2025-12-08-demo", to="bo@example.org", dry_run=True)
    assert report.written[0].parent == out / "outbox" / forced.folder.name


def test_one_copy_per_edition_date_whatever_language_variant(edition, tmp_path, demo_settings):
    """Before: once an English-only variant with an e-mail was built, `send DATE` switched to it and mailed readers
    already sent the bilingual edition a second copy (the ledger was keyed by variant)."""
    out = tmp_path / "out"
    shutil.copytree(edition.folder.parents[1], out, ignore=shutil.ignore_patterns("outbox"))
    s = demo_settings.replace(out_dir=out, formats=("html", "email"), data_dir=tmp_path / "data")
    with SmtpServer(tmp_path, starttls=False) as srv:
        s = smtp_settings_for(s, edition.folder, srv).replace(out_dir=out, data_dir=tmp_path / "data")
        first = send(s, "2025-12-08", to="v1@example.org")
        assert first.edition == "2025-12-08-demo" and first.sent == ["v1@example.org"]
        english = build(s.replace(langs=("en",)), demo=True)
        assert english.folder.name == "2025-12-08-demo-en" and (english.folder / "email.eml").is_file()
        again = send(s, "2025-12-08", to="v1@example.org,v2@example.org")
        assert again.edition == "2025-12-08-demo"  # the bilingual edition, though the English one is newer
        assert again.already == ["v1@example.org"] and again.sent == ["v2@example.org"]
        variant = send(s, "2025-12-08-demo-en", to="v1@example.org,v2@example.org,v3@example.org")
        assert variant.already == ["v1@example.org", "v2@example.org"] and variant.sent == ["v3@example.org"]
        assert sorted(copies(srv).items()) == [("v1@example.org", 1), ("v2@example.org", 1), ("v3@example.org", 1)]


# The hostile tester's delivery findings (each test failed before its fix).


@pytest.fixture
def own(edition, tmp_path):
    """A copy of the module's edition in an output folder of this test's own, free to damage."""
    out = tmp_path / "out"
    shutil.copytree(edition.folder.parents[1], out, ignore=shutil.ignore_patterns("outbox"))
    return out / "editions" / edition.folder.name


def smtp_settings_for(demo_settings: Settings, folder: Path, srv: SmtpServer) -> Settings:
    return demo_settings.replace(
        out_dir=folder.parents[1],
        smtp_host="127.0.0.1",
        smtp_port=srv.port,
        smtp_security="plain",
        smtp_user=USER,
        smtp_password=PASSWORD,
        send_pace=0.0,
    )


def test_every_address_on_a_line_is_served_or_the_line_refused(own, tmp_path, demo_settings):
    """Before: `a1@example.org, b1@example.org` (or `;`, or `Alice <e1@...>, Bob <f1@...>`) served only the first
    address of the line, and the run exited 0."""
    from report.deliver import read_recipients

    path = tmp_path / "readers.txt"
    path.write_text(
        "a1@example.org, b1@example.org\n"
        "c1@example.org; d1@example.org  # desk\n"
        "Alice <e1@example.org>, Bob <f1@example.org>\n"
        '"Doe, Jo" <g1@example.org>\n'
        "h1@example.org i1@example.org\n"  # no separator: not guessed at
        "j1@example.org <k1@example.org>\n",
        encoding="utf-8",
    )
    good, bad = read_recipients(str(path))
    assert good == [f"{c}1@example.org" for c in "abcdefg"]
    assert set(bad) == {"h1@example.org i1@example.org", "j1@example.org <k1@example.org>"}
    assert read_recipients("Alice <a@example.org>, Bob <b@example.org>; c@example.org") == (
        ["a@example.org", "b@example.org", "c@example.org"],
        {},
    )
    with SmtpServer(tmp_path, starttls=False) as srv:
        s = smtp_settings_for(demo_settings, own, srv)
        report = send(s, str(own), to=str(path))
        assert sorted(copies(srv)) == good and not report.ok and set(report.invalid) == set(bad)
        r = CliRunner().invoke(cli, ["send", str(own), "--to", "x1@example.org; y1@example.org"], env=cli_env(srv, s))
        assert r.exit_code == 0, r.output
        assert {"x1@example.org", "y1@example.org"} <= set(copies(srv))


def one_error_line(output: str) -> bool:
    """The output holds one "Error:" line and no traceback (the progress bar's label aside)."""
    lines = [line for line in unstamped(output).splitlines() if line.strip() and line.strip() != "Sending"]
    return len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in output


def cli_env(srv: SmtpServer, s: Settings) -> dict[str, str]:
    return {k: v for k, v in env_for(srv, s.data_dir, s.out_dir).items() if k.startswith("BRIEF_")}


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: random.Random(2).randbytes(len(raw)),
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],
    ],
    ids=["random-bytes", "empty", "truncated"],
)
def test_a_damaged_email_is_refused_and_nothing_is_sent(own, tmp_path, demo_settings, damage):
    """Before: the damaged email.eml was sent as it was and every reader marked served."""
    from report.errors import ArchiveError

    eml = own / "email.eml"
    eml.write_bytes(damage(eml.read_bytes()))
    with SmtpServer(tmp_path, starttls=False) as srv:
        s = smtp_settings_for(demo_settings, own, srv)
        with pytest.raises(ArchiveError, match=rf"{own.name}.*email\.eml does not match.*rebuild"):
            send(s, str(own), to="ann@example.org")
        r = CliRunner().invoke(cli, ["send", str(own), "--to", "ann@example.org"], env=cli_env(srv, s))
        assert r.exit_code == 1 and one_error_line(r.output) and "rebuild" in r.output
        assert srv.handler.messages == []


def test_a_folder_without_a_manifest_is_not_sent(own, tmp_path, demo_settings):
    """Before: a foreign folder merely named like an edition (an email.eml, no manifest) was sent."""
    from report.errors import ArchiveError

    foreign = tmp_path / "elsewhere" / "2025-12-08"
    foreign.mkdir(parents=True)
    shutil.copy(own / "email.eml", foreign / "email.eml")
    (own / "manifest.json").unlink()
    with SmtpServer(tmp_path, starttls=False) as srv:
        s = smtp_settings_for(demo_settings, own, srv)
        for folder in (foreign, own):
            with pytest.raises(ArchiveError, match=rf"edition {folder.name} is not sent: .*manifest.*rebuild"):
                send(s, str(folder), to="ann@example.org")
        assert srv.handler.messages == []


def test_a_later_revision_is_not_mailed_again(own, tmp_path, demo_settings):
    """Before: `brief build --force` (a new revision, …r2) and `send` mailed every reader again: the ledger was
    keyed by the folder name. Now one copy per edition, whatever the revision; a claim left by a crash keeps its
    Message-ID across revisions."""
    from report.store import Store

    with SmtpServer(tmp_path, starttls=False) as srv:
        s = smtp_settings_for(demo_settings, own, srv).replace(formats=("html", "email"))
        assert send(s, str(own), to="ann@example.org,bo@example.org").sent == ["ann@example.org", "bo@example.org"]
        with Store(s.store_path) as st:  # a run that died with dee's copy in flight
            st.claim_send(own.name, "dee@example.org", "<in-flight@example.org>")
        r2 = build(s, demo=True, force=True).folder
        assert r2.name == f"{own.name}.r2"
        report = send(s, "2025-12-08", to="ann@example.org,bo@example.org,cy@example.org,dee@example.org")
        assert report.already == ["ann@example.org", "bo@example.org"]
        assert report.sent == ["cy@example.org", "dee@example.org"] and report.resent == ["dee@example.org"]
        assert set(copies(srv).values()) == {1} and message_ids(srv, "dee@example.org") == {"<in-flight@example.org>"}


def test_ledger_rows_recorded_under_a_revision_name_still_count(tmp_path):
    """Rows older versions recorded under a revision's folder name count for the whole edition."""
    from report.store import Store

    with Store(tmp_path / "brief.sqlite") as st:
        st.record_send("2025-12-08.r2", "ann@example.org", "<a@x>")
        st._db.execute("UPDATE sends SET edition = '2025-12-08.r2'")  # as an older version wrote it
        st._db.commit()
        st.record_send("2025-12-08-demo", "bo@example.org", "<b@x>")
        assert st.sent_to("2025-12-08.r3") == st.sent_to("2025-12-08") == {"ann@example.org"}
        assert st.sent_to("2025-12-08-demo.r2") == {"bo@example.org"}


def test_a_damaged_send_journal_keeps_its_good_records(tmp_path):
    """Before: a journal holding `\\xff` or a torn last line made every later send a traceback."""
    from report.store import Store

    path = tmp_path / "brief.sqlite"
    journal = path.with_name(path.name + ".sends-journal")
    journal.write_bytes(
        b"2025-12-08\tann@example.org\t<a@x>\t2025-12-08T07:00:00Z\n"
        b"\xff\n"
        b"2025-12-08\tbad\xfe@example.org\t<b@x>\t2025-12-08T07:00:01Z\n"
        b"2025-12-08\tthree@example.org\tfields\n"
        b"2025-12-08.r2\tBo@example.org\t<c@x>\t2025-12-08T07:00:02Z\n"
        b"2025-12-08\tcy@example.org\t<d@x>\t2025-12-0"  # torn while the time was written: cy was served
        b"\n2025-12-08\tdee@exa"  # torn in the address: nothing to keep
    )
    with Store(path) as st:
        assert st.sent_to("2025-12-08") == {"ann@example.org", "bo@example.org", "cy@example.org"}
    assert not journal.exists()
    journal.write_bytes(b"\xff\n")
    with Store(path) as st:
        assert st.sent_to("2025-12-08") == {"ann@example.org", "bo@example.org", "cy@example.org"}
    assert not journal.exists()


def test_invisible_characters_and_white_space_are_refused_and_idna_duplicates_dropped(own, tmp_path, demo_settings):
    """Before: `u\\u200b@example.org` and `<a b@example.org>` were taken; `user@bücher.de` and
    `user@xn--bcher-kva.de` were two readers (two copies to one mailbox)."""
    from report.deliver import read_recipients

    path = tmp_path / "readers.txt"
    path.write_text(
        "u\u200b@example.org\nv@exa\u2060mple.org\nAnn <a b@example.org>\nw\u00a0x@example.org\n"
        "user@bücher.de\nuser@xn--bcher-kva.de\nuser@XN--BCHER-KVA.DE\nuser@BÜCHER.de\n",
        encoding="utf-8",
    )
    good, bad = read_recipients(str(path))
    assert good == ["user@bücher.de"] and len(bad) == 4
    assert all("invisible" in why for why in list(bad.values())[:2])
    assert all("white space" in why for why in list(bad.values())[2:])
    with SmtpServer(tmp_path, starttls=False) as srv:
        s = smtp_settings_for(demo_settings, own, srv)
        assert send(s, str(own), to="user@bücher.de").sent == ["user@bücher.de"]
        again = send(s, str(own), to="user@xn--bcher-kva.de,user@XN--bcher-KVA.de")
        assert again.sent == [] and again.already == ["user@xn--bcher-kva.de"] and len(srv.handler.messages) == 1


def test_a_dry_run_never_follows_an_outbox_link(own, tmp_path, demo_settings):
    """Before: a dry run followed its outbox when it was a symbolic link and wrote wherever it pointed (then
    EDITION/outbox; now OUT/outbox/EDITION, and OUT/outbox itself)."""
    from report.errors import ArchiveError

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    s = demo_settings.replace(out_dir=own.parents[1])
    box = own.parents[1] / "outbox" / own.name
    box.parent.symlink_to(elsewhere)  # OUT/outbox a link
    with pytest.raises(ArchiveError, match="symbolic link"):
        send(s, str(own), to="ann@example.org", dry_run=True)
    box.parent.unlink()
    box.parent.mkdir()
    box.symlink_to(elsewhere)  # OUT/outbox/EDITION a link
    with pytest.raises(ArchiveError, match="symbolic link"):
        send(s, str(own), to="ann@example.org", dry_run=True)
    r = CliRunner().invoke(
        cli, ["send", str(own), "--to", "ann@example.org", "--dry-run"], env={"BRIEF_DATA_DIR": str(s.data_dir)}
    )
    assert r.exit_code == 1 and one_error_line(r.output) and "symbolic link" in r.output
    assert list(elsewhere.iterdir()) == []
    box.unlink()
    box.write_text("not a folder")
    with pytest.raises(ArchiveError, match="not a folder"):
        send(s, str(own), to="ann@example.org", dry_run=True)
    box.unlink()
    box.mkdir()  # a real outbox, but a message's name is a link to a file outside
    victim = elsewhere / "victim.txt"
    victim.write_text("keep me")
    (box / "0001-ann_at_example.org.eml").symlink_to(victim)
    report = send(s, str(own), to="ann@example.org", dry_run=True)
    assert victim.read_text() == "keep me" and not report.written[0].is_symlink()
