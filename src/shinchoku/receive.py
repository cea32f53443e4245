"""The pre-receive check on the central repository: every pushed commit, and who pushed it.

Git runs ``hooks/pre-receive`` in the bare repository with one ``old new ref`` line per
updated ref on stdin, before any ref moves; a non-zero exit refuses the whole push and
leaves the repository exactly as it was.  For every commit the push brings:

* **validation** – each file the commit changed is checked like ``shinchoku check
  --canonical`` would (schema from that commit's ``schema/``, records against that
  commit's ``plan.yaml``, canonical form); changed schema files must be valid schemas;
* **access** – when the server's current tree has ``records/access.yaml`` (see
  :mod:`shinchoku.access`): staff may change only the reports of their own departments
  and only in open (受付中) years; everything else is for coordinators.  A merge commit
  counts as changing a field only when the merged value differs from every parent.

Ref rules (with access rules): branch deletion, rewriting a branch (non-fast-forward) and
``reviewed/*`` tags are for coordinators; staff may push branches only.

The pusher is named by the server in the environment (``GL_USERNAME``, ``GITEA_PUSHER_NAME``,
``REMOTE_USER``; ``git config shinchoku.pusherEnv`` to choose).  All git goes through
:class:`shinchoku.store.Store`; blobs come through its long-lived ``cat-file`` process.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, TextIO

from . import access as access_mod
from . import fielddiff, records, validate, yamlio
from .plan import Plan, load_cached
from .store import GitError, Store
from .validate import Problem

PUSHER_ENV = ("GL_USERNAME", "GITEA_PUSHER_NAME", "REMOTE_USER")
PLAN_RELPATH = validate.PLAN_RELPATH
ACCESS_RELPATH = access_mod.ACCESS_RELPATH
REVIEWED_TAGS = "refs/tags/reviewed/"
BRANCHES = "refs/heads/"


def _zero(sha: str) -> bool:
    return not sha.strip("0")


@dataclass(frozen=True)
class Update:
    old: str
    new: str
    ref: str

    @property
    def short_ref(self) -> str:
        for prefix in (BRANCHES, "refs/tags/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix):]
        return self.ref


@dataclass(frozen=True)
class Commit:
    sha: str
    short: str
    subject: str

    def heading(self) -> str:
        return f"コミット {self.short}「{self.subject}」"


@dataclass(frozen=True)
class Change:
    """One path a commit changed: its blob in each parent (zero: absent) and in the commit."""
    path: str
    parents: tuple[str, ...]
    new: str

    @property
    def deleted(self) -> bool:
        return _zero(self.new)


@dataclass
class Policy:
    """The rules in force for one update: from the server's current tree."""
    rules: access_mod.Access | None
    plan: Plan | None
    problems: list[Problem] = field(default_factory=list)   # the access file itself is broken


def read_updates(stdin: Iterable[str]) -> list[Update]:
    out = []
    for line in stdin:
        parts = line.split()
        if len(parts) == 3:
            out.append(Update(*parts))
    return out


def pusher(store: Store, environ: dict[str, str]) -> tuple[str | None, tuple[str, ...]]:
    """(user name or None, the variables looked at)."""
    configured = store.config("shinchoku.pusherEnv").replace(",", " ").split()
    names = tuple(configured) or PUSHER_ENV
    for name in names:
        value = (environ.get(name) or "").strip()
        if value:
            return value, names
    return None, names


