"""The coordinator's review in words: the terminal's text, the HTML page, the add-in's rows.

Renders a :class:`shinchoku.sharing.review.Review` (what :func:`shinchoku.sharing.review.collect`
found: field changes, each a :class:`shinchoku.model.fields.FieldChange` with its commit)
grouped by department and initiative, a long text as a word diff
(:mod:`shinchoku.publish.diffwords`); and the words a revert records in its commit
(:func:`revert_note`, read back by :func:`revert_reason`).  Reads only what it is given:
it imports neither the store nor the sharing layer (the layers keep publish and sharing
apart).
"""

from __future__ import annotations

import datetime as _dt
import json
from html import escape
from typing import Any, Protocol

from shinchoku.model.fields import Commit, FieldChange
from shinchoku.publish import diffwords

EMPTY = "（空欄）"


class Review(Protocol):
    """What this module reads of a :class:`shinchoku.sharing.review.Review`."""

    base: str | None                 # the tag, ref or date the review starts after
    base_commit: str | None
    changes: list[FieldChange]
    plan_commits: list[Commit]
    commits: list[Commit]
    compared: str

    @property
    def base_is_tag(self) -> bool: ...

    @property
    def authors(self) -> list[str]: ...

    def groups(self) -> list[tuple[str, list[tuple[int, str, list[FieldChange]]]]]: ...


def revert_note(commit: Commit, note: str) -> str:
    """The reason recorded with a revert (Japanese, for history)."""
    return (f"取り消し: {commit.short}（{commit.author}、{commit.when_text}「{commit.subject}」）\n\n"
            f"理由: {note.strip()}\n\n取り消したコミット: {commit.sha}")


# ----------------------------------------------------------------------------- text


def _value(v: str | None) -> str:
    return EMPTY if v in (None, "") else v


def describe_base(review: Review) -> str:
    if review.base is None and review.base_commit:
        return (f"確認済みの印（reviewed/…）がまだないため、記録リポジトリの作成（{review.base_commit[:7]}）"
                "以降の変更")
    if review.base is None:
        return "確認済みの印（reviewed/…）がまだないため、最初からの変更"
    if review.base_commit and review.base_is_tag:
        return f"前回の確認 {review.base}（{review.base_commit[:7]}）以降の変更"
    if review.base_commit and review.base_commit.startswith(review.base):
        return f"{review.base_commit[:7]} 以降の変更"
    if review.base_commit:
        return f"{review.base}（{review.base_commit[:7]}）以降の変更"
    return f"{review.base} 以降の変更"


def revert_reason(body: str) -> str | None:
    """The reason a revert commit (:func:`revert_note`) records, or None."""
    for line in (body or "").splitlines():
        if line.startswith("理由: "):
            return line[len("理由: "):].strip()
    return None


def base_text(review: Review) -> str:
    """Where the comparison starts, for 「…から比べました」."""
    if review.base is None:
        return f"記録リポジトリの作成（{review.base_commit[:7]}）" if review.base_commit else "最初"
    if review.base_commit and not review.base_commit.startswith(review.base):
        return f"{review.base}（{review.base_commit[:7]}）"
    return review.base[:7] if review.base_commit else review.base


def summary_line(review: Review) -> str:
    return (f"{describe_base(review)}: {len(review.changes)}件"
            f"（コミット {len(review.commits)}件、{len(review.authors)}人）")


def render_text(review: Review, color: bool = False) -> str:
    lines = [summary_line(review), *([review.compared] if review.compared else []), ""]
    if not review.changes and not review.plan_commits:
        lines.append("変更はありません。")
        return "\n".join(lines) + "\n"
    for dept, items in review.groups():
        lines.append(f"■ {dept}")
        for no, name, changes in items:
            lines.append(f"  No {no} {name}")
            for c in changes:
                lines.append(f"    {c.year} {c.field} ─ {c.commit.author}  {c.commit.when_text}  {c.commit.short}")
                reason = revert_reason(c.commit.body)
                if reason:
                    lines.append(f"      取り消しの理由: {reason}")
                long = diffwords.is_long(c.before, c.after)
                pieces = diffwords.edit(c.before, c.after) if long else None
                if long and pieces is None:             # rewritten: before and after whole
                    for label, text in (("変更前", c.before), ("変更後", c.after)):
                        body = (text or "").split("\n")
                        lines.append(f"      {label}: {body[0]}")
                        lines.extend(f"              {ln}" for ln in body[1:])
                elif pieces is not None:
                    text = diffwords.render_text(diffwords.context(pieces, 30), color)
                    lines.extend("      " + ln for ln in text.split("\n"))
                else:
                    lines.append(f"      {_value(c.before)} → {_value(c.after)}".replace("\n", "↵"))
        lines.append("")
    if review.plan_commits:
        lines.append("■ 計画（plan.yaml）の変更")
        for c in review.plan_commits:
            lines.append(f"    {c.author}  {c.when_text}  {c.short}  {c.subject}")
        lines.append("")
    lines.append("承認するには: shinchoku review --approve    1件を取り消すには: shinchoku review --revert コミット --note 理由")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- HTML

