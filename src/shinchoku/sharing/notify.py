"""E-mail for the yearly cycle: 提出 tells the coordinator, 差戻し tells the department,
and ``shinchoku remind`` chases the departments before the deadline.

Where things are
----------------
* **Addresses**: ``records/contacts.yaml`` in the records repository (kept by the
  coordinator; only coordinators may push it; validated against
  ``schema/contacts.schema.json``).  Department mailboxes of a city office are public,
  so keeping them in git is fine; personal addresses do not belong there.
* **SMTP** (the server's settings, in the central repository's git config)::

      git config shinchoku.smtpHost mail.city.example     # required to send anything
      git config shinchoku.smtpPort 587                   # default 25
      git config shinchoku.smtpFrom shinchoku@city.example
      git config shinchoku.smtpStarttls true              # default false
      git config shinchoku.smtpUser shinchoku             # optional; password in SHINCHOKU_SMTP_PASSWORD
      git config shinchoku.remindDays 3                   # remind N days before the deadline (and on the day)

* **Sent log** of ``remind``: ``<git dir>/shinchoku/remind-sent.json`` — one entry per
  day and department, written after each message is handed to the SMTP server, so a
  rerun the same day sends nothing twice.

Transitions are judged from the old tip of main against the new tip (what the push did
to main as a whole), like the server's guard.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import smtplib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Iterable

from shinchoku.errors import ShinchokuError
from shinchoku.fileout import describe
from shinchoku.model import yamlio
from shinchoku.model.plan import Plan
from shinchoku.rules import cycle, sidefiles
from shinchoku.rules.sidefiles import CONTACTS_RELPATH  # noqa: E402  (where they were)
from shinchoku.words import NOT_MAILED, refusal

SENT_LOG = "remind-sent.json"


class NotifyError(ShinchokuError):
    """Mail could not be prepared or sent (message in Japanese)."""


@dataclass(frozen=True)
class Contacts:
    coordinators: tuple[str, ...] = ()
    departments: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "shinchoku@localhost"
    starttls: bool = False
    user: str = ""
    password: str = ""

    @classmethod
    def from_store(cls, store) -> "SmtpSettings | None":
        host = store.config("shinchoku.smtpHost")
        if not host:
            return None
        port = store.config("shinchoku.smtpPort") or "25"
        try:
            number = int(port)
        except ValueError:
            raise NotifyError(f"git config shinchoku.smtpPort の「{port}」はポート番号ではありません") from None
        return cls(host, number, store.config("shinchoku.smtpFrom") or "shinchoku@localhost",
                   store.config("shinchoku.smtpStarttls").lower() in ("true", "yes", "on", "1"),
                   store.config("shinchoku.smtpUser"), os.environ.get("SHINCHOKU_SMTP_PASSWORD", ""))


# ----------------------------------------------------------------------------- contacts


def parse_contacts(content: bytes | None) -> Contacts:
    if content is None:
        return Contacts()
    problems = sidefiles.contact_problems(content)
    if problems:
        raise NotifyError("連絡先（records/contacts.yaml）に問題があります: " + "; ".join(str(p) for p in problems))
    data = yamlio.load(content) or {}
    return Contacts(tuple(data.get("調整担当") or ()),
                    {str(k): tuple(v) for k, v in (data.get("課") or {}).items()})


# ----------------------------------------------------------------------------- messages


def _message(sender: str, to: Iterable[str], subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()          # utf-8: the subject is RFC 2047 encoded, the body base64 or 8bit
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="shinchoku")
    msg.set_content(body, charset="utf-8")
    return msg


@dataclass
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str
    key: str = ""            # remind: the department (for the sent log)


def _name(plan: Plan, no: int) -> str:
    ini = plan.by_no().get(no)
    return ini.name if ini else ""


def transition_mails(plan: Plan, old: dict[tuple[str, int], dict], new: dict[tuple[str, int], dict],
                     contacts: Contacts) -> tuple[list[Mail], list[str]]:
    """The mails a change of main from ``old`` to ``new`` records calls for, and
    warnings (a department without an address)."""
    submitted: dict[str, list[str]] = {}
    sent_back: dict[str, list[str]] = {}
    for key, rec in new.items():
        year, no = key
        y = plan.year(year)
        year_open = bool(y and y.open)
        before = {r.get("主管課"): r for r in (old.get(key) or {}).get("報告", []) or [] if isinstance(r, dict)}
        for rep in rec.get("報告", []) or []:
            if not isinstance(rep, dict):
                continue
            dept = rep.get("主管課")
            was, now = cycle.state_of(before.get(dept), year_open), cycle.state_of(rep, year_open)
            info = rep.get(cycle.FIELD) or {}
            if now == was and (before.get(dept) or {}).get(cycle.FIELD) == info:
                continue
            label = f"{year}年度 No.{no} {_name(plan, no)}"
            if now == cycle.SUBMITTED:
                line = f"・{label}（{info.get('変更者', '')}、{cycle.short_time(str(info.get('日時', '')))}）"
                replies = [c for c in cycle.comments(rep) if c.get("日時") == info.get("日時")]
                if replies:
                    line += f"\n    回答: {replies[-1].get('本文', '')}"
                submitted.setdefault(dept, []).append(line)
            elif now == cycle.SENT_BACK:
                reason = cycle.last_reason(rep) or {}
                sent_back.setdefault(dept, []).append(
                    f"・{label}\n    理由: {reason.get('本文', '')}\n    （{reason.get('記入者', '')}、"
                    f"{cycle.short_time(str(reason.get('日時', '')))}）")
    mails: list[Mail] = []
    warnings: list[str] = []
    for dept, lines in submitted.items():
        if not contacts.coordinators:
            warnings.append("連絡先（records/contacts.yaml）に調整担当のアドレスがないため、提出のお知らせを送っていません")
            break
        mails.append(Mail(contacts.coordinators, f"【進行管理】{dept}が報告を提出しました（{len(lines)}件）",
                          f"協働推進課 調整担当 様\n\n{dept}から、次の報告が提出されました。\n\n" + "\n".join(lines)
                          + "\n\n内容を確認し、確認済にするか、理由を付けて差し戻してください。\n"
                          "（shinchoku progress で提出状況、shinchoku review で変更内容を見られます）\n"
                          "\n-- \nこのメールは進捗管理（shinchoku）が自動で送っています。\n"))
    for dept, lines in sent_back.items():
        to = contacts.departments.get(dept)
        if not to:
            warnings.append(f"連絡先（records/contacts.yaml）に「{dept}」のアドレスがないため、差戻しのお知らせを送っていません")
            continue
        mails.append(Mail(to, f"【進行管理】報告が差し戻されました（{dept}・{len(lines)}件）",
                          f"{dept} ご担当者 様\n\n協働推進課から、次の報告が差し戻されました。\n\n" + "\n".join(lines)
                          + "\n\n理由のとおりに直し、Excel の［送信］のあと［提出］を押してください"
                          "（直して送信しただけでは差戻しのままです）。\n"
                          "\n-- \nこのメールは進捗管理（shinchoku）が自動で送っています。\n"))
    return mails, warnings


def remind_mails(plan: Plan, recs: dict[tuple[str, int], dict], contacts: Contacts, today: _dt.date,
                 days: int) -> tuple[list[Mail], list[str]]:
    """Reminders due today: per department with 未提出/差戻し reports of an open year whose
    deadline is ``days`` days ahead or today."""
    mails: list[Mail] = []
    warnings: list[str] = []
    years = [y.label for y in plan.years if y.open]
    for yp in cycle.progress(plan, recs, years, today=today):
        if yp.deadline is None:
            continue
        left = (yp.deadline - today).days
        if left not in (days, 0):
            continue
        when = "本日が提出の締切日です" if left == 0 else f"提出の締切日（{yp.deadline.isoformat()}）まで、あと{left}日です"
        for dp in yp.departments:
            waiting = dp.waiting
            if not waiting:
                continue
            to = contacts.departments.get(dp.department)
            if not to:
                warnings.append(f"連絡先に「{dp.department}」のアドレスがないため、催促を送っていません")
                continue
            lines = []
            for i in waiting:
                line = f"・{i.year}年度 No.{i.no} {i.name}（{i.state}）"
                if i.reason:
                    line += f"\n    差戻しの理由: {i.reason}"
                lines.append(line)
            mails.append(Mail(to, f"【進行管理】{yp.year}年度の報告の提出をお願いします（{dp.department}・{len(waiting)}件）",
                              f"{dp.department} ご担当者 様\n\n{yp.year}年度の進行管理シートの報告について、{when}。\n"
                              f"次の報告がまだ提出されていません。\n\n" + "\n".join(lines)
                              + "\n\nExcel の進行管理シートに入力して［送信］し、［提出］を押してください。\n"
                              "\n-- \nこのメールは進捗管理（shinchoku）が自動で送っています。\n",
                              key=f"{yp.year}:{dp.department}"))
    return mails, warnings


def send(settings: SmtpSettings, mails: list[Mail], after_each=None) -> int:
    """Hand ``mails`` to the SMTP server (one connection); ``after_each(mail)`` is called
    once each is accepted.  Returns how many were sent."""
    if not mails:
        return 0
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password)
            count = 0
            for mail in mails:
                smtp.send_message(_message(settings.sender, mail.to, mail.subject, mail.body))
                count += 1
                if after_each is not None:
                    after_each(mail)
            return count
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(f"メールを送れませんでした（メールサーバー {settings.host}:{settings.port}）",
                          detail=f"{type(exc).__name__}: {exc}") from None


# ----------------------------------------------------------------------------- on the server


def _records_at(store, rev: str | None) -> dict[tuple[str, int], dict]:
    """{(年度, No): record} at ``rev``, from git's objects (works in a bare repository)."""
    return store.read_records(rev) if rev else {}


