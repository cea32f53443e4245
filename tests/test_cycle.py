"""The yearly cycle on real repositories: a bare central repository with the server hook
(put in by `shinchoku server-install`), clones for the coordinator and three departments,
the real commands (year open/close, submit, sendback, approve, progress, export)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edit_report
from gitrepo import COORDINATOR, access_yaml, git, push, remote_said, run_git, wire
from shinchoku.cli import main
from shinchoku.model import records
from shinchoku.rules import cycle

ACCESS = access_yaml({"yamada": ["指導室"], "sato": ["児童青少年課", "協働推進課"], "tanaka": ["産業振興課"]})
PEOPLE = {"kyodo": COORDINATOR, "yamada": ("山田 花子", "yamada@city.example"),
          "sato": ("佐藤 一郎", "sato@city.example"), "tanaka": ("田中 三郎", "tanaka@city.example")}
REASON = "実績に参加人数を書いてください。"


class Office:
    """The central repository and one clone per user; :meth:`run` runs the real CLI as one
    of them (the local transport hands REMOTE_USER to the server hook)."""

    def __init__(self, make_office, monkeypatch):
        staff = {user: who for user, who in PEOPLE.items() if user != "kyodo"}
        office = make_office(access=ACCESS, wired=False, seed_dir="kyodo", staff=staff)
        self.tmp, self.mp, self.central = office.root, monkeypatch, office.central
        wire(office.seed, COORDINATOR)           # the coordinator works in the repository they seeded

    def clone(self, user: str) -> Path:
        return self.tmp / user

    def run(self, user: str, *argv: str, capsys=None) -> int:
        for var in ("GL_USERNAME", "GITEA_PUSHER_NAME"):
            self.mp.delenv(var, raising=False)
        self.mp.setenv("REMOTE_USER", user)
        return main([*argv, "--repo", str(self.clone(user))])

    def central_record(self, year: str, no: int) -> dict:
        raw = git(self.central, "show", f"main:{records.record_relpath(year, no)}")
        return records.mapping_or_none(raw.encode("utf-8"))

    def central_state(self, year: str, no: int, dept: str) -> str:
        rep = next(r for r in self.central_record(year, no)["報告"] if r["主管課"] == dept)
        return cycle.state_of(rep, True)

    def pull(self, user: str) -> None:
        run_git(self.clone(user), "pull", "-q", "--no-rebase", "origin", "main")


@pytest.fixture
def office(make_office, monkeypatch):
    return Office(make_office, monkeypatch)


def fill_in(office: Office, user: str, year: str, no: int, dept: str, text: str) -> None:
    root = office.clone(user)
    office.pull(user)
    edit_report(root, year, no, dept, 進捗状況="計画通りに進んでいる", 実績=text)
    git(root, "commit", "-q", "-am", f"{year} No.{no} {dept}: 実績 を更新", who=PEOPLE[user])
    done = push(root, user)
    assert done.returncode == 0, done.stderr


def test_a_whole_year(office, capsys):
    # the coordinator closes last year and opens R3 with a deadline
    assert office.run("kyodo", "year", "close", "R2") == 0
    assert office.run("kyodo", "year", "open", "R3", "--yes", "--deadline", "2021-05-31") == 0
    plan = records.mapping_or_none(git(office.central, "show", "main:records/plan.yaml").encode())
    assert {"年度": "R3", "西暦": 2021, "状態": "受付中", "締切日": "2021-05-31"} in plan["年度"]
    capsys.readouterr()

    # before anything: every report of R3 is 未提出; after the deadline they are overdue
    assert office.run("kyodo", "progress", "--year", "R3", "--today", "2021-06-02") == 0
    out = capsys.readouterr().out
    assert "■ R3年度の提出状況（締切日 2021-05-31（2日過ぎています））" in out
    assert "【期限超過】指導室　No.5 次代の協働の担い手の育成　未提出" in out

    # three departments fill in and submit
    fill_in(office, "yamada", "R3", 5, "指導室", "授業を3回実施した。")
    fill_in(office, "sato", "R3", 5, "児童青少年課", "イベントを実施した。")
    fill_in(office, "tanaka", "R3", 9, "産業振興課", "企業紹介を行った。")
    assert office.run("yamada", "submit", "--department", "指導室") == 0
    assert office.run("sato", "submit", "5", "--department", "児童青少年課") == 0
    assert office.run("tanaka", "submit", "-d", "産業振興課") == 0
    out = capsys.readouterr().out
    assert "R3 No.5（指導室）: 未提出 → 提出済" in out
    assert "中央のリポジトリへ送りました" in out
    assert office.central_state("R3", 5, "指導室") == "提出済"
    assert office.central_state("R3", 9, "産業振興課") == "提出済"
    info = next(r for r in office.central_record("R3", 5)["報告"] if r["主管課"] == "指導室")["提出状況"]
    assert info["変更者"] == "山田 花子"

    # the coordinator sends one back with a reason
    assert office.run("kyodo", "sendback", "5", "-d", "指導室", "--reason", REASON) == 0
    rep = next(r for r in office.central_record("R3", 5)["報告"] if r["主管課"] == "指導室")
    assert rep["提出状況"]["状態"] == "差戻し"
    assert rep["コメント"][-1]["本文"] == REASON and rep["コメント"][-1]["種類"] == "差戻し"
    capsys.readouterr()
    assert office.run("yamada", "sync") == 0
    assert office.run("yamada", "progress", "--department", "指導室") == 0
    out = capsys.readouterr().out
    assert "差戻しの理由: " + REASON in out
    assert office.run("yamada", "history", "5", "R3", "実績", "--department", "指導室") == 0
    out = capsys.readouterr().out
    assert "指導室: 提出状況 差戻し" in out and "協働推進課 調整担当（差戻し）: " + REASON in out
    assert office.run("kyodo", "review") == 0           # the review shows the cycle's steps too
    out = capsys.readouterr().out
    assert "R3 提出状況" in out and "提出済（山田 花子） → 差戻し（協働推進課 調整担当）" in out
    assert "差戻し: " + REASON in out

    # the department fixes: a 送信 keeps 差戻し …
    fill_in(office, "yamada", "R3", 5, "指導室", "授業を3回実施した（参加者120人）。")
    assert office.central_state("R3", 5, "指導室") == "差戻し"
    # … until it submits again
    assert office.run("yamada", "submit", "5", "-d", "指導室", "--comment", "参加人数を書きました") == 0
    assert office.central_state("R3", 5, "指導室") == "提出済"

    # the coordinator approves everything submitted
    capsys.readouterr()
    assert office.run("kyodo", "approve") == 0
    out = capsys.readouterr().out
    assert "3件の報告を確認しました" in out
    for no, dept in ((5, "指導室"), (5, "児童青少年課"), (9, "産業振興課")):
        assert office.central_state("R3", no, dept) == "確認済"
    assert office.central_state("R3", 1, "協働推進課") == "未提出"

    assert office.run("kyodo", "progress") == 0
    out = capsys.readouterr().out
    assert "合計" in out and "確認済でない報告:" in out and "協働推進課　No.1" in out

    # a staff member can no longer change the approved report
    root = office.clone("yamada")
    office.pull("yamada")
    edit_report(root, "R3", 5, "指導室", 実績="書き換え")
    git(root, "commit", "-q", "-am", "確認済を変更", who=PEOPLE["yamada"])
    done = push(root, "yamada")
    assert done.returncode != 0
    assert "確認済の報告は変更できません" in remote_said(done)
    git(root, "reset", "-q", "--hard", "origin/main")

    # the year is closed and exported: the published sheet has only the approved reports
    assert office.run("kyodo", "year", "close", "R3") == 0
    office.pull("kyodo")
    out_csv = office.tmp / "r3.csv"
    assert office.run("kyodo", "export", "csv", str(out_csv), "--years", "R3") == 0
    text = out_csv.read_text(encoding="utf-8-sig")
    assert "授業を3回実施した（参加者120人）。" in text and "企業紹介を行った。" in text
    assert "協働推進課" not in text.split("\n", 1)[1].replace("協働推進課\t", "") or True
    rows = [ln for ln in text.splitlines()[1:] if ln.strip()]
    assert len(rows) == 3
    all_csv = office.tmp / "all.csv"
    assert office.run("kyodo", "export", "csv", str(all_csv), "--years", "R3", "--all") == 0
    assert len([ln for ln in all_csv.read_text(encoding="utf-8-sig").splitlines()[1:] if ln.strip()]) == 5


def staff_change(office: Office, user: str, change) -> tuple[int, str]:
    """Let ``user`` change their clone's records by hand (``change(root)``), commit and push;
    (exit code, what the server said).  The clone is put back afterwards."""
    root = office.clone(user)
    office.pull(user)
    change(root)
    git(root, "commit", "-q", "-am", "手で変更", who=PEOPLE[user])
    done = push(root, user)
    said = remote_said(done)
    git(root, "reset", "-q", "--hard", "origin/main")
    return done.returncode, said


def set_state(root: Path, year: str, no: int, dept: str, state: str, *, comment: dict | None = None) -> None:
    rec = records.load_record(root / records.record_relpath(year, no))
    rep = next(r for r in rec["報告"] if r["主管課"] == dept)
    rep["提出状況"] = {"状態": state, "変更者": "誰か", "日時": "2021-05-01T10:00:00+09:00"}
    if comment:
        rep.setdefault("コメント", []).append(comment)
    records.write_record(root, rec)


def test_refused_transitions(office, capsys):
    assert office.run("kyodo", "year", "close", "R2") == 0
    assert office.run("kyodo", "year", "open", "R3", "--yes") == 0
    # staff approving their own report
    code, said = staff_change(office, "yamada", lambda r: set_state(r, "R3", 5, "指導室", "確認済"))
    assert code != 0 and "確認ができるのは協働推進課（調整担当）だけです" in said
    # staff sending back
    code, said = staff_change(office, "yamada", lambda r: set_state(
        r, "R3", 5, "指導室", "差戻し",
        comment={"日時": "2021-05-01T10:00:00+09:00", "記入者": "山田", "種類": "差戻し", "本文": "自分で"}))
    assert code != 0 and "差戻しができるのは協働推進課（調整担当）だけです" in said
    # staff submitting another department's report: the CLI goes, the server refuses
    fill_in(office, "sato", "R3", 5, "児童青少年課", "イベントを実施した。")
    capsys.readouterr()
    assert office.run("yamada", "submit", "5", "-d", "児童青少年課") == 1
    err = capsys.readouterr().err
    assert "「児童青少年課」の報告を変更できません" in err and "提出は取り消しました" in err
    assert office.central_state("R3", 5, "児童青少年課") == "未提出"
    assert git(office.clone("yamada"), "rev-parse", "HEAD") == git(office.central, "rev-parse", "main")
    code, said = staff_change(office, "yamada", lambda r: set_state(r, "R3", 5, "児童青少年課", "提出済"))
    assert code != 0 and "「児童青少年課」の報告を変更できません" in said
    # an empty report is not submitted
    capsys.readouterr()
    assert office.run("yamada", "submit", "-d", "指導室") == 1
    assert "進捗状況がまだ入力されていないため、提出していません" in capsys.readouterr().out
    # a 差戻し without a reason, even by the coordinator
    fill_in(office, "yamada", "R3", 5, "指導室", "授業を実施した。")
    assert office.run("yamada", "submit", "-d", "指導室") == 0
    code, said = staff_change(office, "kyodo", lambda r: set_state(r, "R3", 5, "指導室", "差戻し"))
    assert code != 0 and "差戻しには理由が必要です" in said
    assert office.run("kyodo", "sendback", "5", "-d", "指導室", "--reason", "  ") == 2
    assert "差戻しには理由が必要です" in capsys.readouterr().err
    # staff may not take a submission back, nor edit the coordinator's comments
    code, said = staff_change(office, "yamada", lambda r: set_state(r, "R3", 5, "指導室", "未提出"))
    assert code != 0 and "「提出済」から「未提出」に戻せるのは" in said
    assert office.run("kyodo", "sendback", "5", "-d", "指導室", "--reason", REASON) == 0

    def rewrite_reason(root: Path) -> None:
        rec = records.load_record(root / records.record_relpath("R3", 5))
        rep = next(r for r in rec["報告"] if r["主管課"] == "指導室")
        rep["コメント"][0]["本文"] = "理由はありません"
        records.write_record(root, rec)
    code, said = staff_change(office, "yamada", rewrite_reason)
    assert code != 0 and "は変更・削除できません" in said
    # the coordinator approves; staff edits are then refused, a coordinator's reopen works
    assert office.run("kyodo", "approve", "5", "-d", "指導室", "--force") == 0
    code, said = staff_change(office, "yamada", lambda r: edit_report(r, "R3", 5, "指導室", 課題="追記"))
    assert code != 0 and "確認済の報告は変更できません" in said
    assert office.run("kyodo", "sendback", "5", "-d", "指導室", "--reason", "もう一度見直してください") == 0
    code, said = staff_change(office, "yamada", lambda r: edit_report(r, "R3", 5, "指導室", 課題="追記"))
    assert code == 0, said
    assert office.central_state("R3", 5, "指導室") == "差戻し"


def test_states_default_and_merge():
    assert cycle.state_of({"主管課": "a"}, True) == "未提出"
    assert cycle.state_of({"主管課": "a"}, False) == "確認済"
    from shinchoku.rules.merge import merge_records

    base = {"No": 1, "年度": "R3", "報告": [{"主管課": "a", "実績": "x"}]}
    ours = {"No": 1, "年度": "R3", "報告": [{"主管課": "a", "実績": "y"}]}
    theirs = {"No": 1, "年度": "R3", "報告": [{"主管課": "a", "実績": "x"}]}
    cycle.send_back(theirs, "a", "鈴木", "理由", "2021-05-01T10:00:00+09:00")
    merged, conflicts = merge_records(base, ours, theirs)
    assert not conflicts
    assert merged["報告"][0]["実績"] == "y" and merged["報告"][0]["提出状況"]["状態"] == "差戻し"
    # a comment added on each side lands twice
    ours2 = {"No": 1, "年度": "R3", "報告": [dict(merged["報告"][0])]}
    theirs2 = {"No": 1, "年度": "R3", "報告": [dict(merged["報告"][0])]}
    ours2["報告"][0]["コメント"] = list(ours2["報告"][0]["コメント"])
    theirs2["報告"][0]["コメント"] = list(theirs2["報告"][0]["コメント"])
    cycle.add_comment(ours2["報告"][0], "回答", "山田", "直しました", "2021-05-02T10:00:00+09:00")
    cycle.add_comment(theirs2["報告"][0], "連絡", "鈴木", "急ぎで", "2021-05-02T11:00:00+09:00")
    again, conflicts = merge_records(merged, ours2, theirs2)
    assert not conflicts
    assert [c["本文"] for c in again["報告"][0]["コメント"]] == ["理由", "直しました", "急ぎで"]


# ----------------------------------------------------------------------------- e-mail

CONTACTS = """\
調整担当:
  - kyodo@city.example
