"""Writing files safely: one "exists / --overwrite" check and one atomic writer.

Every file geoplan writes goes through :func:`atomic_path` (a temporary file beside the target,
moved into place only when complete) after :func:`check_output`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geoplan.errors import OutputExistsError

__all__ = ["atomic_dir", "atomic_path", "check_output"]


def check_output(path: str | Path, *, overwrite: bool = False) -> Path:
    """``path`` as a :class:`~pathlib.Path`; raises
    :class:`~geoplan.errors.OutputExistsError` when it exists and ``overwrite`` is false.

    Called before any work starts, so a long analysis never ends in "exists already"."""
    target = Path(path)
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise OutputExistsError(f"{target}: exists already; pass --overwrite (overwrite=True) to "
                                "replace it, or choose another output")
    return target


@contextlib.contextmanager
def atomic_path(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place when the block succeeds.

    Raises :class:`~geoplan.errors.OutputExistsError` when ``path`` exists and ``overwrite`` is
    false. On error, the temporary file is removed and ``path`` is left as it was.
    """
    target = check_output(path, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix,
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL) want to create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"{target}: the writer produced no file")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()




@contextlib.contextmanager
def atomic_dir(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it to ``path`` when the block succeeds.

    For outputs that are folders (a plan folder with its files): the folder appears whole or not
    at all. An existing ``path`` raises :class:`~geoplan.errors.OutputExistsError` unless
    ``overwrite``; then it is replaced only once the new folder is complete.
    """
    target = check_output(path, overwrite=overwrite)
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"{target}: exists and is a file, not a folder; choose another "
                                "output")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the output is an ordinary folder
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
