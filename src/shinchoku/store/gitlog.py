"""The formats git writes that the store reads, and one parser for each.

=====================================  ===========================================================
what git writes                        parser
=====================================  ===========================================================
a log of commits, with their raw file  :class:`LogParser` / :func:`parse_log` (``git log -z`` and
changes or without                     ``git diff-tree --stdin -z``, both with :func:`log_format`)
the raw changes between two trees      :func:`parse_raw` (``git diff-tree -z`` of two trees)
``git push --porcelain``               :func:`parse_push_porcelain`
a tree (``git ls-tree -z``)            :func:`parse_ls_tree`
a status (``git status --porcelain     :func:`parse_status`
-z``)
paths (``--name-only -z``,             :func:`parse_paths`
``ls-files -z``)
objects (``cat-file --batch``,         :class:`BatchReader`, :func:`parse_batch`,
``--batch-check``)                     :func:`parse_batch_check`
refs (``ls-remote``, ``for-each-ref``  :func:`parse_refs`
with :data:`REF_FORMAT`)
=====================================  ===========================================================

Commits come back as :class:`shinchoku.model.fields.Commit`, the one commit of the code
base, and a commit's changed files as :class:`FileChange`.  Standard library only at import
time: ``shinchoku history`` starts its ``git log`` (:func:`log_args`) before the rest of the
package is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from shinchoku.model.fields import Commit

NULL = "0" * 40                      # the blob of a file that is absent
HEAD, FIELD, END = "\x1e", "\x1f", "\x1d"
_FIELDS = ("%H", "%h", "%P", "%an", "%ae", "%aI", "%s", "%b")


def log_format(*, abbrev: bool = False) -> str:
    """``--format=`` of every log the store reads: one header per commit (sha, git's own
    abbreviation when ``abbrev``, parents, author, e-mail, date, subject, body)."""
    fields = [f if f != "%h" or abbrev else "" for f in _FIELDS]
    return "--format=" + HEAD + FIELD.join(fields) + END


def log_args(paths: list[str], follow: bool, rev: str = "HEAD") -> list[str]:
    """``git log`` arguments for the history of ``paths``: per commit the blobs before
    (one per parent: a merge is read combined) and after.  Paths are top-relative, so it
    can be started from anywhere inside the repository."""
    return ["log", "-z", "--raw", "--no-abbrev", "--follow" if follow else "--no-renames",
            "--diff-merges=combined", log_format(), rev, "--", *(f":(top){p}" for p in paths)]


@dataclass(frozen=True)
class FileChange:
    """One path a commit changed: its blob in each parent (:data:`NULL`: absent) and in
    the commit, with their modes, and git's status letter (``M``, ``A``, ``D``, ``R100`` …)."""

    path: str
    befores: tuple[str, ...]
    after: str
    old_modes: tuple[str, ...] = ()
    new_mode: str = ""
    status: str = ""

    @property
    def before(self) -> str:
        """The blob in the (first) parent."""
        return self.befores[0] if self.befores else NULL

    @property
    def deleted(self) -> bool:
        return not self.after.strip("0")


def _commit(header: str, Commit) -> "Commit":
    import datetime as _dt

    sha, abbrev, parents, name, email, when, subject, body = (header.split(FIELD, 7) + [""] * 8)[:8]
    return Commit(sha, name, email, _dt.datetime.fromisoformat(when) if when else _dt.datetime.min,
                  subject, body.strip(), tuple(parents.split()), abbrev)


class LogParser:
    """The one reader of a log in :func:`log_format` with ``-z`` (raw changes or none):
    fed bytes as git writes them, it gives each commit with its files once the next one
    has begun (:meth:`feed`), the last at :meth:`close`.  Raw changes met before any
    commit header (a diff of two trees) are kept under :attr:`loose`."""

    def __init__(self) -> None:
        from shinchoku.model.fields import Commit

        self._Commit = Commit
        self._rest = b""
        self._paths_due = 0                  # path tokens still to come for the last meta
        self._meta: list[str] | None = None
        self._paths: list[str] = []
        self._current: tuple["Commit", list[FileChange]] | None = None
        self.loose: list[FileChange] = []

    def feed(self, data: bytes) -> list[tuple["Commit", list[FileChange]]]:
        tokens = (self._rest + data).split(b"\0")
        self._rest = tokens.pop()
        return self._tokens(tokens)

    def close(self) -> list[tuple["Commit", list[FileChange]]]:
        done = self._tokens([self._rest] if self._rest else [])
        self._rest = b""
        if self._current is not None:
            done.append(self._current)
            self._current = None
        return done

    def _tokens(self, tokens: list[bytes]) -> list[tuple["Commit", list[FileChange]]]:
        done = []
        for tok in tokens:
            if self._paths_due:
                self._paths.append(tok.decode("utf-8", "surrogateescape"))
                self._paths_due -= 1
                if not self._paths_due:
                    self._file()
                continue
            if tok[:1] == b"\n":
                tok = tok[1:]
            if not tok:
                continue
            if tok[:1] == b":":
                meta = tok.decode("ascii", "replace")
                colons = len(meta) - len(meta.lstrip(":"))
                parts = meta[colons:].split()
                self._meta = [str(colons), *parts]
                self._paths = []
                self._paths_due = 2 if parts[-1][:1] in ("R", "C") else 1
            elif tok[:1] == HEAD.encode():
                if self._current is not None:
                    done.append(self._current)
                header = tok[1:].decode("utf-8", "replace")
                if header.endswith(END):
                    header = header[:-1]
                self._current = (_commit(header, self._Commit), [])
        return done

    def _file(self) -> None:
        colons, *parts = self._meta
        n = int(colons)
        modes, shas = parts[:n + 1], parts[n + 1:2 * n + 2]
        change = FileChange(self._paths[-1], tuple(shas[:n]), shas[n], tuple(modes[:n]), modes[n], parts[-1])
        (self._current[1] if self._current is not None else self.loose).append(change)


