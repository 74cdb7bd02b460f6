"""Writing what a command makes: to standard output, or to a file atomically (a reader never sees half of it)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

import click


def write(text: str | Iterable[str], output: Path | None) -> None:
    """The report to stdout, or to `output` atomically: written to a new temporary file in the same folder
    (mkstemp: a name nobody can predict, created with O_EXCL, so a symlink planted there is never followed),
    flushed to disk, then renamed over `output`. A reader never sees half a report; a full disk leaves the
    old one. A symbolic link is written through (its target replaced, the link kept); what is not a regular
    file (`-o /dev/null`, `-o /dev/stderr`, a named pipe) is written to as it is: renamed over, the device
    itself would be gone (as root, /dev/null became a plain file). `text` may come in pieces (render_chunks),
    each written as it is made, so a large report is never held whole."""
    import os
    import stat
    import tempfile

    pieces = (text,) if isinstance(text, str) else text
    if output is None:
        for piece in pieces:
            click.echo(piece, nl=False)
        return
    try:
        special = not stat.S_ISREG(os.stat(output).st_mode)
    except OSError:
        special = False  # nothing there yet (or a dangling link): a new file
    if special:
        with open(output, "w", encoding="utf-8") as fh:
            fh.writelines(pieces)
        return
    if output.is_symlink():
        output = Path(os.path.realpath(output))
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(pieces)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(
            tmp, new_file_mode(output)
        )  # mkstemp makes it private (0600); a report is shared like any file
        os.replace(tmp, output)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def new_file_mode(path: Path) -> int:
    """The mode a plain open() would give `path`: its current one if it exists, else 0666 less the umask."""
    import os
    import stat

    with suppress(OSError):
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0o022)  # the only way to read it; set straight back
    os.umask(umask)
    return 0o666 & ~umask
