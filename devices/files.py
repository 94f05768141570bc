"""Files the toolkit writes and paths built from what users type: one place for both.

Why one place: a full disk, a read-only mount, a name over 255 bytes or a folder name that is
not UTF-8 must read the same in every command (one line naming the path and the fix, never a
traceback), and a result file is never left half-written or empty in place of the old one.

- :func:`atomic_write` writes a file through a temporary file and a rename; on failure the
  temporary file is removed and one :class:`~devices.errors.FileSystemError` names the path.
- :func:`fs_error` turns any ``OSError`` (or a path that is not UTF-8) into that one line.
- :func:`check_path` refuses a path the file system or the history cannot take (a part over
  255 bytes, a path over 4095 characters, not UTF-8) before any work is done.
- :func:`safe_name` / :func:`confined` keep names made from user text (subject ids, session
  names) inside their folder.
- :func:`open_regular` opens a file to read only if it is a regular file (never blocks on a
  FIFO, never reads a device such as /dev/zero), optionally no larger than a limit.
- :func:`show_path` prints a path (bytes that are not UTF-8 escaped, very long ones shortened);
  shell hints quote it with :func:`shlex.quote`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from devices.errors import FileSystemError, InputError

#: Limits of Linux file systems (and most others): bytes per path part, characters per path.
NAME_MAX = 255
PATH_MAX = 4095

_WRITE_FIX = "free space there, or choose a folder on another disk"
#: errno -> (what is wrong, how to fix it); the fix is for writing, READ_FIXES for reading.
_PROBLEMS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", _WRITE_FIX),
    errno.EDQUOT: ("the disk quota is used up", _WRITE_FIX),
    errno.EROFS: ("the file system is read-only", "choose a folder on a writable disk"),
    errno.EACCES: ("permission denied", "choose a folder you can write to, or fix its rights"),
    errno.EPERM: ("operation not permitted", "choose a folder you can write to"),
    errno.ENAMETOOLONG: (
        f"a name is too long (at most {NAME_MAX} bytes per part, {PATH_MAX} in all)",
        "use a shorter name",
    ),
    errno.ENOENT: ("no such file or folder", "check the path; its folder must exist"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "give a path inside a folder"),
    errno.EISDIR: ("it is a folder", "give a file name"),
    errno.EEXIST: ("it already exists", "choose another name"),
    errno.ELOOP: ("too many symbolic links", "give the real path"),
    errno.EIO: ("input/output error", "check the disk and its cable; copy what you can"),
    errno.EMFILE: ("too many open files", "close other programs or raise `ulimit -n`"),
    errno.ENFILE: ("too many open files", "close other programs"),
    errno.ETXTBSY: ("the file is busy", "close the program that uses it"),
    errno.EFBIG: (
        "the file reached the largest size the file system or the file-size limit allows",
        "choose a folder on another disk, or raise the limit with `ulimit -f unlimited`",
    ),
}
_READ_FIXES: dict[int, str] = {
    errno.EACCES: "check the file's permissions",
    errno.EPERM: "check the file's permissions",
    errno.EROFS: "check the file",
}


def symlink_loop(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a symbolic link that leads back to itself (a loop: ``exists()``
    is False for it, as for a missing file, which would be the wrong thing to say)."""
    try:
        os.stat(path)
    except OSError as err:
        return err.errno == errno.ELOOP
    return False


def dangling_link(path: str | os.PathLike[str]) -> tuple[str, str] | None:
    """The first part of ``path`` that is a symbolic link to nothing (its target, or a
    link it leads to, missing: a recording moved or a disk not mounted) and the missing
    path it leads to; None when no part is one."""
    parts = Path(path).parts
    for i in range(1, len(parts) + 1):
        part = os.path.join(*parts[:i])
        if os.path.islink(part) and not os.path.exists(part):
            return part, os.path.realpath(part)
    return None


