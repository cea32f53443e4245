"""`shinchoku serve`: the add-in's buttons on xlwings Server, over HTTP on loopback.

A real server process (``python -m shinchoku serve``: uvicorn and the vendor's xlwings
Server) is started by the tests, in front of a bare central repository with the real
hook and access rules.  Staff hold nothing but a workbook (tests/xlclient.py): it sends
the payload xlwings' VBA client (Remote.bas) or its Office.js client (getBookData) builds,
with the user's token in the Authorization header, and applies only the actions that
client implements.  No clone on the staff side; the server keeps its own."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import xlclient
from gitrepo import COORDINATOR as COORD
from gitrepo import Office, access_yaml, central_value, git, git_env
from shinchoku.sheet import sheetmodel as sm
from shinchoku.store import Store
from shinchoku.xlserver.users import Users
from workbooks import DEPARTMENTS, excel, make_workbook

MAIN = sm.SHEET_NAME
PEOPLE = {  # login: (name, email, department shown)
    "yamada": ("山田 花子", "yamada@city.example", ""),
    "ito": ("伊藤 次郎", "ito@city.example", "指導室"),
    "sato": ("佐藤 一郎", "sato@city.example", ""),
}
CROWD = [f"u{i:02d}" for i in range(20)]
ACCESS = access_yaml({**DEPARTMENTS, **{u: ["指導室", "児童青少年課", "協働推進課", "産業振興課"] for u in CROWD}})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``shinchoku serve`` in its own process group (killed whole, as a crash would)."""

    def __init__(self, data: Path, central: Path):
        self.data, self.central = data, central
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "Server":
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        # as any test git: no pusher name of the test runner's (GL_USERNAME, …) reaches the server's pushes
        env = git_env(env={"DOTENV_PATH": None, "XLWINGS_LICENSE_KEY": "noncommercial",
                                   "SHINCHOKU_CENTRAL": str(self.central), "SHINCHOKU_PYTHON": sys.executable,
                                   "PYTHONUNBUFFERED": "1"})
        self.log = open(self.data.parent / f"server-{port}.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "shinchoku", "serve", "--port", str(port),
                                      "--data", str(self.data)], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(self.output())
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the server did not start:\n" + self.output())

    def output(self) -> str:
        self.log.flush()
        return (self.data.parent / Path(self.log.name).name).read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        return self.proc.returncode