class Receive:
    """Checks one push; :meth:`run` returns the problems grouped by heading."""

    def __init__(self, store: Store, updates: list[Update], user: str | None, tmp: Path):
        self.store = store
        self.updates = updates
        self.user = user
        self.tmp = tmp
        self._checkers: dict[tuple[str | None, str | None], validate.Checker] = {}
        self._schema_roots: dict[str, Path | None] = {}
        self._policies: dict[str, Policy] = {}
        self._server_head = self._default_tip()

    # -- the rules in force ----------------------------------------------------------------
    def _default_tip(self) -> str | None:
        """The tip of the server's default branch as it is now (HEAD; if HEAD names no
        branch, main, master or else the first branch); None for an empty repository."""
        head = self.store.rev("HEAD")
        if head:
            return head
        branches = [b for b in self.store.git("for-each-ref", "--format=%(refname)", BRANCHES).split() if b]
        for name in (f"{BRANCHES}main", f"{BRANCHES}master", *branches):
            if name in branches:
                return self.store.rev(name)
        return None

    def policy_rev(self, update: Update) -> str | None:
        """Whose tree holds the rules: the server's current default branch (for a push to
        main, its old tip); only for the very first push, what is being pushed."""
        if self._server_head:
            return self._server_head
        return None if _zero(update.new) else update.new

    def policy(self, rev: str | None) -> Policy:
        key = rev or ""
        if key in self._policies:
            return self._policies[key]
        plan = rules = None
        problems: list[Problem] = []
        if rev:
            plan_raw = self.store.read_blob(rev, PLAN_RELPATH)
            if plan_raw is not None:
                try:
                    plan = load_cached(plan_raw, self.store.cache_dir()).or_none()
                except yamlio.YamlError:
                    plan = None
            raw = self.store.read_blob(rev, ACCESS_RELPATH)
            if raw is not None:
                try:
                    rules = access_mod.parse(raw)
                except access_mod.AccessError as exc:
                    problems = exc.problems
                    rules = access_mod.Access()        # nobody: refuse until it is repaired
        self._policies[key] = Policy(rules, plan, problems)
        return self._policies[key]

    # -- what the push brings ----------------------------------------------------------------
    def new_commits(self, update: Update, seen: set[str]) -> list[Commit]:
        if _zero(update.new):
            return []
        out = self.store.git("log", "--topo-order", "--reverse", "--format=%H%x1f%h%x1f%s",
                             update.new, "--not", "--all")
        commits = []
        for line in out.splitlines():
            sha, short, subject = line.split("\x1f", 2)
            if sha not in seen:
                seen.add(sha)
                commits.append(Commit(sha, short, subject))
        return commits

    def changes(self, commits: list[Commit]) -> dict[str, list[Change]]:
        """{commit: paths it changed}, from one ``git diff-tree --stdin``.

        ``-c`` lists, for a merge, only the paths that differ from every parent."""
        if not commits:
            return {}
        data = "".join(f"{c.sha}\n" for c in commits).encode()
        out = self.store.git("diff-tree", "--stdin", "-r", "-c", "--root", "-z", "--no-renames",
                             input=data, raw=True).decode("utf-8", "surrogateescape")
        result: dict[str, list[Change]] = {}
        tokens = out.split("\0")
        current: list[Change] | None = None
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if not tok:
                i += 1
                continue
            if tok.startswith(":"):
                n = len(tok) - len(tok.lstrip(":"))
                fields = tok.lstrip(":").split()
                shas = fields[n + 1: 2 * n + 2]
                path = tokens[i + 1]
                if current is not None:
                    current.append(Change(path, tuple(shas[:n]), shas[n]))
                i += 2
            else:
                current = result.setdefault(tok.strip(), [])
                i += 1
        return result

    def checker(self, commit: Commit) -> validate.Checker:
        """The checker for one commit: its schema/ and its plan (cached by their blobs)."""
        plan_sha = self.store.object_id(f"{commit.sha}:{PLAN_RELPATH}")
        schema_sha = self.store.object_id(f"{commit.sha}:schema")
        key = (plan_sha, schema_sha)
        if key not in self._checkers:
            root = self.schema_root(schema_sha)
            plan = None
            if plan_sha:
                try:
                    plan = load_cached(self.store.read_object(plan_sha) or b"", self.store.cache_dir()).or_none()
                except yamlio.YamlError:
                    plan = None
            try:
                self._checkers[key] = validate.Checker(root, plan)
            except (ValueError, OSError, KeyError):
                self._checkers[key] = validate.Checker(None, plan)   # a broken schema is reported per file
        return self._checkers[key]

    def schema_root(self, tree: str | None) -> Path | None:
        """A folder whose ``schema/`` holds the schema files of ``tree`` (None: packaged)."""
        if not tree:
            return None
        if tree not in self._schema_roots:
            root = self.tmp / tree
            (root / "schema").mkdir(parents=True)
            for path, sha in self.store.tree_entries(tree, ".").items():
                if "/" not in path and path.endswith(".json"):
                    (root / "schema" / path).write_bytes(self.store.read_object(sha) or b"")
            ok = (root / "schema" / "record.schema.json").is_file()
            self._schema_roots[tree] = root if ok else None
        return self._schema_roots[tree]

    # -- the checks ---------------------------------------------------------------------------
    def run(self) -> dict[str, list[Problem]]:
        """{heading: problems}, in push order (empty: accept)."""
        found: dict[str, list[Problem]] = {}
        seen: set[str] = set()
        per_update = [(u, self.new_commits(u, seen)) for u in self.updates]
        changes = self.changes([c for _u, cs in per_update for c in cs])
        for update, commits in per_update:
            policy = self.policy(self.policy_rev(update))
            if policy.problems and f"{ACCESS_RELPATH}（サーバー上の現在の内容）" not in found:
                found.setdefault(f"{ACCESS_RELPATH}（サーバー上の現在の内容）", []).extend(policy.problems)
            ref_problem = self.ref_problem(update, policy)
            if ref_problem:
                found.setdefault(f"送信先 {update.ref}", []).append(Problem(update.ref, 0, "", ref_problem))
            for commit in commits:
                problems = self.commit_problems(commit, changes.get(commit.sha, []), policy)
                if problems:
                    found.setdefault(commit.heading(), []).extend(problems)
        return found

    def ref_problem(self, update: Update, policy: Policy) -> str | None:
        rules, user = policy.rules, self.user
        if rules is None or rules.is_coordinator(user):
            return None
        name = update.short_ref
        if update.ref.startswith(REVIEWED_TAGS):
            return f"確認済みの印（{name}）を付けたり消したりできるのは調整担当だけです"
        if not update.ref.startswith(BRANCHES):
            return f"{update.ref} は受け付けていません（送れるのはブランチだけです）"
        if _zero(update.new):
            return f"ブランチ {name} を削除できるのは調整担当だけです"
        if not _zero(update.old):
            ok, _ = self.store.try_git("merge-base", "--is-ancestor", update.old, update.new)
            if not ok:
                return (f"ブランチ {name} の履歴を書き換える送信（強制送信）はできません。"
                        "中央の変更を取り込んでから（git pull）送ってください")
        return None

    def commit_problems(self, commit: Commit, changes: list[Change], policy: Policy) -> list[Problem]:
        problems: list[Problem] = []
        checker = self.checker(commit) if changes else None
        staff_rules = policy.rules if policy.rules is not None and not policy.rules.is_coordinator(self.user) else None
        has_plan = None
        for ch in changes:
            content = None if ch.deleted else self.store.read_object(ch.new)
            if content is not None:
                if ch.path.startswith("schema/") and ch.path.endswith(".json"):
                    problems.extend(schema_problems(ch.path, content))
                else:
                    problems.extend(checker.check(ch.path, content, canonical=ch.path != ACCESS_RELPATH))
                if records.is_record_path(ch.path):
                    if has_plan is None:
                        has_plan = self.store.object_id(f"{commit.sha}:{PLAN_RELPATH}") is not None
                    if not has_plan:
                        problems.append(Problem(PLAN_RELPATH, 0, "", "計画ファイル（records/plan.yaml）がありません"))
            if staff_rules is not None:
                problems.extend(self.access_problems(ch, content, staff_rules, policy.plan))
        if checker is not None and any(ch.path == PLAN_RELPATH or ch.path.startswith("schema/")
                                       for ch in changes if not ch.deleted):
            problems.extend(self.unchanged_records(commit, {ch.path for ch in changes}, checker))
        return sorted(set(problems), key=lambda p: (p.path, p.line, p.field, p.message))

    def unchanged_records(self, commit: Commit, changed: set[str], checker: validate.Checker) -> list[Problem]:
        """A new plan or schema must still fit every record the commit did not touch
        (an initiative removed while its records remain, a department renamed …)."""
        entries = {p: sha for p, sha in self.store.tree_entries(commit.sha).items()
                   if records.is_record_path(p) and p not in changed}
        blobs = self.store.read_objects(entries.values())
        problems: list[Problem] = []
        for path, sha in entries.items():
            problems.extend(checker.check(path, blobs.get(sha, b"")))
        return problems

    def access_problems(self, ch: Change, content: bytes | None, rules: access_mod.Access,
                        plan: Plan | None) -> list[Problem]:
        """What a staff member (not a coordinator) may not change in this path."""
        user = self.user or ""
        path = ch.path
        if not records.is_record_path(path):
            return [Problem(path, 0, "", _only_coordinators(path))]
        if ch.deleted:
            return [Problem(path, 0, "", "記録のファイルを削除できるのは調整担当だけです")]
        if all(_zero(p) for p in ch.parents):
            return [Problem(path, 0, "", "記録のファイルを新しく作れるのは調整担当だけです"
                                         "（年度の受付を始めると、各課の記録が用意されます）")]
        new = records.mapping_or_none(content)
        olds = [None if _zero(p) else records.mapping_or_none(self.store.read_object(p)) for p in ch.parents]
        changed = changed_fields(olds, new)
        top = [k for k in _top_keys(olds, new) if k != "報告"]
        if not changed and not top:
            return []
        lines = _Lines(content)
        out: list[Problem] = []
        year = path.split("/")[1]
        y = plan.year(year) if plan is not None else None
        if y is None or not y.open:
            why = (f"{year}年度の受付は締め切られています（変更できるのは調整担当だけです）" if y is not None
                   else f"{year}年度は受付中の年度ではありません（変更できるのは調整担当だけです）")
            for fc in changed:
                out.append(Problem(path, lines.of(new, fc), fc.path, why))
            for key in top:
                out.append(Problem(path, lines.key(key), key, why))
            return out
        if not rules.knows(user):
            return [Problem(path, lines.of(new, fc), fc.path,
                            f"{user} さんは records/access.yaml に登録されていないため、報告を変更できません"
                            "（協働推進課の調整担当にご相談ください）") for fc in changed] + \
                   [Problem(path, lines.key(k), k, f"{user} さんは records/access.yaml に登録されていません") for k in top]
        mine = "・".join(rules.departments(user)) or "なし"
        for fc in changed:
            if not rules.may_edit(user, fc.department):
                out.append(Problem(path, lines.of(new, fc), fc.path,
                                   f"{user} さんは「{fc.department}」の報告を変更できません（変更できる課: {mine}）"))
        for key in top:
            out.append(Problem(path, lines.key(key), key, f"記録の「{key}」を変更できるのは調整担当だけです"))
        return out