def no_path_error(
    path: str | os.PathLike[str], missing: str, fix: str = "check the path"
) -> InputError:
    """The error for a path that does not lead to what the caller reads: ``missing`` and
    ``fix`` (the caller's words), or a symlink loop, or a link to a missing target (named),
    said as such."""
    if symlink_loop(path):
        return InputError(
            f"{show_path(path)}: a symlink loop (the link leads back to itself)",
            fix="point the link at the recording, or give the recording's real path",
        )
    dangling = dangling_link(path)
    if dangling is not None:
        link, target = dangling
        inner = os.path.normpath(link) != os.path.normpath(path)
        within = f" (a part of {show_path(path)})" if inner else ""
        return InputError(
            f"{show_path(link)}{within}: a symbolic link to {show_path(target)}, which does "
            "not exist",
            fix="point the link at where the recording is now, mount its disk, or give the "
            "recording's real path",
        )
    return InputError(missing, fix=fix)


def show_path(path: str | os.PathLike[str] | bytes, limit: int = 160) -> str:
    """``path`` as one printable line: bytes that are not UTF-8 as ``\\xNN``, very long
    paths shortened in the middle (their length said)."""
    raw = os.fsencode(path)
    text = raw.decode("utf-8", "backslashreplace")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > limit:
        text = f"{text[: limit // 2]}...{text[-limit // 4 :]} ({len(raw)} bytes)"
    return text


def is_utf8(path: str | os.PathLike[str]) -> bool:
    """True when the path's bytes are UTF-8 text (stored in the history, shown in reports)."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def fs_error(
    err: OSError | UnicodeError, path: str | os.PathLike[str] | None = None, doing: str = ""
) -> FileSystemError:
    """The one-line error of a failed file-system call: ``cannot DOING PATH: PROBLEM (FIX)``.

    ``path`` defaults to the error's own file name; ``doing`` is e.g. "write", "read". An
    error that is already this one line is given back as it is (never said twice).
    """
    if isinstance(err, FileSystemError):
        return err
    if path is None and isinstance(err, OSError):
        path = err.filename
    shown = "" if path is None else show_path(path)
    if isinstance(err, UnicodeError):
        problem, fix = "the name is not UTF-8 text", "rename it using UTF-8 (e.g. ASCII) letters"
        if isinstance(err, UnicodeEncodeError) and isinstance(err.object, str):
            near = err.object[max(0, err.start - 30) : err.end + 30]  # the text around it
            problem = f"a name is not UTF-8 text (near '{show_path(near)}')"
        code = None
    else:
        code = err.errno
        problem, fix = _PROBLEMS.get(code or -1, (err.strerror or str(err), "check the path"))
        if not doing.startswith(("write", "create", "replace", "remove")):
            fix = _READ_FIXES.get(code or -1, fix)
    head = f"cannot {doing} {shown}" if doing else shown
    out = FileSystemError(f"{head.strip()}: {problem}" if head.strip() else problem, fix=fix)
    out.errno = code
    out.filename = None if path is None else os.fspath(path)
    return out


def is_disk_full(err: BaseException) -> bool:
    """True for "no space left" and "quota exceeded"."""
    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)


def check_path(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` if the file system and the history can take it, else one line naming ``what``
    (e.g. "--out"): every part at most 255 bytes, at most 4095 characters, UTF-8 text."""
    p = Path(path)
    shown = show_path(p)
    if not is_utf8(p):
        raise InputError(
            f"{what} {shown} is not UTF-8 text (histories and reports store paths as text)",
            fix="rename the folder using UTF-8 (e.g. ASCII) letters",
        )
    raw = os.fsencode(p)
    long = [part for part in raw.split(b"/") if len(part) > NAME_MAX]
    if long:
        raise InputError(
            f"{what} {shown}: a part of it is {len(long[0])} bytes long, over the "
            f"{NAME_MAX} a file name can have",
            fix="use a shorter name",
        )
    if len(os.fsencode(p.absolute())) > PATH_MAX:
        raise InputError(
            f"{what} {shown} is longer than the {PATH_MAX} characters a path can have",
            fix="use a shorter path",
        )
    return p