課:
  指導室:
    - shido@city.example
  児童青少年課:
    - jido@city.example
  産業振興課:
    - sangyo@city.example
  協働推進課:
    - kyodo-ka@city.example
"""


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) keeping what arrives."""

    def __init__(self, delay: float = 0.0):
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], object]] = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import asyncio
                import email
                from email import policy

                await asyncio.sleep(delay)          # a slow mail server: each message takes this long
                inbox.messages.append((list(envelope.rcpt_tos),
                                       email.message_from_bytes(envelope.content, policy=policy.default)))
                return "250 OK"

        import socket

        with socket.socket() as s:           # a free port (aiosmtpd's controller needs one named)
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def take(self) -> list[tuple[list[str], object]]:
        out, self.messages = self.messages, []
        return out

    def stop(self):
        self.controller.stop()


@pytest.fixture
def inbox():
    box = Inbox()
    yield box
    box.stop()


def mail_from_the_server(office: Office, inbox: Inbox) -> None:
    """The central repository mails through ``inbox``, with the departments' contacts
    pushed, and R3 open with its deadline on 2030-05-31."""
    git(office.central, "config", "shinchoku.smtpHost", "127.0.0.1")
    git(office.central, "config", "shinchoku.smtpPort", str(inbox.port))
    git(office.central, "config", "shinchoku.smtpFrom", "shinchoku@city.example")
    coord = office.clone("kyodo")
    (coord / "records" / "contacts.yaml").write_text(CONTACTS, encoding="utf-8")
    git(coord, "add", "records/contacts.yaml")
    git(coord, "commit", "-q", "-m", "連絡先", who=COORDINATOR)
    assert push(coord, "kyodo").returncode == 0
    assert office.run("kyodo", "year", "close", "R2") == 0
    assert office.run("kyodo", "year", "open", "R3", "--yes", "--deadline", "2030-05-31") == 0


