"""The pre-receive check on the central repository: what a push does to main, and who pushed it.

Git runs ``hooks/pre-receive`` in the bare repository with one ``old new ref`` line per
updated ref on stdin, before any ref moves; a non-zero exit refuses the whole push and
leaves the repository exactly as it was.

* **what main becomes** – for an update of ``refs/heads/main`` the tree before (the old
  tip) and after (the new tip) are compared, whatever commits and merges lie between:
  every entry that differs must be a folder or a regular file with a safe name
  (:mod:`shinchoku.rules.treeshape`), every file that differs is validated like ``shinchoku check
  --canonical``, and the permission decision (:func:`shinchoku.rules.access.judge`: departments,
  closed years, coordinator-only files) is taken on that one change;
* **every commit new to the repository** – its own change (against its first parent)
  must hold only allowed tree entries, and the files it changed are validated with that
  commit's ``schema/`` and ``plan.yaml`` (for a merge: the files that differ from every
  parent), so that no commit in the history breaks a checkout or ``check``;
* **refs** – main cannot be deleted; staff may push main only (fast-forward), never
  another branch or tag; coordinators may push other refs (``reviewed/*`` tags …).

This module reads the push; every decision on who may do what (the pusher, the refs,
departments, closed years, coordinator-only files) is :mod:`shinchoku.rules.access`'s.

Rules come from the server's own main as it is before the push (``records/access.yaml``,
the plan's open years); only for the very first push from what is pushed.  A problem
found on main's change is reported under the newest pushed commit that made it.

The pusher is named by the server in the environment (``GL_USERNAME``, ``GITEA_PUSHER_NAME``,
``REMOTE_USER``; ``git config shinchoku.pusherEnv`` to choose).  All git goes through
:class:`shinchoku.store.Store`; blobs come through its long-lived ``cat-file`` process.
No temporary folder is made: the schema files of a pushed ``schema/`` are kept under the
repository's ``shinchoku/`` folder by their tree id (written under a per-process name and
renamed; leftovers of a killed hook are removed on the next run).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, TextIO

from shinchoku.model import records, yamlio
from shinchoku.model.fields import Commit
from shinchoku.model.plan import Plan, load_cached
from shinchoku.rules import access as access_mod
from shinchoku.rules import cycle, treeshape, validate
from shinchoku.rules.validate import Problem
from shinchoku.store import FileChange, GitError, Store

PUSHER_ENV = ("GL_USERNAME", "GITEA_PUSHER_NAME", "REMOTE_USER")
PLAN_RELPATH = validate.PLAN_RELPATH
ACCESS_RELPATH = access_mod.ACCESS_RELPATH
BRANCHES = access_mod.BRANCHES
MAIN = access_mod.MAIN
BLOB_MODES = (treeshape.REGULAR, treeshape.EXECUTABLE, treeshape.SYMLINK)


def _zero(sha: str) -> bool:
    return not sha.strip("0")


@dataclass(frozen=True)
class Update:
    old: str
    new: str
    ref: str


def commit_heading(commit: Commit) -> str:
    """How a problem's commit is named to the pusher (git's own abbreviation)."""
    return f"コミット {commit.short}「{commit.subject}」"


def _is_blob(ch: FileChange) -> bool:
    return ch.new_mode in BLOB_MODES


@dataclass
class Policy:
    """The rules in force for the push: from the server's main before it."""
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


def server_config(store: Store, key: str) -> str:
    """A setting of the server's repository itself (never one the pusher's environment adds)."""
    return store.local_config(key)


def pusher(store: Store, environ: dict[str, str]) -> tuple[str | None, tuple[str, ...]]:
    """(user name or None, the variables looked at)."""
    configured = server_config(store, "shinchoku.pusherEnv").replace(",", " ").split()
    names = tuple(configured) or PUSHER_ENV
    for name in names:
        value = (environ.get(name) or "").strip()
        if value:
            return value, names
    return None, names