def safe_name(text: str, what: str, *, suffix_bytes: int = 0) -> str:
    """``text`` if it can name one file or folder inside another, else one line: not empty,
    not ``.``/``..``, no ``/`` or ``\\``, no control characters, UTF-8, short enough to take
    ``suffix_bytes`` more (e.g. ``-s001``)."""
    shown = show_path(text)
    problem = None
    if not text.strip() or text in (".", ".."):
        problem = "is not a name"
    elif "/" in text or "\\" in text:
        problem = "holds a path separator ('/' or '\\'), so it would leave its folder"
    elif not is_utf8(text):
        problem = "is not UTF-8 text"
    elif any(not c.isprintable() for c in text):
        problem = "holds a control character"
    elif len(text.encode("utf-8")) + suffix_bytes > NAME_MAX:
        problem = f"is too long for a file name (at most {NAME_MAX - suffix_bytes} bytes here)"
    if problem is not None:
        raise InputError(
            f"{what} {shlex.quote(shown)} {problem}",
            fix="use letters, digits, spaces, '-', '_' or '.', such as P01",
        )
    return text


def confined(base: str | os.PathLike[str], name: str, what: str) -> Path:
    """``base / name`` for a ``name`` made from user text, refused (one line) unless it is
    one plain name that stays inside ``base`` (checked on the resolved paths too, so a
    symbolic link in ``base`` cannot lead out)."""
    root = Path(base)
    safe_name(name, what)
    out = root / name
    real_root = root.resolve()
    if out.resolve().parent != real_root:
        raise InputError(
            f"{what} {shlex.quote(show_path(name))} would leave the folder {show_path(root)}",
            fix="use a plain name, without '/' or '..'",
        )
    check_path(out, what)
    return out


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` so readers see the old file or the new one,
    never a mix or an empty file; a symbolic link is written through (its target replaced,
    the link kept). The new file has the usual permissions (0666 less the
    umask). On failure nothing is left behind and a :class:`FileSystemError` is raised."""
    out = Path(path)
    if os.path.islink(out):  # the link kept, what it points at written (a file in the
        out = Path(os.path.realpath(out))  # link's place left its target as it was)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        kind = stat.S_IFMT(os.stat(out).st_mode)
    except (OSError, UnicodeError):
        kind = stat.S_IFREG  # absent (or unreadable: said when writing)
    if kind != stat.S_IFREG:  # a device or a pipe would be replaced by a plain file
        raise InputError(
            f"{show_path(out)} is {'a folder' if kind == stat.S_IFDIR else 'not a regular file'}",
            fix="give the name of a file to write",
        )
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name[:64]}.", suffix=".tmp")
    except (OSError, UnicodeError) as err:
        raise fs_error(err, out, "write") from err
    try:
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, out)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError | UnicodeError):
            raise fs_error(err, out, "write") from err
        raise
    fsync_dir(out.parent)
    return out


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file durable (where the OS allows fsync on directories)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_regular(
    path: str | os.PathLike[str], what: str, *, max_bytes: int | None = None, fix: str = ""
) -> BinaryIO:
    """``path`` opened for reading if it is a regular file (at most ``max_bytes`` long),
    else one line naming ``what`` (e.g. "header"): missing, a folder, a FIFO or device,
    too large, or a file-system error."""
    shown = show_path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as err:
        raise no_path_error(path, f"{shown}: no such {what} file") from err
    except (OSError, UnicodeError) as err:
        raise fs_error(err, path, "read") from err
    st = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(st.st_mode):
        problem = f"is a folder, not a {what} file"
    elif not stat.S_ISREG(st.st_mode):
        problem = f"is not a regular file (a pipe, a device or a socket), not a {what} file"
    elif max_bytes is not None and st.st_size > max_bytes:
        problem = f"is {st.st_size} bytes long, too large for a {what} file ({max_bytes} at most)"
    if problem is not None:
        os.close(fd)
        raise InputError(f"{shown} {problem}", fix=fix or f"give the path of the {what} file")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")
