"""Writing files safely: one "exists / --overwrite" check, one atomic writer for a file and one
transaction for a folder.

Every file geoplan writes goes through :func:`atomic_path` (a temporary file beside the target,
moved into place only when complete) after :func:`check_output`; an output made of several
files (the export folder) is built in a staging folder beside the target by
:func:`staged_folder` and swapped into place whole.

Temporary names carry the writing process's id (``.NAME.geoplan-PID-TOKEN…``), so a later run
can tell the leftovers of a run that was killed (its process is gone) from the files of a run
still at work, and removes them (:func:`clean_leftovers`).

An operating-system fault while writing (permission denied, no space left, read-only file
system, a path too long) becomes an :class:`~geoplan.errors.OutputWriteError` whose message
names the path, the cause in words, and what was left untouched.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import logging
import os
import re
import secrets
import shutil
import socket
import sys
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from geoplan.errors import GeoplanError, OutputBusyError, OutputExistsError, OutputWriteError
from geoplan.messages import message
from geoplan.problems import log_text

log = logging.getLogger(__name__)

__all__ = [
    "atomic_dir",
    "atomic_path",
    "check_not_input",
    "check_output",
    "clean_leftovers",
    "os_error_message",
    "staged_folder",
    "write_error",
]

#: What every temporary name of geoplan holds: ``.<target name>.geoplan-<pid>-<token>``.
_TEMP_TAG = "geoplan"
_LEFTOVER = re.compile(rf"^\.(?P<name>.+)\.{_TEMP_TAG}-(?P<pid>\d+)-[A-Za-z0-9_-]+")
#: Files SQLite (GeoPackage) leaves beside a database it was writing.
_SQLITE_SIDECARS = ("-journal", "-wal", "-shm")


def check_output(path: str | Path, *, overwrite: bool = False) -> Path:
    """``path`` as a :class:`~pathlib.Path`; raises
    :class:`~geoplan.errors.OutputExistsError` when it exists and ``overwrite`` is false.

    Called before any work starts, so a long analysis never ends in "exists already"."""
    target = Path(path)
    try:
        present = target.exists() or target.is_symlink()
    except OSError as exc:  # a name too long, a folder that may not be entered ...
        raise write_error(target, exc, "no file was created") from exc
    if present and not overwrite:
        raise OutputExistsError(message("io.output_exists", capital=False, path=str(target)))
    return target


def check_not_input(path: str | Path, inputs: Collection[str | Path], *,
                    folder: bool = False, plan_folder: str | Path | None = None) -> Path:
    """Refuse an output that is one of the ``inputs`` (or, for a ``folder`` output, one that
    holds an input, or is or lies inside ``plan_folder``); raises
    :class:`~geoplan.errors.OutputExistsError` (whatever ``--overwrite`` says).

    >>> check_not_input("/tmp/out.html", ["/tmp/plan/plan.toml"])
    PosixPath('/tmp/out.html')
    """
    target = Path(path)
    real = _real(target)
    for item in inputs:
        source = _real(Path(item))
        if real == source:
            raise OutputExistsError(f"{target}: is an input of the plan ({item}); geoplan never "
                                    "writes over its inputs: choose another output")
        if folder and source.is_relative_to(real):
            raise OutputExistsError(f"{target}: holds the plan's input {item}; an export folder "
                                    "is replaced whole, so it may not hold inputs: choose a new "
                                    "folder outside the plan's folder")
    if folder and plan_folder is not None and real.is_relative_to(_real(Path(plan_folder))):
        raise OutputExistsError(f"{target}: lies inside the plan's folder {plan_folder}; write the "
                                "export outside it (e.g. beside it), so that the plan's inputs "
                                "and its outputs never mix")
    return target


def _real(path: Path) -> Path:
    """The absolute path with symbolic links resolved (also for a path that does not exist)."""
    return Path(os.path.realpath(os.path.abspath(path)))


# ------------------------------------------------------------------------------ OS faults


def os_error_message(exc: OSError, path: str | Path) -> str:
    """The cause of an operating-system fault in words, with the fix (no path)."""
    where = Path(path)
    try:
        folder = where if where.is_dir() else where.parent
    except OSError:
        folder = where.parent
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return (f"permission denied: this user may not write in {folder}; choose a folder you "
                "can write to, or ask for write permission")
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (f"no space left on the disk holding {folder}{_free(folder)}; free some space "
                "or write elsewhere")
    if code == errno.EROFS:
        return f"the file system holding {folder} is read-only; write elsewhere"
    if code == errno.ENAMETOOLONG:
        longest = max((len(p.encode("utf-8")) for p in where.parts), default=0)
        return (f"the path is too long ({len(str(where).encode('utf-8'))} bytes, the longest "
                f"name {longest} bytes; most file systems allow 255 bytes per name and 4096 per "
                "path); choose a shorter file name or folder")
    if code == errno.EISDIR:
        return "a folder is in the way; choose a file name that is not a folder"
    if code == errno.ENOTDIR:
        return "a part of the path is a file, not a folder; choose another output path"
    return exc.strerror or str(exc) or type(exc).__name__


def _free(folder: Path) -> str:
    for candidate in (folder, *folder.parents):
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(candidate).free
            return f" ({free / 1e6:.1f} MB free)"
    return ""


def _diagnose(exc: BaseException, folder: Path) -> OSError | None:
    """An errno for a writer's error that has none (GDAL's "Failed to commit transaction"):
    a read-only file system or a full disk, told by the file system itself."""
    text = str(exc).lower()
    for candidate in (folder, *folder.parents):
        try:
            stat = os.statvfs(candidate)
        except (OSError, AttributeError):
            continue
        if stat.f_flag & getattr(os, "ST_RDONLY", 1):
            return OSError(errno.EROFS, os.strerror(errno.EROFS))
        if "no space" in text or stat.f_bavail * stat.f_frsize < 4 * 1024 * 1024:
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        break
    if "permission denied" in text:
        return OSError(errno.EACCES, os.strerror(errno.EACCES))
    return None


def write_error(target: Path, exc: BaseException, untouched: str) -> OutputWriteError:
    """An :class:`~geoplan.errors.OutputWriteError` for a fault while writing ``target``:
    the path, the cause in words, what was left untouched, and the original error."""
    original = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    as_os = exc if isinstance(exc, OSError) and exc.errno else _diagnose(exc, target.parent)
    cause = os_error_message(as_os, target) if as_os is not None else original
    detail = f" [{type(exc).__name__}: {original}]" if original and original not in cause else ""
    error = OutputWriteError(f"{target}: cannot be written: {cause}; {untouched}{detail}")
    error.errno = as_os.errno if as_os is not None else getattr(exc, "errno", None)
    error.geoplan_parts = (target, cause, detail)  # type: ignore[attr-defined]
    return error


def _restaged(exc: OutputWriteError, staging: Path, given: Path,
              untouched: str) -> OutputWriteError:
    """A fault inside the staging folder, told with the output's own path."""
    parts = getattr(exc, "geoplan_parts", None)
    if parts is None:
        return exc
    target, cause, detail = parts
    try:
        shown = given / Path(target).relative_to(staging)
    except ValueError:
        shown = Path(target)
    error = OutputWriteError(f"{shown}: cannot be written: "
                             f"{cause.replace(str(staging), str(given))}; {untouched}{detail}")
    error.errno = exc.errno
    error.geoplan_parts = (shown, cause, detail)  # type: ignore[attr-defined]
    return error


