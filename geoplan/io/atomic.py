"""Writing files safely: one "exists / --overwrite" check and one atomic writer.

Every file geoplan writes goes through :func:`atomic_path` (a temporary file beside the target,
moved into place only when complete) after :func:`check_output`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geoplan.errors import OutputExistsError

__all__ = ["atomic_path", "check_output"]


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


