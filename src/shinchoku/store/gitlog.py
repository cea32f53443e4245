"""The `git log` that history reads (standard library only: the history command starts
it before the rest of the package is imported)."""

SEP, REC = "\x1f", "\x1e"


def log_args(paths: list[str], follow: bool, rev: str = "HEAD") -> list[str]:
    """``git log`` arguments naming, per commit, the blobs before and after; paths are
    top-relative, so it can be started from anywhere inside the repository."""
    fmt = REC + SEP.join(["%H", "%an", "%ae", "%aI", "%s"])
    return ["log", "--raw", "--no-abbrev", "--follow" if follow else "--no-renames",
            "--diff-merges=combined", f"--format={fmt}", rev, "--", *(f":(top){p}" for p in paths)]