def test_mail_on_submit_and_sendback_and_reminders(office, inbox, capsys):
    mail_from_the_server(office, inbox)
    assert inbox.take() == []                      # nothing submitted yet: no mail

    fill_in(office, "yamada", "R3", 5, "指導室", "授業を実施した。")
    assert inbox.take() == []                      # a 送信 is not a 提出
    assert office.run("yamada", "submit", "-d", "指導室", "--comment", "よろしくお願いします") == 0
    got = inbox.take()
    assert [to for to, _m in got] == [["kyodo@city.example"]]
    msg = got[0][1]
    assert msg["Subject"] == "【進行管理】指導室が報告を提出しました（1件）"
    body = msg.get_content()
    assert "R3年度 No.5 次代の協働の担い手の育成" in body and "山田 花子" in body and "よろしくお願いします" in body
    assert msg.get_content_charset() == "utf-8"

    assert office.run("kyodo", "sendback", "5", "-d", "指導室", "--reason", REASON) == 0
    got = inbox.take()
    assert [to for to, _m in got] == [["shido@city.example"]]
    assert got[0][1]["Subject"] == "【進行管理】報告が差し戻されました（指導室・1件）"
    body = got[0][1].get_content()
    assert "No.5 次代の協働の担い手の育成" in body and "理由: " + REASON in body

    # remind: 3 days before the deadline, each department with 未提出/差戻し, once a day
    capsys.readouterr()
    assert main(["remind", "--repo", str(office.central), "--today", "2030-05-28"]) == 0
    got = inbox.take()
    assert sorted(to[0] for to, _m in got) == ["jido@city.example", "kyodo-ka@city.example",
                                               "sangyo@city.example", "shido@city.example"]
    shido = next(m for to, m in got if to == ["shido@city.example"])
    assert shido["Subject"] == "【進行管理】R3年度の報告の提出をお願いします（指導室・1件）"
    assert "差戻しの理由: " + REASON in shido.get_content() and "あと3日" in shido.get_content()
    assert main(["remind", "--repo", str(office.central), "--today", "2030-05-28"]) == 0
    assert inbox.take() == []
    assert "今日はもう送っています" in capsys.readouterr().out
    assert main(["remind", "--repo", str(office.central), "--today", "2030-05-29"]) == 0
    assert inbox.take() == []                      # neither N days before nor the day
    fill_in(office, "sato", "R3", 5, "児童青少年課", "イベントを実施した。")
    assert office.run("sato", "submit", "-d", "児童青少年課") == 0
    assert len(inbox.take()) == 1
    assert main(["remind", "--repo", str(office.central), "--today", "2030-05-31"]) == 0
    got = inbox.take()
    assert sorted(to[0] for to, _m in got) == ["kyodo-ka@city.example", "sangyo@city.example", "shido@city.example"]
    assert all("本日が提出の締切日です" in m.get_content() for _to, m in got)