class Receive:
    """Checks one push; :meth:`run` returns the problems grouped by heading."""

    def __init__(self, store: Store, updates: list[Update], user: str | None, cache: Path):
        self.store = store
        self.updates = updates
        self.user = user
        self.cache = cache                     # where schema folders are kept (see module doc)
        self.cache_dir = cache.parent          # the repository's shinchoku/ (parsed plans)
        self._checkers: dict[tuple[str | None, str | None], validate.Checker] = {}
        self._checked: dict[tuple[tuple[str | None, str | None], str, str], list[Problem]] = {}
        self._schema_roots: dict[str, Path | None] = {}
        self._policy: Policy | None = None
        self._ids: dict[str, str | None] = {}              # rev:path -> object id (None: absent)
        self._blobs: dict[str, bytes] = {}                 # blobs read ahead, by id
        self._parsed: dict[str, object] = {}               # blob id → its document, or the YamlError
        self._server_head = self.store.rev(MAIN) or self._default_tip()

    # -- the rules in force ----------------------------------------------------------------
    def _default_tip(self) -> str | None:
        """When the server has no main: the tip of HEAD, master or else the first branch;
        None for an empty repository."""
        head = self.store.rev("HEAD")
        if head:
            return head
        branches = self.store.refs(BRANCHES)
        for name in (f"{BRANCHES}master", *branches):
            if name in branches:
                return self.store.rev(name)
        return None

    def policy_rev(self) -> str | None:
        """Whose tree holds the rules: the server's main before the push; only for the
        very first push into an empty repository, what is pushed to main (else the first ref)."""
        if self._server_head:
            return self._server_head
        pushed = [u for u in self.updates if u.ref == MAIN and not _zero(u.new)] or \
                 [u for u in self.updates if not _zero(u.new)]
        return pushed[0].new if pushed else None

    def policy(self) -> Policy:
        if self._policy is not None:
            return self._policy
        rev = self.policy_rev()
        plan = rules = None
        problems: list[Problem] = []
        if rev:
            plan_raw = self.store.read_blob(rev, PLAN_RELPATH)
            if plan_raw is not None:
                try:
                    plan = load_cached(plan_raw, self.cache_dir).or_none()
                except yamlio.YamlError:
                    plan = None
            raw = self.store.read_blob(rev, ACCESS_RELPATH)
            if raw is not None:
                try:
                    rules = parse_access_cached(raw, self.cache)
                except access_mod.AccessError as exc:
                    problems = exc.problems
                    rules = access_mod.Access()        # nobody: refuse until it is repaired
        self._policy = Policy(rules, plan, problems)
        return self._policy

    def is_staff(self) -> bool:
        return access_mod.is_staff(self.policy().rules, self.user)

    # -- what the push brings ----------------------------------------------------------------
    def new_commits(self, update: Update, seen: set[str]) -> list[Commit]:
        """Commits ``update`` brings that the repository does not have yet, oldest first."""
        if _zero(update.new):
            return []
        commits = []
        for commit in self.store.log([update.new, "--not", "--all"], path=None, abbrev=True):
            if commit.sha not in seen:
                seen.add(commit.sha)
                commits.append(commit)
        return commits

    def changes(self, commits: list[Commit]) -> dict[str, list[FileChange]]:
        """{commit: paths it changed}, from one ``git diff-tree --stdin -c``: for a merge,
        only the paths that differ from every parent (what content checks need)."""
        return self.store.commits_changes([c.sha for c in commits], combined=True)

    def own_changes(self, commits: list[Commit]) -> dict[str, list[FileChange]]:
        """{commit: every entry, folders too, that differs from its first parent}: what the
        commit brings into the tree, and whom a change on main is attributed to."""
        return self.store.commits_changes([(c.sha, *c.parents[:1]) for c in commits], trees=True)

    def tree_change(self, old: str, new: str) -> list[FileChange]:
        """Every entry (folders too) that differs between two commits (old may be zero)."""
        return self.store.tree_diff(None if _zero(old) else old, new)

    def object_ids(self, specs: Iterable[str]) -> dict[str, str | None]:
        """``rev:path`` -> object id (None: absent), many at once through one
        ``cat-file --batch-check`` (remembered for the push)."""
        wanted = [s for s in dict.fromkeys(specs) if s not in self._ids]
        if wanted:
            self._ids.update(self.store.object_ids(wanted))
        return self._ids

    def object_id(self, spec: str) -> str | None:
        return self.object_ids([spec]).get(spec)

    def read_ahead(self, shas: Iterable[str]) -> None:
        """Read many blobs in one ``cat-file --batch`` (instead of one round trip each)."""
        wanted = [s for s in shas if not _zero(s) and s not in self._blobs]
        if wanted:
            self._blobs.update(self.store.read_objects(wanted))

    def blob(self, sha: str) -> bytes | None:
        if sha in self._blobs:
            return self._blobs[sha]
        return self.store.read_object(sha)

    def parsed(self, sha: str, content: bytes | None = None):
        """The document in blob ``sha`` (parsed once however many checks ask), or the
        :class:`~shinchoku.model.yamlio.YamlError` it cannot be read for."""
        if sha not in self._parsed:
            raw = content if content is not None else self.blob(sha)
            try:
                self._parsed[sha] = yamlio.load(raw or b"")
            except yamlio.YamlError as exc:
                self._parsed[sha] = exc
        return self._parsed[sha]

    def mapping(self, sha: str) -> dict | None:
        """The record in blob ``sha`` as a mapping; None when absent, unreadable or not one."""
        if _zero(sha):
            return None
        data = self.parsed(sha)
        return data if isinstance(data, dict) else None

    def checker(self, rev: str) -> tuple[tuple[str | None, str | None], validate.Checker]:
        """The checker for one commit: its schema/ and its plan (cached by their blobs)."""
        plan_sha = self.object_id(f"{rev}:{PLAN_RELPATH}")
        schema_sha = self.object_id(f"{rev}:schema")
        key = (plan_sha, schema_sha)
        if key not in self._checkers:
            root = self.schema_root(schema_sha)
            plan = None
            if plan_sha:
                try:
                    plan = load_cached(self.blob(plan_sha) or b"", self.cache_dir).or_none()
                except yamlio.YamlError:
                    plan = None
            try:
                self._checkers[key] = validate.Checker(root, plan)
            except (ValueError, OSError, KeyError):
                self._checkers[key] = validate.Checker(None, plan)   # a broken schema is reported per file
        return key, self._checkers[key]

    def schema_root(self, tree: str | None) -> Path | None:
        """A folder whose ``schema/`` holds the schema files of ``tree`` (None: packaged)."""
        if not tree:
            return None
        if tree not in self._schema_roots:
            self._schema_roots[tree] = schema_folder(self.store, self.cache, tree)
        return self._schema_roots[tree]

    def validated(self, rev: str, path: str, sha: str, content: bytes | None = None) -> list[Problem]:
        """Problems of blob ``sha`` at ``path`` in commit ``rev`` (each blob checked once per
        schema and plan, however many commits carry it)."""
        key, checker = self.checker(rev)
        memo = (key, path, sha)
        if memo not in self._checked:
            if content is None:
                content = self.blob(sha) or b""
            if path.startswith("schema/") and path.endswith(".json"):
                found = schema_problems(path, content)
            else:
                data = self.parsed(sha, content) if path.endswith(".yaml") else None
                found = checker.check(path, content, canonical=path != ACCESS_RELPATH,
                                      data=None if isinstance(data, yamlio.YamlError) else data)
            self._checked[memo] = found
        return self._checked[memo]

    # -- the checks ---------------------------------------------------------------------------
    def run(self) -> dict[str, list[Problem]]:
        """{heading: problems}, in push order (empty: accept)."""
        found: dict[str, list[Problem]] = {}
        policy = self.policy()
        if policy.problems:
            found[f"{ACCESS_RELPATH}（サーバー上の現在の内容）"] = list(policy.problems)
        seen: set[str] = set()
        per_update = [(u, self.new_commits(u, seen)) for u in self.updates]
        commits = [c for _u, cs in per_update for c in cs]
        combined = self.changes(commits)
        own = self.own_changes(commits)
        tips = [u.new for u in self.updates if not _zero(u.new)]
        self.object_ids(f"{rev}:{path}" for rev in [c.sha for c in commits] + tips
                        for path in (PLAN_RELPATH, "schema"))
        self.read_ahead(ch.after for chs in combined.values() for ch in chs if _is_blob(ch))
        reported: set[Problem] = set()
        for update, update_commits in per_update:
            ref_problem = self.ref_problem(update)
            if ref_problem:
                found.setdefault(f"送信先 {update.ref}", []).append(Problem(update.ref, 0, "", ref_problem))
            for commit in update_commits:
                problems = self.commit_problems(commit, combined.get(commit.sha, []), own.get(commit.sha, []))
                if problems:
                    found.setdefault(commit_heading(commit), []).extend(problems)
                    reported.update(problems)
        for update, update_commits in per_update:
            if update.ref != MAIN or _zero(update.new):
                continue
            for heading, problems in self.main_problems(update, update_commits, own, reported).items():
                into = found.setdefault(heading, [])
                into.extend(p for p in problems if p not in into)
        return {h: sorted(set(ps), key=lambda p: (p.path, p.line, p.field, p.message)) for h, ps in found.items()}

    def ref_problem(self, update: Update) -> str | None:
        return access_mod.ref_problem(self.policy().rules, self.user, update.ref, old=update.old, new=update.new,
                                      fast_forward=lambda: self.store.is_ancestor(update.old, update.new))

    def commit_problems(self, commit: Commit, changes: list[FileChange], own: list[FileChange]) -> list[Problem]:
        """A commit's own problems: the tree entries it brings, the content of what it changed."""
        problems: list[Problem] = []
        misshapen = set()
        for ch in own:
            if not ch.deleted:
                why = treeshape.entry_problem(ch.path, ch.new_mode)
                if why:
                    problems.append(Problem(ch.path, 0, "", why))
                    misshapen.add(ch.path)
        has_plan = None
        blobs = [ch for ch in changes if not ch.deleted and _is_blob(ch) and ch.path not in misshapen]
        for ch in blobs:
            problems.extend(self.validated(commit.sha, ch.path, ch.after))
            if records.is_record_path(ch.path):
                if has_plan is None:
                    has_plan = self.object_id(f"{commit.sha}:{PLAN_RELPATH}") is not None
                if not has_plan:
                    problems.append(Problem(PLAN_RELPATH, 0, "", "計画ファイル（records/plan.yaml）がありません"))
        if any(ch.path == PLAN_RELPATH or ch.path.startswith("schema/") for ch in blobs):
            problems.extend(self.unchanged_records(commit.sha, {ch.path for ch in changes}))
        return sorted(set(problems), key=lambda p: (p.path, p.line, p.field, p.message))

    def unchanged_records(self, rev: str, changed: set[str]) -> list[Problem]:
        """A new plan or schema must still fit every record the change did not touch
        (an initiative removed while its records remain, a department renamed …)."""
        entries = {p: sha for p, sha in self.store.tree_entries(rev).items()
                   if records.is_record_path(p) and p not in changed}
        _key, checker = self.checker(rev)
        unread = [sha for p, sha in entries.items() if (_key, p, sha) not in self._checked]
        blobs = self.store.read_objects(unread)
        problems: list[Problem] = []
        for path, sha in entries.items():
            problems.extend(self.validated(rev, path, sha, blobs.get(sha)))
        return problems

    # -- what the push does to main --------------------------------------------------------
    def main_problems(self, update: Update, commits: list[Commit], own: dict[str, list[FileChange]],
                      reported: set[Problem]) -> dict[str, list[Problem]]:
        """The change from main's old tree to its new one: entries, content, permissions;
        {heading: problems}, each under the newest pushed commit that made it."""
        change = self.tree_change(update.old, update.new)
        problems: list[Problem] = []
        for ch in change:
            if ch.deleted:
                continue
            why = treeshape.entry_problem(ch.path, ch.new_mode)
            if why:
                problems.append(Problem(ch.path, 0, "", why))
            elif _is_blob(ch):
                problems.extend(self.validated(update.new, ch.path, ch.after))
        added = [ch.path for ch in change if not ch.deleted and _zero(ch.before) and ch.new_mode != treeshape.TREE]
        if added:
            for path, why in treeshape.name_clashes(self.store.tree_entries(update.new, "."), added).items():
                problems.append(Problem(path, 0, "", why))
        paths = {ch.path for ch in change}
        if any(p == PLAN_RELPATH or p.startswith("schema/") for p in paths):
            problems.extend(self.unchanged_records(update.new, paths))
        if PLAN_RELPATH in paths and self.object_id(f"{update.new}:{PLAN_RELPATH}") is None and \
                any(records.is_record_path(p) for p in self.store.tree_entries(update.new)):
            problems.append(Problem(PLAN_RELPATH, 0, "", "計画ファイル（records/plan.yaml）がありません"
                                                         "（記録があるあいだは削除できません）"))
        policy = self.policy()
        if policy.rules is not None and self.is_staff():
            problems.extend(self.access_problems(change, policy))
        problems.extend(self.cycle_problems(change, policy))
        fresh = [p for p in problems if p not in reported]
        return self.attribute(fresh, update, commits, own)

    def access_problems(self, change: list[FileChange], policy: Policy) -> list[Problem]:
        """:func:`shinchoku.rules.access.judge` on main's change (blobs only: a folder, a gitlink
        is judged by its files or refused by shape)."""
        blobs = [ch for ch in change if _is_blob(ch) or (ch.deleted and ch.old_modes[0] in BLOB_MODES)]
        self.read_ahead(s for ch in blobs for s in (ch.before, ch.after))   # most were read for the checks already
        old = {ch.path: self.blob(ch.before) or b"" for ch in blobs if not _zero(ch.before)}
        new = {ch.path: self.blob(ch.after) or b"" for ch in blobs if not _zero(ch.after)}
        return access_mod.judge(old, new, self.user, policy.rules, policy.plan)

    def cycle_problems(self, change: list[FileChange], policy: Policy) -> list[Problem]:
        """The yearly cycle's transitions (:func:`shinchoku.rules.cycle.transition_problems`) from
        main's old tree to its new one: who may submit, send back, approve, edit a 確認済 report."""
        out: list[Problem] = []
        for ch in change:
            if ch.deleted or not _is_blob(ch) or not records.is_record_path(ch.path):
                continue
            content = self.blob(ch.after)
            old = self.mapping(ch.before)
            y = policy.plan.year(ch.path.split("/")[1]) if policy.plan is not None else None
            out.extend(cycle.transition_problems(old, self.mapping(ch.after), self.user, policy.rules,
                                                 year_open=bool(y and y.open), path=ch.path, content=content))
        return out

    def attribute(self, problems: list[Problem], update: Update, commits: list[Commit],
                  own: dict[str, list[FileChange]]) -> dict[str, list[Problem]]:
        """Each problem under the newest pushed commit whose own change made it: the one
        that changed that field, else the newest that touched the path, else the pushed tip;
        when nothing new was pushed (an existing commit moved to main), under main's change."""
        out: dict[str, list[Problem]] = {}
        newest_first = list(reversed(commits))
        fallback = f"main への変更（{update.old[:7] if not _zero(update.old) else '空'} → {update.new[:7]}）"
        for problem in problems:
            touching = [(c, ch) for c in newest_first for ch in own.get(c.sha, []) if ch.path == problem.path]
            chosen = None
            if problem.field and records.is_record_path(problem.path):
                for c, ch in touching:
                    if problem.field in self._fields_changed(ch):
                        chosen = c
                        break
            if chosen is None and touching:
                chosen = touching[0][0]
            if chosen is None and newest_first and newest_first[0].sha == update.new:
                chosen = newest_first[0]         # e.g. a merge whose first parent is not main
            out.setdefault(commit_heading(chosen) if chosen else fallback, []).append(problem)
        return out

    def _fields_changed(self, ch: FileChange) -> set[str]:
        before = self.mapping(ch.before)
        after = None if ch.deleted else self.mapping(ch.after)
        labels = {label for label, _d, _w in access_mod.department_changes(before or {}, after or {})}
        keys = set(before or {}) | set(after or {})
        return labels | {k for k in keys if (before or {}).get(k) != (after or {}).get(k)}