class Desk:
    """One staff member with Excel only: a workbook and a token."""

    def __init__(self, server: Server, book: Path, token: str | None, client: str = "VBA"):
        self.server, self.token, self.client = server, token, client
        self.xl = excel(book)

    def press(self, button: str, token: str | None = "mine") -> tuple[int, list[tuple[str, str, str]]]:
        auth = self.token if token == "mine" else token
        return self.xl.call(self.server.url, f"shinchoku_{button}", auth, client=self.client)

    def type(self, year: str, no: int, dept: str, field: str, value) -> str:
        a = self.xl.address(year, no, dept, field)
        self.xl.type(MAIN, a, value)
        return a

    def cell(self, year: str, no: int, dept: str, field: str):
        return self.xl.sheet(MAIN).get(self.xl.address(year, no, dept, field))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Central repository, server data folder with users, a workbook template, the server."""
    tmp = tmp_path_factory.mktemp("site")
    office = Office(tmp, access=ACCESS, message="取り込み")
    central = office.central
    book = make_workbook(office.seed, tmp / "template.xlsx")
    data = tmp / "data"
    data.mkdir()
    users = Users(data)
    tokens = {login: users.add(login, *PEOPLE[login]) for login in PEOPLE}
    for u in CROWD:
        tokens[u] = users.add(u, f"職員 {u}", f"{u}@city.example", "")
    server = Server(data, central).start()
    yield {"central": central, "book": book, "tokens": tokens, "server": server, "users": users,
           "tmp": tmp}
    server.stop()


@pytest.fixture
def office(site):
    """The site with the central repository back at its first commit (each test starts clean)."""
    central = site["central"]
    first = git(central, "rev-list", "--max-parents=0", "main").split()[0]
    git(central, "update-ref", "refs/heads/main", first)
    return site


def desk(site, login: str, client: str = "VBA") -> Desk:
    return Desk(site["server"], site["book"], site["tokens"].get(login), client)


def head(central: Path) -> str:
    return git(central, "rev-parse", "main").strip()


# -- who is asking ---------------------------------------------------------------------


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_no_wrong_or_revoked_token_is_refused_in_japanese_and_nothing_is_written(office, client):
    central = office["central"]
    before = head(central)
    someone = desk(office, "yamada", client)
    a = someone.type("R2", 5, "指導室", "課題", "送られてはいけない")
    cells_before = dict(someone.xl.sheet(MAIN).cells)
    status, alerts = someone.press("push", token=None)
    assert status == 401 and alerts[0][2] == "critical"
    assert "アクセスキーが設定されていない" in alerts[0][0] and "シートの内容はそのまま" in alerts[0][0]
    status, alerts = someone.press("push", token="shk_not-a-real-token")
    assert status == 401 and "アクセスキーが正しくないか、使えなくなっています" in alerts[0][0]
    assert head(central) == before
    assert someone.xl.sheet(MAIN).cells == cells_before and someone.xl.sheet(MAIN).get(a) == "送られてはいけない"
    assert {x["func"] for x in someone.xl.actions} == set()       # no reply was applied


def test_a_revoked_token_stops_working_on_the_next_request(office, tmp_path):
    users: Users = office["users"]
    data = users.path.parent
    out = subprocess.run([sys.executable, "-m", "shinchoku", "serve", "token", "add", "tanaka", "--name", "田中 三郎",
                          "--email", "tanaka@city.example", "--department", "指導室", "--data", str(data)],
                         capture_output=True, text=True, env={**os.environ, "SHINCHOKU_CENTRAL": str(office["central"])})
    assert out.returncode == 0, out.stderr
    token = out.stdout.split()[-1] if "注意" not in out.stdout else next(
        w for w in out.stdout.split() if w.startswith("shk_"))
    assert token.startswith("shk_") and "tanaka は中央の records/access.yaml にまだ書かれていません" in out.stdout
    assert token not in users.path.read_text(encoding="utf-8")          # only its hash is kept
    tanaka = Desk(office["server"], office["book"], token)
    status, alerts = tanaka.press("check")
    assert status == 200 and alerts[0][0].startswith("エラーはありません")
    done = subprocess.run([sys.executable, "-m", "shinchoku", "serve", "token", "revoke", "tanaka", "--data", str(data)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "1件を使えなくしました" in done.stdout
    before = head(office["central"])
    tanaka.type("R2", 5, "指導室", "課題", "取り消し後")
    status, alerts = tanaka.press("push")
    assert status == 401 and "アクセスキーが正しくないか" in alerts[0][0]
    assert head(office["central"]) == before


# -- the buttons -------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_two_staff_on_one_record_both_land_under_their_own_names(office, client):
    central = office["central"]
    yamada, sato = desk(office, "yamada", client), desk(office, "sato", client)
    for d in (yamada, sato):
        status, alerts = d.press("pull")
        assert status == 200 and "最新の記録を取得しました" in alerts[0][0]
    yamada.type("R2", 5, "指導室", "課題", "地域人材の確保")
    sato.type("R2", 5, "児童青少年課", "備考", "年2回実施")
    assert yamada.press("push")[1][0][0] == "1件のセルを送信しました。"
    assert sato.press("push")[1][0][0] == "1件のセルを送信しました。"
    assert central_value(central, "R2", 5, "指導室", "課題") == "地域人材の確保"
    assert central_value(central, "R2", 5, "児童青少年課", "備考") == "年2回実施"
    assert sato.cell("R2", 5, "指導室", "課題") == "地域人材の確保"       # the reply refreshed the sheet
    log = git(central, "log", "--format=%an <%ae>|%s", "main")
    assert "山田 花子 <yamada@city.example>|R2 No.5 指導室: 課題 を更新" in log
    assert "佐藤 一郎 <sato@city.example>|R2 No.5 児童青少年課: 備考 を更新" in log
    used = {a["func"] for a in yamada.xl.actions + sato.xl.actions}
    assert used <= xlclient.implemented_actions(client) and {"setValues", "alert"} <= used


def test_the_same_cell_both_ways_is_a_conflict_with_both_values_kept(office):
    central = office["central"]
    yamada, sato = desk(office, "yamada"), desk(office, "sato", "Office.js")
    yamada.type("R2", 1, "協働推進課", "課題", "山田の課題")
    a = sato.type("R2", 1, "協働推進課", "課題", "佐藤の課題")
    assert yamada.press("push")[1][0][0] == "1件のセルを送信しました。"
    status, alerts = sato.press("push")
    assert status == 200 and "競合 1件" in alerts[0][0]
    assert central_value(central, "R2", 1, "協働推進課", "課題") == "山田の課題"
    assert sato.xl.sheet(MAIN).get(a) == "佐藤の課題"
    assert sato.xl.sheet(MAIN).colours[xlclient.cell_key(a)] == sm.CONFLICT_FILL
    rows = sato.xl.sheet(sm.CONFLICT_SHEET).values()
    row = dict(zip(rows[2], rows[3]))
    assert row["自分の値"] == "佐藤の課題" and row["相手の値"] == "山田の課題" and row["変更した人"] == "山田 花子"
    # 送信 again: overwrites on purpose
    assert sato.press("push")[1][0][0] == "1件のセルを送信しました。"
    assert central_value(central, "R2", 1, "協働推進課", "課題") == "佐藤の課題"


def test_an_invalid_status_is_listed_and_nothing_is_committed(office):
    central = office["central"]
    before = head(central)
    yamada = desk(office, "yamada")
    bad = yamada.type("R2", 5, "指導室", "進捗状況", "順調")
    status, alerts = yamada.press("check")
    assert status == 200 and "1件のエラーがあります" in alerts[0][0]
    status, alerts = yamada.press("push")
    assert "1件のエラーがあるため、送信しませんでした" in alerts[0][0]
    assert head(central) == before
    assert yamada.xl.sheet(MAIN).colours[xlclient.cell_key(bad)] == sm.ERROR_FILL
    assert yamada.xl.sheet(sm.ERROR_SHEET).values()[3][0] == bad


def test_another_departments_cell_is_refused_for_the_signed_in_user_and_edits_stay(office):
    central = office["central"]
    before = head(central)
    sato = desk(office, "sato")
    other = sato.type("R2", 5, "指導室", "課題", "よその課の課題")     # 佐藤 may not change 指導室
    mine = sato.type("R2", 5, "児童青少年課", "課題", "自分の課の課題")
    status, alerts = sato.press("push")
    assert status == 200 and alerts[0][2] == "critical"
    assert "sato さんは「指導室」の報告を変更できません" in alerts[0][0]
    assert head(central) == before
    assert sato.xl.sheet(MAIN).get(other) == "よその課の課題" and sato.xl.sheet(MAIN).get(mine) == "自分の課の課題"
    assert sato.xl.sheet(MAIN).colours[xlclient.cell_key(other)] == sm.ERROR_FILL


def test_a_closed_year_is_refused_by_the_server(office, tmp_path):
    central = office["central"]
    yamada = desk(office, "yamada")
    a = yamada.type("R2", 5, "指導室", "課題", "締切後の変更")
    # meanwhile the coordinator closes R2
    coord = tmp_path / "coord"
    git(tmp_path, "clone", "-q", str(central), str(coord))
    plan = (coord / "records" / "plan.yaml").read_text(encoding="utf-8")
    (coord / "records" / "plan.yaml").write_text(plan.replace("年度: R2\n    西暦: 2020\n    状態: 受付中",
                                                              "年度: R2\n    西暦: 2020\n    状態: 締切"),
                                                 encoding="utf-8")
    assert "状態: 締切" in (coord / "records" / "plan.yaml").read_text(encoding="utf-8")
    git(coord, "commit", "-q", "-am", "R2 を締め切り", who=COORD)
    git(coord, "push", "-q", "origin", "main", user="kyodo")
    before = head(central)
    status, alerts = yamada.press("push")
    assert status == 200 and alerts[0][2] == "critical" and "締め切られています" in alerts[0][0]
    assert head(central) == before and yamada.xl.sheet(MAIN).get(a) == "締切後の変更"


def test_history_after_edits_by_two_people(office):
    yamada, sato = desk(office, "yamada"), desk(office, "sato", "Office.js")
    yamada.type("R2", 1, "協働推進課", "課題", "一回目")
    yamada.press("push")
    sato.press("pull")
    a = sato.type("R2", 1, "協働推進課", "課題", "二回目")
    sato.press("push")
    sato.xl.select(MAIN, a)
    status, _alerts = sato.press("history")
    assert status == 200
    rows = sato.xl.sheet(sm.HISTORY_SHEET).values()
    assert rows[0][0] == "R2 No.1 協働推進課 課題 の履歴（新しい順）"
    body = [(r[1], r[2], r[3]) for r in rows[3:] if r[0]]
    assert body[:2] == [("佐藤 一郎", "一回目", "二回目"), ("山田 花子", "参加者が少ない。", "一回目")]


def test_review_for_the_coordinator(office):
    yamada = desk(office, "yamada")
    yamada.type("R2", 5, "指導室", "課題", "確認してほしい")
    yamada.press("push")
    status, _ = yamada.press("review")
    assert status == 200
    rows = yamada.xl.sheet(sm.REVIEW_SHEET).values()
    assert any("確認してほしい" in [str(v) for v in r] for r in rows)


# -- failures and load -------------------------------------------------------------------


def test_server_killed_in_the_middle_of_a_send_leaves_nothing_half_written(office):
    central = office["central"]
    server = Server(office["tmp"] / "data", central).start()      # a second process on the same data
    try:
        yamada = Desk(server, office["book"], office["tokens"]["yamada"])
        yamada.type("R2", 5, "指導室", "課題", "途中で止まった送信")
        before = head(central)
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            pending = ex.submit(yamada.press, "push")
            deadline = time.monotonic() + 60
            # kill while the central repository's hook is checking the push (its quarantine exists)
            while time.monotonic() < deadline and not list((central / "objects").glob("*incoming-*")):
                time.sleep(0.005)
            assert list((central / "objects").glob("*incoming-*")), "the push never reached the hook"
            server.kill()
            status, alerts = pending.result()
        assert status != 200 or not alerts or "送信しました" not in alerts[0][0]
        assert head(central) == before
        with Store(central) as s:
            assert s._git("fsck", "--connectivity-only") is not None
    finally:
        server.stop()
    restarted = Server(office["tmp"] / "data", central).start()
    try:
        yamada.server = restarted
        status, alerts = yamada.press("push")
        assert status == 200 and alerts[0][0] == "1件のセルを送信しました。"
        assert central_value(central, "R2", 5, "指導室", "課題") == "途中で止まった送信"
    finally:
        restarted.stop()


def test_twenty_staff_sending_at_once_every_edit_lands_or_is_a_conflict(office):
    central = office["central"]
    cells = [(no, dept, field) for no, dept in ((1, "協働推進課"), (5, "指導室"), (5, "児童青少年課"),
                                                  (9, "産業振興課"), (9, "協働推進課"))
             for field in ("課題", "備考", "次年度へ向けた取組", "実績")]
    desks = [desk(office, u) for u in CROWD]
    made = []
    for i, d in enumerate(desks):
        no, dept, field = cells[i if i < 19 else 0]          # the last one edits the first one's cell
        value = f"{CROWD[i]} の値"
        d.type("R2", no, dept, field, value)
        made.append(((no, dept, field), value))
    with concurrent.futures.ThreadPoolExecutor(len(desks)) as ex:
        results = list(ex.map(lambda d: d.press("push"), desks))
    landed = conflicts = 0
    for ((no, dept, field), value), (status, alerts) in zip(made, results):
        assert status == 200, alerts
        text = alerts[0][0]
        if central_value(central, "R2", no, dept, field) == value:
            landed += 1
            assert "1件のセルを送信しました" in text
        else:
            assert "競合 1件" in text, text
            conflicts += 1
    assert landed + conflicts == 20 and landed == 19 and conflicts == 1


def test_health_and_manifest(office):
    url = office["server"].url
    with urllib.request.urlopen(url + "/health") as r:
        body = json.loads(r.read())
    assert body["status"] == "ok" and body["central"] == head(office["central"])
    with urllib.request.urlopen(url + "/manifest.xml") as r:
        manifest = r.read().decode("utf-8")
    assert "進捗管理" in manifest


def test_every_addin_button_is_a_server_script(office):
    from shinchoku import addin
    from shinchoku.xlserver.buttons import BUTTONS

    with urllib.request.urlopen(office["server"].url + "/xlwings/custom-scripts-meta.json") as r:
        meta = json.loads(r.read())
    assert {m["function_name"] for m in meta} == set(addin.BUTTONS) == {b.id for b in BUTTONS}
    customui = (Path(__file__).resolve().parents[1] / "addin" / "customUI.xml").read_text(encoding="utf-8")
    import re

    assert set(re.findall(r'<button id="(\w+)"', customui)) == set(addin.BUTTONS)


def test_the_manifest_names_the_tab_the_buttons_and_the_task_pane(office):
    """What `office-addin-manifest validate` would need Microsoft's online service for is
    not reachable here; these are the checks that can be made offline: well-formed XML of
    the add-in manifest schema's namespaces, every resid defined, Office's length limits
    (ShortString 125, LongString 250), one ExecuteFunction per server script."""
    import xml.etree.ElementTree as ET

    from shinchoku.xlserver.buttons import BUTTONS

    with urllib.request.urlopen(office["server"].url + "/manifest.xml") as r:
        root = ET.fromstring(r.read())
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
          "ov": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
          "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0"}
    assert root.find("o:DisplayName", ns).get("DefaultValue") == "進捗管理"
    assert root.find("o:DefaultLocale", ns).text == "ja-JP"
    short = {s.get("id"): s.get("DefaultValue") for s in root.iterfind(".//bt:ShortStrings/bt:String", ns)}
    long_ = {s.get("id"): s.get("DefaultValue") for s in root.iterfind(".//bt:LongStrings/bt:String", ns)}
    urls = {u.get("id") for u in root.iterfind(".//bt:Urls/bt:Url", ns)}
    images = {i.get("id") for i in root.iterfind(".//bt:Images/bt:Image", ns)}
    assert all(len(v) <= 125 for v in short.values()) and all(len(v) <= 250 for v in long_.values())
    for el in root.iter():
        resid = el.get("resid")
        if resid:
            assert resid in short or resid in long_ or resid in urls or resid in images, resid
    tab = root.find(".//ov:CustomTab", ns)
    assert short[tab.find("ov:Label", ns).get("resid")] == "進捗管理"
    functions = [f.text for f in root.iterfind(".//ov:Action/ov:FunctionName", ns)]
    assert functions == [b.id for b in BUTTONS if b.group == "staff"] + [b.id for b in BUTTONS if b.group == "coordinator"]
    labels = {c.get("id"): short[c.find("ov:Label", ns).get("resid")] for c in root.iterfind(".//ov:Control", ns)}
    assert labels["shinchoku_push"] == "送信" and labels["ShinchokuTaskpane"] == "作業ウィンドウ"
    ids = [c.get("id") for c in root.iter() if c.get("id") and c.tag.endswith(("Control", "Group", "CustomTab"))]
    assert len(ids) == len(set(ids))


def test_a_reply_never_writes_the_locked_heading_rows_between_two_changed_rows(office):
    """Changes on both sides of a 推進方策 heading (No.5 and No.9) come back in one 取得:
    the reply writes the data rows only (a write into the locked heading row is Excel's
    error 1004 on the protected sheet, which the client raises)."""
    sato, yamada = desk(office, "sato"), desk(office, "yamada")
    sato.type("R2", 5, "児童青少年課", "備考", "見出しの上")
    sato.type("R2", 9, "産業振興課", "備考", "見出しの下")
    assert sato.press("push")[1][0][0] == "2件のセルを送信しました。"
    status, alerts = yamada.press("pull")
    assert status == 200 and "2件のセルを更新しました" in alerts[0][0]
    assert yamada.cell("R2", 5, "児童青少年課", "備考") == "見出しの上"
    assert yamada.cell("R2", 9, "産業振興課", "備考") == "見出しの下"