CSS = """
body{font-family:"Yu Gothic UI","Meiryo","Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f4e79;color:#fff;padding:12px 24px;position:sticky;top:0;z-index:2}
header h1{font-size:19px;margin:0}
header p{margin:4px 0 0;font-size:13px;opacity:.92}
.bar{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin-top:8px;font-size:13px}
.bar select,.bar button{font:inherit;padding:2px 6px}
main{padding:14px 24px;max-width:1200px}
section.dept{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 16px 12px;margin-bottom:14px}
section.dept h2{font-size:17px;margin:6px 0;border-left:5px solid #1f4e79;padding-left:8px}
.count{font-size:13px;color:#555;font-weight:normal}
h3{font-size:14px;margin:12px 0 4px;color:#1f4e79}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #d7dce2;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#eef3f8;white-space:nowrap;font-weight:normal;color:#333}
td.meta{white-space:nowrap;width:1%}
td.who{white-space:nowrap;width:1%}
td.who small,td.meta small{color:#666}
code{font-family:Consolas,"Courier New",monospace;font-size:12px}
.diff{white-space:pre-wrap;line-height:1.6}
del{background:#ffd7d5;color:#8b1a13;text-decoration:line-through}
ins{background:#d4f7d9;color:#0b5d1e;text-decoration:none}
.empty{color:#888}
.rewritten del,.rewritten ins{display:block;padding:2px 4px}
.arrow{font-size:12px;color:#666;margin:2px 0}
details summary{cursor:pointer;color:#1f4e79;font-size:12px;margin-top:4px}
.full{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:6px}
.full div{border:1px solid #e1e4e8;border-radius:4px;padding:6px 8px;white-space:pre-wrap;background:#fbfbfc}
.full b{display:block;font-size:12px;color:#555;margin-bottom:2px}
.plan{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 16px;margin-bottom:14px}
.none{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px}
.hint{font-size:12px;color:#555}
@media print{header{position:static}details{display:block}}
"""

JS = """
(function(){
  var sel=document.getElementById('dept');
  function apply(){
    var v=sel.value, shown=0;
    document.querySelectorAll('section.dept').forEach(function(s){
      var on=(v==='' || s.getAttribute('data-dept')===v);
      s.hidden=!on; if(on){shown+=Number(s.getAttribute('data-count'));}
    });
    document.getElementById('shown').textContent=shown;
  }
  sel.addEventListener('change',function(){
    history.replaceState(null,'',sel.value?'#dept='+encodeURIComponent(sel.value):'#');
    apply();
  });
  var m=/^#dept=(.*)$/.exec(location.hash);
  if(m){var want=decodeURIComponent(m[1]);
    for(var i=0;i<sel.options.length;i++){if(sel.options[i].value===want){sel.value=want;}}}
  document.getElementById('open-all').addEventListener('click',function(){
    document.querySelectorAll('details').forEach(function(d){d.open=true;});
  });
  document.getElementById('close-all').addEventListener('click',function(){
    document.querySelectorAll('details').forEach(function(d){d.open=false;});
  });
  apply();
})();
"""


def _diff_html(before: str | None, after: str | None) -> str:
    if not diffwords.is_long(before, after):
        b = f'<span class="empty">{EMPTY}</span>' if before in (None, "") else f"<del>{escape(before)}</del>"
        a = f'<span class="empty">{EMPTY}</span>' if after in (None, "") else f"<ins>{escape(after)}</ins>"
        return f'<div class="diff">{b} → {a}</div>'
    pieces = diffwords.edit(before, after)
    if pieces is None:
        return (f'<div class="diff rewritten"><del>{escape(before or "")}</del>'
                f'<div class="arrow">↓ 書き換え</div><ins>{escape(after or "")}</ins></div>')
    pieces = diffwords.context(pieces, 40)
    out = []
    for p in pieces:
        if p.op == diffwords.EQUAL:
            out.append(escape(p.text))
        elif p.op == diffwords.DELETE:
            out.append(f"<del>{escape(p.text)}</del>")
        else:
            out.append(f"<ins>{escape(p.text)}</ins>")
    return f'<div class="diff">{"".join(out)}</div>'