def schema_folder(store: Store, cache: Path, tree: str) -> Path | None:
    """``cache/<tree>/schema/*.json``: the schema files of ``tree``, written once (under a
    name of this process, then renamed into place; None when there is no record schema)."""
    final = cache / tree
    if not (final / "schema" / "record.schema.json").is_file():
        files = {p: store.read_object(sha) or b"" for p, sha in store.tree_entries(tree, ".").items()
                 if "/" not in p and p.endswith(".json")}
        if "record.schema.json" not in files:
            return None
        work = cache / f".tmp-{os.getpid()}-{tree[:12]}"
        shutil.rmtree(work, ignore_errors=True)
        (work / "schema").mkdir(parents=True)
        for name, data in files.items():
            (work / "schema" / name).write_bytes(data)
        try:
            work.rename(final)
        except OSError:                       # another push wrote it meanwhile
            shutil.rmtree(work, ignore_errors=True)
            if not (final / "schema" / "record.schema.json").is_file():
                raise
    return final


def parse_access_cached(raw: bytes, cache: Path) -> access_mod.Access:
    """:func:`shinchoku.rules.access.parse`, remembered by the file's and the access schema's
    bytes (so that a push does not load jsonschema only to re-read an unchanged file)."""
    import hashlib

    schema_file = access_mod._schema_dir(None) / "access.schema.json"
    key = hashlib.sha256(raw + b"\0" + schema_file.read_bytes()).hexdigest()[:32]
    memo = cache / f"access-{key}.json"
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
        return access_mod.Access(frozenset(data["coordinators"]),
                                 {u: tuple(d) for u, d in data["staff"].items()})
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rules = access_mod.parse(raw)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        work = cache / f".tmp-{os.getpid()}-{key[:12]}.json"
        work.write_text(json.dumps({"coordinators": sorted(rules.coordinators), "staff": rules.staff},
                                   ensure_ascii=False), encoding="utf-8")
        work.replace(memo)
    except OSError:
        pass                                   # only a memo
    return rules


def clean_stale(cache: Path) -> None:
    """Remove what a killed hook left behind (``.tmp-<pid>-…`` of processes now gone)."""
    if not cache.is_dir():
        return
    for entry in cache.iterdir():
        if not entry.name.startswith(".tmp-"):
            continue
        try:
            pid = int(entry.name.split("-")[1])
        except (IndexError, ValueError):
            pid = 0
        if pid and pid != os.getpid() and _alive(pid):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    import psutil                  # only when a leftover is found (not on every push)

    return psutil.pid_exists(pid)


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
    from shinchoku.hooks.advice import server_closing

    closing = server_closing(p for problems in found.values() for p in problems)
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
        cache = store.cache_dir() / "receive"
        clean_stale(cache)
        receive = Receive(store, updates, user, cache)
        policy = receive.policy()
        refusal = None if policy.problems else access_mod.pusher_problem(policy.rules, user, names)
        if refusal:
            out.write(refusal)
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