def parse_log(out: bytes) -> list[tuple["Commit", list[FileChange]]]:
    """Every commit of a whole log (see :class:`LogParser`), in git's order."""
    parser = LogParser()
    return parser.feed(out) + parser.close()


def parse_raw(out: bytes) -> list[FileChange]:
    """The raw changes of ``git diff-tree -z`` between two trees (no commit header)."""
    parser = LogParser()
    parser.feed(out)
    parser.close()
    return parser.loose


@dataclass(frozen=True)
class PushStatus:
    """One ref's line of ``git push --porcelain``: ``flag`` (' ' fast-forward, '*' new,
    '=' up to date, '!' rejected, …), ``summary`` (``[rejected]``, ``[remote rejected]``,
    ``[remote failure]`` or the range) and git's ``reason`` in parentheses."""

    flag: str
    ref: str
    summary: str
    reason: str

    @property
    def ok(self) -> bool:
        return self.flag != "!"


def parse_push_porcelain(out: str) -> dict[str, PushStatus]:
    """{destination ref: status} from ``git push --porcelain``'s stdout."""
    statuses = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or len(parts[0]) != 1:
            continue                        # "To <url>", "Done"
        flag, refs, summary = parts
        dst = refs.split(":", 1)[-1]
        reason = ""
        if summary.endswith(")") and " (" in summary:
            summary, reason = summary[:-1].split(" (", 1)
        elif summary.startswith("(") and summary.endswith(")"):
            summary, reason = "", summary[1:-1]
        statuses[dst] = PushStatus(flag, dst, summary.strip(), reason.strip())
    return statuses


def parse_ls_tree(out: str) -> dict[str, tuple[str, str, str]]:
    """{path: (mode, kind, sha)} from ``git ls-tree -z``."""
    entries = {}
    for item in out.split("\0"):
        if item:
            meta, name = item.split("\t", 1)
            mode, kind, sha = meta.split()
            entries[name] = (mode, kind, sha)
    return entries


def parse_status(out: str) -> list[str]:
    """The paths of ``git status --porcelain -z`` (the first path of each entry)."""
    return [item[3:] for item in out.split("\0") if len(item) > 3]


def parse_paths(out: str) -> list[str]:
    """A NUL-separated list of paths (``--name-only -z``, ``ls-files -z``)."""
    return [p for p in out.split("\0") if p]


# for-each-ref / tag --list: the ref, its object's type and id, and what an annotated tag points at.
REF_FORMAT = "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"


@dataclass(frozen=True)
class Ref:
    name: str                 # refs/tags/reviewed/2025-05-10
    sha: str                  # the object the ref names (a tag object for an annotated tag)
    commit: str | None        # the commit it names, when git said so directly

    @property
    def short(self) -> str:
        for prefix in ("refs/heads/", "refs/tags/", "refs/remotes/"):
            if self.name.startswith(prefix):
                return self.name[len(prefix):]
        return self.name


def parse_refs(out: str) -> list[Ref]:
    """Refs from ``for-each-ref``/``tag --list`` with :data:`REF_FORMAT`, or from
    ``ls-remote`` (``sha<TAB>ref``; peeled ``^{}`` lines give the commit of the tag before)."""
    refs: list[Ref] = []
    for line in out.splitlines():
        if "\0" in line:
            name, kind, sha, peeled_kind, peeled = (line.split("\0") + [""] * 5)[:5]
            commit = sha if kind == "commit" else peeled if peeled_kind == "commit" else None
            refs.append(Ref(name, sha, commit))
        elif "\t" in line:
            sha, name = line.split("\t", 1)
            if name.endswith("^{}"):
                if refs and refs[-1].name == name[:-3]:
                    refs[-1] = Ref(refs[-1].name, refs[-1].sha, sha)
                continue
            refs.append(Ref(name, sha, None))
    return refs


class BatchReader:
    """Reads ``git cat-file --batch`` answers from a stream, one per request, in order."""

    def __init__(self, stream):
        self.stream = stream

    def next(self) -> tuple[str, bytes | None]:
        """(the request as git echoes it, the blob's bytes or None: missing or not a blob)."""
        header = self.stream.readline().split()
        if len(header) != 3:
            return (header[0].decode() if header else ""), None          # "<spec> missing"
        data = self.stream.read(int(header[2]))
        self.stream.read(1)
        return header[0].decode(), data if header[1] == b"blob" else None


def parse_batch(data: bytes, wanted: Iterable[str]) -> dict[str, bytes]:
    """{request: blob} from a whole ``cat-file --batch`` answer to ``wanted`` (in order)."""
    out: dict[str, bytes] = {}
    pos = 0
    for sha in wanted:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) != 3:
            continue
        size = int(header[2])
        if header[1] == b"blob":
            out[sha] = data[pos:pos + size]
        pos += size + 1
    return out


def batch_check_id(line: str | bytes) -> str | None:
    """The object id of one ``cat-file --batch-check`` answer (None: ``<spec> missing``)."""
    parts = line.split()
    if len(parts) != 3:
        return None
    return parts[0].decode() if isinstance(parts[0], bytes) else parts[0]


def parse_batch_check(out: str, wanted: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """(request, object id or None: absent) from ``cat-file --batch-check``, in order."""
    for spec, line in zip(wanted, out.splitlines()):
        yield spec, batch_check_id(line)
