"""The lock of a run directory against two writers: an exclusive `fcntl.flock` on its LOCK
file, released by the kernel when the owner exits or dies."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from experiments.errors import OptionError

LOCK_FILE = "LOCK"


def _owner(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return f"process {text}" if text.isdigit() else "another process"


@contextlib.contextmanager
def locked(run_dir: str | os.PathLike):
    """Holds `run_dir/LOCK` while a run writes the directory: an exclusive `fcntl.flock` on the
    file, which the kernel releases when its owner exits or dies (no stale lock to break). The
    file holds the owner's pid, for the message only.

    Raises OptionError while another process holds it, naming that process and the file.
    """
    path = Path(run_dir) / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OptionError(f"cannot write {path.parent}: {err.strerror or err}") from err
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except IsADirectoryError:
            raise OptionError(
                f"{path} is a directory, not a lock file; delete it if no run is using "
                f"{path.parent}"
            ) from None
        except OSError as err:
            raise OptionError(f"cannot write {path}: {err.strerror or err}") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _owner(fd)
            os.close(fd)
            raise OptionError(
                f"{path.parent} is being written by {owner} (it holds {path}); wait for it, "
                f"or choose another --out (delete {path} only if no run is using this directory)"
            ) from None
        except OSError as err:
            os.close(fd)
            raise OptionError(f"cannot lock {path}: {err.strerror or err}") from err
        # The previous holder unlinks the file before releasing it: a lock on an unlinked file
        # guards nothing, so take it only on the file that is at `path` now.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still holding it (see above)
        os.close(fd)