def _is_write_fault(exc: BaseException) -> bool:
    if isinstance(exc, GeoplanError):
        return False
    return isinstance(exc, OSError) or type(exc).__module__.startswith("pyogrio")


# ----------------------------------------------------------------------------- leftovers


def _temp_name(name: str, suffix: str = "") -> str:
    return f".{name}.{_TEMP_TAG}-{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: alive
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def clean_leftovers(folder: str | Path, name: str | None = None, *,
                    any_pid: bool = False) -> list[Path]:
    """Remove the temporary files and folders that interrupted geoplan runs left in ``folder``
    (only those of ``name`` when given) and return them.

    A leftover is recognised by its name (``.NAME.geoplan-PID-…``, with SQLite's ``-journal``,
    ``-wal`` and ``-shm`` beside it); one whose process still runs is kept, unless ``any_pid``
    (the caller holds the lock of ``name`` and knows no other run can be writing it).
    """
    where = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(where.iterdir())
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return removed
    for entry in entries:
        match = _LEFTOVER.match(entry.name)
        if match is None or (name is not None and match["name"] != name):
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or (not any_pid and _alive(pid)):
            continue
        try:
            _remove(entry)
        except OSError as exc:
            log.warning("%s", log_text("log.leftover_not_removed", entry=str(entry),
                                       error=os_error_message(exc, entry)))
            continue
        removed.append(entry)
    if removed:
        shown = ", ".join(p.name for p in removed[:5]) + (" …" if len(removed) > 5 else "")
        log.warning("%s", log_text("log.leftovers_removed", where=str(where), n=len(removed),
                                   shown=shown))
    return removed