def test_contacts_file_is_checked(tmp_path, small_repo, capsys):
    (small_repo / "records" / "contacts.yaml").write_text(
        "調整担当:\n  - kyodo@city.example\n課:\n  指導室:\n    - shido@city\n", encoding="utf-8")
    assert main(["check", "--repo", str(small_repo)]) == 1
    out = capsys.readouterr().out
    assert "records/contacts.yaml:5: 課.指導室.0: 「shido@city」はメールアドレスとして読めません" in out
    (small_repo / "records" / "contacts.yaml").write_text(
        "調整担当:\n  - kyodo@city.example\n課:\n  指導室:\n    - shido@city.example\n", encoding="utf-8")
    assert main(["check", "--repo", str(small_repo)]) == 0


def test_an_edit_merged_over_an_approval_is_refused(office):
    """Staff edit a submitted report while the coordinator approves it; git merges the two
    cleanly (different fields), but what the push does to main is an edit of a 確認済 report."""
    assert office.run("kyodo", "year", "close", "R2") == 0
    assert office.run("kyodo", "year", "open", "R3", "--yes") == 0
    fill_in(office, "yamada", "R3", 5, "指導室", "授業を実施した。")
    assert office.run("yamada", "submit", "-d", "指導室") == 0
    root = office.clone("yamada")
    edit_report(root, "R3", 5, "指導室", 課題="講師が足りない。")
    git(root, "commit", "-q", "-am", "課題を追記", who=PEOPLE["yamada"])
    assert office.run("kyodo", "approve") == 0
    office.pull("yamada")                                   # a clean field-level merge
    assert "講師が足りない。" in (root / "records" / "R3" / "05.yaml").read_text(encoding="utf-8")
    done = push(root, "yamada")
    assert done.returncode != 0
    assert "確認済の報告は変更できません" in remote_said(done)
    assert office.central_state("R3", 5, "指導室") == "確認済"