def _only_coordinators(path: str) -> str:
    if path == PLAN_RELPATH:
        return "計画（plan.yaml）を変更できるのは調整担当だけです"
    if path == ACCESS_RELPATH:
        return "変更できる人の表（access.yaml）を変更できるのは調整担当だけです"
    if path.startswith("schema/"):
        return "スキーマ（schema/）を変更できるのは調整担当だけです"
    return "各課の報告（records/<年度>/<No>.yaml）以外のファイルを変更できるのは調整担当だけです"


def changed_fields(olds: list[dict | None], new: dict | None) -> list[fielddiff.FieldChange]:
    """Report fields of ``new`` that differ from every one of ``olds`` (the parents)."""
    if not olds:
        olds = [None]
    first = fielddiff.changes(olds[0], new)
    keep = {fc.path for fc in first}
    for old in olds[1:]:
        keep &= {fc.path for fc in fielddiff.changes(old, new)}
    return [fc for fc in first if fc.path in keep]


def _top_keys(olds: list[dict | None], new: dict | None) -> list[str]:
    """Keys outside the reports (No, 年度, …) whose value differs from every parent."""
    new = new or {}
    keys = list(dict.fromkeys([*new, *(k for o in olds if o for k in o)]))
    return [k for k in keys if all((o or {}).get(k) != new.get(k) for o in (olds or [None]))]