# --------------------------------------------------------------------------------- a file


@contextlib.contextmanager
def atomic_path(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place when the block succeeds.

    Raises :class:`~geoplan.errors.OutputExistsError` when ``path`` exists and ``overwrite`` is
    false, and :class:`~geoplan.errors.OutputWriteError` for a fault of the file system (the
    writer's own errors included). On error, the temporary file is removed and ``path`` is
    left as it was.
    """
    target = check_output(path, overwrite=overwrite)
    existed = target.exists()
    untouched = (f"the existing {target.name} was left as it was" if existed
                 else "no file was created")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(target, exc, untouched) from exc
    clean_leftovers(target.parent)  # of runs whose process is gone
    tmp = target.parent / _temp_name(target.name, target.suffix)
    try:
        try:
            yield tmp
            if not tmp.exists():
                raise OSError(f"{target}: the writer produced no file")
            os.replace(tmp, target)
        except BaseException as exc:
            if _is_write_fault(exc):
                raise write_error(target, exc, untouched) from exc
            raise
    finally:
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in _SQLITE_SIDECARS)):
            with contextlib.suppress(OSError):
                _remove(leftover)


# ------------------------------------------------------------------------------- a folder


class _FolderLock:
    """An advisory lock (``fcntl.flock``; ``msvcrt`` on Windows) on ``.NAME.lock`` beside a
    folder output, holding the id, start time and command of the process that holds it."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.path = target.parent / f".{target.name}.lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        for _attempt in range(20):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputBusyError(
                    f"{self.target}: another geoplan run is writing this folder ({holder}); "
                    "wait for it to finish, or choose another output folder. Nothing was "
                    "written and the folder was left as it was")
            # the file may have been removed by the holder that released it before we locked
            # it: then the lock is on a name nobody else sees, and we try again
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                record = {"pid": os.getpid(), "host": socket.gethostname(),
                          "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                          "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300]}
                os.ftruncate(fd, 0)
                os.pwrite(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"), 0)
                return
            os.close(fd)
        raise OutputBusyError(f"{self.target}: its lock file {self.path} keeps changing; is "
                              "another program removing it?")

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while locked: a waiting run re-checks the name (above)
        with contextlib.suppress(OSError):
            _unlock(self.fd)
        os.close(self.fd)
        self.fd = None


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _read_holder(fd: int) -> str:
    try:
        record = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        record = {}
    if not isinstance(record, dict) or "pid" not in record:
        return "a process that has just started"
    parts = [f"process {record['pid']}"]
    if record.get("host") and record["host"] != socket.gethostname():
        parts[0] += f" on {record['host']}"
    if record.get("started"):
        parts.append(f"started {record['started']}")
    if record.get("command"):
        parts.append(f"`{record['command']}`")
    return ", ".join(parts)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _restore_interrupted(target: Path) -> None:
    """A run killed between the two renames of the fallback swap left the old folder under
    ``.NAME.old-…`` and no folder at ``target``: put the old one back."""
    if target.exists() or target.is_symlink():
        return
    olds = sorted(p for p in target.parent.iterdir() if p.name.endswith(".old") and p.is_dir()
                  and (m := _LEFTOVER.match(p.name)) is not None and m["name"] == target.name)
    if olds:
        os.rename(olds[-1], target)
        log.warning("%s", log_text("log.folder_put_back", target=str(target)))


@contextlib.contextmanager
def staged_folder(
    path: str | Path,
    *,
    overwrite: bool = False,
    replaceable: Collection[str] | Callable[[str], bool] = (),
) -> Iterator[Path]:
    """A transaction for an output made of several files: yield an empty staging folder beside
    ``path``; when the block succeeds, the staging folder takes the place of ``path`` in one
    step (the previous folder, if any, is removed); when it fails, ``path`` is left as it was.

    * An advisory lock on ``path`` keeps a second writer out: it gets an
      :class:`~geoplan.errors.OutputBusyError` naming the process that holds the lock.
    * Leftovers of interrupted runs (staging folders, temporary files) are removed first.
    * Entries of an existing ``path`` that the new output does not replace are carried into
      the new folder (hard links, or copies across file systems); an entry named in
      ``replaceable`` is replaced (``overwrite``) — without ``overwrite`` an existing
      replaceable entry is an :class:`~geoplan.errors.OutputExistsError`.
    * Faults of the file system become :class:`~geoplan.errors.OutputWriteError`.

    The block writes into the yielded folder with the final file names; the caller writes
    whatever marks the output complete (a manifest) last.
    """
    given = Path(path)
    target = _real(given) if given.is_symlink() else Path(os.path.abspath(given))
    is_replaceable = replaceable if callable(replaceable) else (lambda n: n in replaceable)
    untouched = (f"the folder {given} was left as it was" if target.exists()
                 else f"no folder {given} was created")
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"{given}: exists and is not a folder; choose a folder name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = _FolderLock(target)
        lock.acquire()
    except OSError as exc:
        if isinstance(exc, GeoplanError):
            raise
        raise write_error(given, exc, untouched) from exc
    staging: Path | None = None
    try:
        try:
            _restore_interrupted(target)
            clean_leftovers(target.parent, target.name, any_pid=True)
            if target.is_dir():
                clean_leftovers(target, any_pid=False)
            existing = sorted(target.iterdir()) if target.is_dir() else []
            clash = [p.name for p in existing if is_replaceable(p.name)]
            if clash and not overwrite:
                shown = ", ".join(clash[:6]) + (" …" if len(clash) > 6 else "")
                raise OutputExistsError(f"{given}: {len(clash)} output(s) exist already "
                                        f"({shown}); pass --overwrite (overwrite=True) to replace "
                                        "them, or choose another output folder")
            staging = target.parent / _temp_name(target.name, ".staging")
            staging.mkdir()
            for entry in existing:
                if not is_replaceable(entry.name):
                    _carry(entry, staging / entry.name)
        except OSError as exc:
            if isinstance(exc, GeoplanError):
                raise
            raise write_error(given, exc, untouched) from exc
        try:
            yield staging
            _swap(staging, target)
        except OutputWriteError as exc:
            raise _restaged(exc, staging, given, untouched) from exc
        except BaseException as exc:
            if _is_write_fault(exc):
                raise write_error(given, exc, untouched) from exc
            raise
    finally:
        if staging is not None:
            with contextlib.suppress(OSError):
                _remove(staging)
        lock.release()


def _carry(source: Path, dest: Path) -> None:
    """Carry an entry the new output keeps into the staging folder: hard links where the file
    system allows, copies otherwise."""
    if source.is_dir() and not source.is_symlink():
        try:
            shutil.copytree(source, dest, symlinks=True, copy_function=os.link)
        except (OSError, shutil.Error):
            _remove(dest)
            shutil.copytree(source, dest, symlinks=True)
        return
    if source.is_symlink():
        os.symlink(os.readlink(source), dest)
        return
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target`` in one step; the previous ``target`` goes away."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        _remove(staging)  # now the previous folder
        return
    old = target.parent / _temp_name(target.name, ".old")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(old, target)
        raise
    _remove(old)


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; it takes the place of ``path`` when the block
    succeeds.

    For outputs that are folders (a plan folder with its files): the folder appears whole or not
    at all. An existing ``path`` raises :class:`~geoplan.errors.OutputExistsError` unless
    ``overwrite``; then it is replaced whole, only once the new folder is complete. The
    transaction, its lock and its messages are those of :func:`staged_folder`.
    """
    target = check_output(path, overwrite=overwrite)
    with staged_folder(target, overwrite=overwrite, replaceable=lambda _name: True) as tmp:
        yield tmp