def _full_html(before: str | None, after: str | None) -> str:
    def box(title: str, text: str | None) -> str:
        body = escape(text) if text else f'<span class="empty">{EMPTY}</span>'
        return f"<div><b>{title}</b>{body}</div>"
    return ("<details><summary>全文を見る</summary><div class=\"full\">"
            + box("変更前", before) + box("変更後", after) + "</div></details>")


def render_html(review: Review, title: str = "変更確認", generated: _dt.datetime | None = None) -> str:
    when = (generated or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    groups = review.groups()
    options = "".join(
        f'<option value="{escape(d)}">{escape(d)}（{sum(len(c) for _n, _t, c in items)}件）</option>'
        for d, items in groups)
    h = [
        "<!DOCTYPE html>", '<html lang="ja">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}（{escape(when)}）</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<header><h1>{escape(title)}</h1><p>{escape(summary_line(review))}　作成 {escape(when)}</p>",
        f"<p>{escape(review.compared)}</p>" if review.compared else "",
        '<div class="bar"><label>主管課: <select id="dept"><option value="">すべて</option>'
        f"{options}</select></label>"
        f'<span>表示中 <b id="shown">{len(review.changes)}</b> 件</span>'
        '<button type="button" id="open-all">全文をすべて開く</button>'
        '<button type="button" id="close-all">すべて閉じる</button></div></header>',
        "<main>",
    ]
    if not review.changes and not review.plan_commits:
        h.append('<div class="none">変更はありません。</div>')
    for dept, items in groups:
        count = sum(len(c) for _n, _t, c in items)
        h.append(f'<section class="dept" data-dept="{escape(dept)}" data-count="{count}">'
                 f'<h2>{escape(dept)} <span class="count">{count}件</span></h2>')
        for no, name, changes in items:
            h.append(f"<h3>No {no} {escape(name)}</h3>")
            h.append("<table><thead><tr><th>年度・項目</th><th>変更前 → 変更後</th><th>だれが・いつ</th></tr></thead><tbody>")
            for c in changes:
                h.append(
                    f'<tr class="change" data-commit="{c.commit.sha}">'
                    f'<td class="meta">{escape(c.year)}<br><b>{escape(c.field)}</b></td>'
                    f"<td>{_diff_html(c.before, c.after)}"
                    f"{_full_html(c.before, c.after) if diffwords.is_long(c.before, c.after) else ''}</td>"
                    f'<td class="who" title="{escape(c.commit.email)}">{escape(c.commit.author)}<br>'
                    f"<small>{escape(c.commit.when_text)}</small><br>"
                    f'<small>コミット <code title="{escape(c.commit.subject)}">{c.commit.short}</code></small>'
                    + (f'<br><small class="reason">取り消しの理由: {escape(revert_reason(c.commit.body) or "")}</small>'
                       if revert_reason(c.commit.body) else "") + "</td></tr>")
            h.append("</tbody></table>")
        h.append("</section>")
    if review.plan_commits:
        h.append('<div class="plan"><h2>計画（plan.yaml）の変更</h2><table><tbody>')
        for c in review.plan_commits:
            h.append(f"<tr><td class=\"who\">{escape(c.author)}</td><td class=\"meta\">{escape(c.when_text)}</td>"
                     f"<td><code>{c.short}</code></td><td>{escape(c.subject)}</td></tr>")
        h.append("</tbody></table></div>")
    h.append('<p class="hint">承認するには <code>shinchoku review --approve</code>、1件を取り消すには '
             "<code>shinchoku review --revert コミット --note 理由</code> を実行します。</p>")
    h.append("</main>")
    h.append(f"<script>{JS}</script>")
    h.append("</body></html>")
    return "\n".join(h) + "\n"


ROW_KEYS = ["主管課", "No", "施策名", "年度", "項目", "変更前", "変更後", "変更者", "日時", "コミット", "コミットの説明"]


def rows(review: Review) -> list[dict[str, Any]]:
    """The changes as flat rows in review order (department, initiative, oldest first):
    what the add-in's 変更確認 sheet lists, one row per change."""
    return [
        {"主管課": c.department, "No": c.no, "施策名": name, "年度": c.year, "項目": c.field,
         "変更前": c.before, "変更後": c.after, "変更者": c.commit.author,
         "日時": c.commit.when.isoformat(), "コミット": c.commit.sha, "コミットの説明": _described(c.commit)}
        for _d, items in review.groups() for _n, name, cs in items for c in cs]


def _described(commit: Commit) -> str:
    reason = revert_reason(commit.body)
    return f"{commit.subject}（理由: {reason}）" if reason else commit.subject


def to_json(review: Review) -> str:
    """The changes as JSON (for the add-in and other tools)."""
    return json.dumps(rows(review), ensure_ascii=False, indent=1)