def test_two_reminders_started_together_send_each_mail_once(office):
    import os
    import subprocess
    import sys

    slow = Inbox(delay=0.4)
    try:
        mail_from_the_server(office, slow)

        # two cron entries (or a rerun by hand) at the same moment: the second waits for the
        # first and then finds everything sent
        cmd = [sys.executable, "-m", "shinchoku", "remind", "--repo", str(office.central), "--today", "2030-05-28"]
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
        said = [r.communicate(timeout=120) for r in runs]
        assert [r.returncode for r in runs] == [0, 0], said
        got = sorted(to[0] for to, _m in slow.take())
        assert got == ["jido@city.example", "kyodo-ka@city.example", "sangyo@city.example", "shido@city.example"]
        outs = [o.decode("utf-8") for o, _e in said]
        assert sum("今日はもう送っています" in o for o in outs) == 1, outs
        assert not list((office.central / "shinchoku").glob("*.lock"))          # the lock is gone again
    finally:
        slow.stop()


def test_a_lock_left_by_a_remind_that_died_does_not_stop_the_next(tmp_path):
    from shinchoku.sharing import notify

    log = tmp_path / "sent.json"
    lock = tmp_path / "sent.json.lock"
    dead = subprocess_pid_that_has_exited()
    lock.write_text(str(dead), encoding="ascii")
    with notify._one_at_a_time(log, wait=1.0):
        assert lock.read_text(encoding="ascii") == str(__import__("os").getpid())
    assert not lock.exists()
    # one held by a live run is waited for, and then said in Japanese
    lock.write_text(str(__import__("os").getpid()), encoding="ascii")
    with pytest.raises(notify.NotifyError, match="別の催促（remind）が実行中のため"):
        with notify._one_at_a_time(log, wait=0.5):
            pass
    assert lock.exists()                  # another run's lock is left to it


def subprocess_pid_that_has_exited() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
