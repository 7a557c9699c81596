"""What kind of file system a path is on, for the places where that changes what is safe, and
the one way litrev replaces a small file its readers may be reading (:func:`write_atomically`).

Two callers of the first: a local lake's SQLite catalog keeps SQLite's write-ahead log only on a
local disk (:func:`litrev.store.db._catalog_journal_mode`), and the files source trusts a file's
stamp instead of reading it only where the file system keeps a status-change time of its own
(:mod:`litrev.extract.file_stamps`).

    file_system_type(Path("/"))   # Linux; None where there is no mount table (macOS)
    # -> 'ext4'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

# File systems on which SQLite's write-ahead log is not safe (its shared-memory index assumes
# every process on one machine and a local disk), as Linux names them in its mount table.
NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "lustre", "gpfs", "davfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse"})
# File systems whose status-change time is not one of their own (FAT and exFAT keep none:
# Linux shows the modification time), or that a driver in user space presents as it likes.
NO_CHANGE_TIME_FILE_SYSTEMS = frozenset({"vfat", "msdos", "exfat", "fuseblk", "fuse"})
MOUNT_TABLE = Path("/proc/self/mounts")


def file_system_type(path: Path, mounts: Path = MOUNT_TABLE) -> str | None:
    """The type of the file system ``path`` is on (``ext4``, ``nfs4``, ...), read from the
    mount table (Linux); None where there is none (macOS, Windows). The module's docstring
    has an example."""
    try:
        table = mounts.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    target = str(path.resolve())
    best, kind = "", None
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")  # the table escapes spaces in paths
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` as ``path``: into a temporary file beside it, then renamed over it, so a
    reader finds the old file or the new one and never half of one. Creates the folder; raises
    OSError (with the temporary file removed) when it cannot write.

        write_atomically(cache / "coding-complete.json", json.dumps(mark).encode())
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