def post_receive(store, lines: Iterable[str], out) -> int:
    """After an accepted push: mail what it did to the default branch.  Never fails the
    push; problems are told to the pusher (git relays them) and the exit code is 0."""
    settings = None
    try:
        settings = SmtpSettings.from_store(store)
    except NotifyError as exc:
        out.write(f"shinchoku: {exc}\n")
        return 0
    if settings is None:
        return 0
    head_ref = store.head_ref() or "refs/heads/main"
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or parts[2] != head_ref or not parts[1].strip("0"):
            continue
        old, new = (parts[0] if parts[0].strip("0") else None), parts[1]
        try:
            plan = store.plan_at(new)
            if plan is None:
                continue
            contacts = parse_contacts(store.read_blob(new, CONTACTS_RELPATH))
            mails, warnings = transition_mails(plan, _records_at(store, old), _records_at(store, new), contacts)
            for w in warnings:
                out.write(f"shinchoku: {w}\n")
            sent = send(settings, mails)
            if sent:
                out.write(f"shinchoku: お知らせのメールを{sent}通送りました\n")
        except (NotifyError, yamlio.YamlError) as exc:
            head, _, rest = refusal(exc).partition("\n")         # the mail server's words under a heading
            out.write(f"shinchoku: {NOT_MAILED}（{head}）\n" + (f"{rest}\n" if rest else ""))
    return 0