class _Lines:
    """Line numbers in the new version of a file, worked out only when needed."""

    def __init__(self, content: bytes | None):
        self.content = content
        self._root: Any = False

    def _node(self):
        if self._root is False:
            self._root = yamlio.compose(self.content.decode("utf-8", "replace")) if self.content else None
        return self._root

    def key(self, key: str) -> int:
        root = self._node()
        return yamlio.line_of(root, (key,)) if root is not None else 0

    def of(self, new: dict | None, fc: fielddiff.FieldChange) -> int:
        root = self._node()
        if root is None:
            return 0
        reports = (new or {}).get("報告") or []
        for index, report in enumerate(reports):
            if isinstance(report, dict) and report.get("主管課") == fc.department:
                return yamlio.line_of(root, ("報告", index, fc.field))
        return yamlio.line_of(root, ("報告",))


def schema_problems(path: str, content: bytes) -> list[Problem]:
    """A changed schema file must be JSON and a valid Draft 2020-12 schema."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        return [Problem(path, line, "", "JSON として読めません（スキーマを直してください）")]
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(data)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        return [Problem(path, 0, where, f"スキーマとして正しくありません（{exc.message}）")]
    return []


def report(found: dict[str, list[Problem]], user: str | None, out: TextIO) -> None:
    """One heading per commit (or ref), then one line per problem; a summary last."""
    total = sum(len(v) for v in found.values())
    for heading, problems in found.items():
        out.write(f"{heading}\n")
        for p in problems:
            out.write(f"  {p}\n")
    commits = sum(1 for h in found if h.startswith("コミット "))
    who = f"{user} さんからの" if user else ""
    scope = f"コミット{commits}件で" if commits else ""
    from .advice import server_closing

    closing = server_closing(p.message for problems in found.values() for p in problems)
    out.write(f"{who}送信を受け付けませんでした: {scope}{total}件の問題があります。{closing}\n")
    out.flush()


def main(stdin: TextIO, environ: dict[str, str] | None = None, out: TextIO | None = None) -> int:
    """The pre-receive hook: 0 accepts the push, 1 refuses it (with the reasons on stderr)."""
    environ = dict(os.environ if environ is None else environ)
    out = out or sys.stderr
    git_dir = Path(environ.get("GIT_DIR") or ".").resolve()
    updates = read_updates(stdin)
    if not updates:
        return 0
    try:
        store = Store(git_dir, bare=True)
    except GitError as exc:
        out.write(f"shinchoku: {exc.message}\n")
        return 1
    if out is sys.stderr and hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8", errors="replace")     # git relays the bytes as they are
    try:
        user, names = pusher(store, environ)
        with tempfile.TemporaryDirectory(prefix="shinchoku-receive-") as tmp:
            receive = Receive(store, updates, user, Path(tmp))
            if user is None and any(receive.policy(receive.policy_rev(u)).rules is not None for u in updates):
                out.write("送った人の利用者名が分からないため、受け付けませんでした"
                          f"（サーバーが {'・'.join(names)} のどれにも名前を渡していません）。"
                          "サーバーの管理者にご連絡ください\n")
                return 1
            found = receive.run()
    except GitError as exc:
        out.write(f"shinchoku: 送られてきた内容を確認できませんでした（{exc.message}）\n{exc.detail}\n")
        return 1
    except Exception as exc:  # noqa: BLE001 - refuse (never accept unchecked), and say why
        out.write("shinchoku: 送られてきた内容の確認中に予期しない問題が起きたため、受け付けませんでした"
                  f"（{type(exc).__name__}: {exc}）。サーバーの管理者にご連絡ください\n")
        return 1
    finally:
        store.close()
    if not found:
        return 0
    report(found, user, out)
    return 1