def sent_log_path(store) -> Path:
    return store.git_dir() / "shinchoku" / SENT_LOG


def remind(store, today: _dt.date, days: int, settings: SmtpSettings | None, *, rev: str = "HEAD",
           dry_run: bool = False) -> tuple[list[Mail], list[Mail], list[str]]:
    """(sent, already sent today, warnings).  The sent log is written after each mail the
    SMTP server accepted, so reruns on the same day send nothing twice."""
    plan = store.plan_at(rev)
    if plan is None:
        raise NotifyError("計画（records/plan.yaml）がありません")
    contacts = parse_contacts(store.read_blob(rev, CONTACTS_RELPATH))
    mails, warnings = remind_mails(plan, _records_at(store, rev), contacts, today, days)
    path = sent_log_path(store)
    day = today.isoformat()
    with contextlib.nullcontext() if dry_run else _one_at_a_time(path):
        log = _read_log(path)              # read while holding it: what another run sent counts
        done_today = set(log.get(day, []))
        due = [m for m in mails if m.key not in done_today]
        skipped = [m for m in mails if m.key in done_today]
        if dry_run or not due:
            return due, skipped, warnings
        if settings is None:
            raise NotifyError("メールの送り先のサーバーが設定されていません（git config shinchoku.smtpHost）")

        def record(mail: Mail) -> None:
            log.setdefault(day, []).append(mail.key)
            for old_day in [d for d in log if d < (today - _dt.timedelta(days=60)).isoformat()]:
                del log[old_day]
            _write_log(path, log)

        send(settings, due, after_each=record)
    return due, skipped, warnings


LOCK_WAIT = 120.0        # seconds a second remind waits for the one already sending
STALE_LOCK = 3600.0      # a lock this old was left by a run that died


@contextlib.contextmanager
def _one_at_a_time(log_path: Path, wait: float = LOCK_WAIT):
    """Hold the sent log for one remind at a time.  A second run started meanwhile (two
    cron entries, a rerun by hand) waits for the first and then reads what it sent, so
    no department is reminded twice on one day."""
    lock = log_path.with_name(log_path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    until = time.monotonic() + wait
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if _stale(lock):
                taken = lock.with_name(f"{lock.name}.stale-{os.getpid()}")
                with contextlib.suppress(OSError):
                    lock.rename(taken)          # only one run wins it
                    taken.unlink()
                continue
            if time.monotonic() >= until:
                raise NotifyError("別の催促（remind）が実行中のため、送りませんでした。しばらく待ってから"
                                  "もう一度実行してください（その日に送った催促は二度送りません）",
                                  detail=str(lock)) from None
            time.sleep(0.2)
    try:
        os.write(fd, str(os.getpid()).encode("ascii"))
    finally:
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _stale(lock: Path) -> bool:
    """The lock was left by a remind that is no longer running."""
    try:
        age = time.time() - lock.stat().st_mtime
        pid = lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False                    # gone meanwhile (the next try takes it), or unreadable
    if age > STALE_LOCK:
        return True
    import psutil

    return pid.isdigit() and not psutil.pid_exists(int(pid))


def _read_log(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise NotifyError(f"催促の送信記録 {path} が読めません。中身を確かめるか、消してから実行してください",
                          detail=describe(exc) if isinstance(exc, OSError) else str(exc)) from None
    return data if isinstance(data, dict) else {}


def _write_log(path: Path, log: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
