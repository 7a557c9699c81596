"""Which import files are known to hold the content a run hashed, without reading them again.

Why: the ``files`` source compares each file's content hash with the watermark of its last
import, so a night with nothing new read and hashed every export in the folder (214 MB for a
300,000-excerpt review: 0.2 s, and seconds for a folder of gigabytes): a quiet night's cost
grew with the review. A file whose stamp (:class:`FileStamp`: inode, size, modification and
status-change times) is the one recorded when its content last hashed to that watermark (when
it was read for its records, or compared on a later night) is taken as unchanged.

Why that is safe where it is used (a local file system that keeps a status-change time of its
own, as a POSIX system's mount table names it: :func:`stamps_trusted`; elsewhere every file is
hashed):

- every write to a file, and every rename onto it, sets its status-change time (``ctime``) to
  the current time, and no program can set it back (``touch`` and ``os.utime`` set only the
  access and modification times), so an edit that keeps the size and restores the modification
  time still changes the stamp; a file replaced by another has another inode;
- a stamp is recorded only when both times are at least :data:`SETTLED_SECONDS` older than the
  moment the stamp was taken before the file was read, and the stamp taken after the read is the
  same (as git guards against "racily clean" files): an edit made in the same tick of the
  file system's clock as the hashed content, or while it was read, is never hidden by it;
- anything unexpected (no stamp file, an unreadable or foreign one, a file gone) means the file
  is hashed as before: the stamps can only save a read, never decide that a file changed.

    known = KnownFiles.load(cache_folder, import_folder)
    body, stamp = read_stamped(path)         # a file read for its records
    known.record(path.name, stamp, content_watermark(body))
    known.save()
    KnownFiles.load(cache_folder, import_folder).unchanged(
        path, content_watermark(body), content_watermark)      # not read again
    # -> True
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from litrev.filesystems import (
    NETWORK_FILE_SYSTEMS,
    NO_CHANGE_TIME_FILE_SYSTEMS,
    file_system_type,
    write_atomically,
)

log = logging.getLogger("litrev.sources")

TRUSTED = os.name == "posix"    # elsewhere st_ctime is a creation time: every file is hashed
SETTLED_SECONDS = 2.0           # coarser than the timestamps of the file systems trusted
STAMPS_VERSION = 1


@dataclass(frozen=True)
class FileStamp:
    """What the file system says of a file: anything that writes to it changes this."""

    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp | None:
        """The file's stamp; None when it cannot be read (gone, no permission)."""
        try:
            st = path.stat()
        except OSError:
            return None
        return cls(st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def settled(self, taken_ns: int) -> bool:
        """Whether both times are :data:`SETTLED_SECONDS` older than ``taken_ns`` (when the
        stamp was taken): a write after the stamp then always shows as a later time."""
        newest = max(self.mtime_ns, self.ctime_ns)
        return taken_ns - newest >= SETTLED_SECONDS * 1e9

    def as_list(self) -> list[int]:
        return [self.inode, self.size, self.mtime_ns, self.ctime_ns]


def stamps_trusted(folder: Path) -> bool:
    """Whether a stamp of a file in ``folder`` changes whenever its content does: on a POSIX
    system whose mount table names the folder's file system, except a network file system
    (its attributes may be cached for a while) or one that keeps no status-change time of its
    own (FAT, exFAT). Without a mount table (macOS) a network share cannot be told from a
    local disk: there every file is hashed."""
    if not TRUSTED:
        return False
    kind = file_system_type(folder)
    return kind is not None and kind not in NETWORK_FILE_SYSTEMS \
        and kind not in NO_CHANGE_TIME_FILE_SYSTEMS


def read_stamped(path: Path) -> tuple[bytes, FileStamp | None]:
    """The file's bytes, and its stamp when the stamp can stand for them: taken before the read,
    the same after it, and :meth:`FileStamp.settled`; else None. Raises OSError as
    ``Path.read_bytes`` does."""
    taken_ns = time.time_ns()
    before = FileStamp.of(path)
    body = path.read_bytes()
    if before is None or not before.settled(taken_ns) or FileStamp.of(path) != before:
        return body, None
    return body, before


class KnownFiles:
    """The stamps of one import folder's files, each with the watermark its content hashed to,
    kept in ``<cache folder>/import-stamps-<folder key>.json`` between runs."""

    def __init__(self, path: Path | None, folder: str,
                 entries: dict[str, tuple[FileStamp, str]]) -> None:
        self.path = path
        self.folder = folder
        self.entries = entries
        self.asked: set[str] = set()
        self._loaded = dict(entries)

    @classmethod
    def load(cls, cache_folder: Path | None, import_folder: Path) -> KnownFiles:
        """The stamps recorded for ``import_folder``; none when there is no cache folder, on a
        system where stamps are not trusted, or when the file cannot be read as written."""
        folder = str(import_folder.resolve())
        if cache_folder is None or not stamps_trusted(import_folder):
            return cls(None, folder, {})
        key = hashlib.sha256(folder.encode()).hexdigest()[:16]
        path = cache_folder / f"import-stamps-{key}.json"
        entries: dict[str, tuple[FileStamp, str]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == STAMPS_VERSION and data.get("folder") == folder:
                for name, (stamp, watermark) in data["files"].items():
                    entries[str(name)] = (FileStamp(*(int(v) for v in stamp)), str(watermark))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            entries = {}  # none yet, or not one this litrev wrote: every file is hashed
        return cls(path, folder, entries)

    def unchanged(self, path: Path, watermark: str | None,
                  hash_of: Callable[[bytes], str]) -> bool:
        """Whether ``path`` holds the content that hashed to ``watermark`` (its last import's).

        Not read when its stamp is the one recorded with that watermark; else read and hashed
        with ``hash_of``, and its stamp recorded when the content is the same and the stamp
        :meth:`FileStamp.settled` and unchanged by the read. False for a file with no
        watermark, a changed one or one that cannot be read (its search reads it, or says
        why), and its recorded stamp is dropped."""
        self.asked.add(path.name)
        recorded = self.entries.pop(path.name, None)
        if watermark is None:
            return False
        now = FileStamp.of(path)
        if now is not None and recorded == (now, watermark):
            self.entries[path.name] = recorded
            return True
        try:
            body, stamp = read_stamped(path)
        except OSError:
            return False
        same = hash_of(body) == watermark
        if same:
            self.record(path.name, stamp, watermark)
        return same

    def record(self, name: str, stamp: FileStamp | None, watermark: str | None) -> None:
        """Remember that the file ``name`` with ``stamp`` held content that hashed to
        ``watermark`` (a file just read: :func:`read_stamped`); nothing without both."""
        self.asked.add(name)
        if stamp is not None and watermark is not None:
            self.entries[name] = (stamp, watermark)

    def save(self) -> None:
        """Write the stamps of the files asked about (atomically); a cache folder that cannot
        be written only means the files are hashed again next time."""
        kept = {name: entry for name, entry in self.entries.items() if name in self.asked}
        if self.path is None or kept == self._loaded:
            return
        data = {"version": STAMPS_VERSION, "folder": self.folder,
                "files": {name: [stamp.as_list(), watermark]
                          for name, (stamp, watermark) in sorted(kept.items())}}
        try:
            write_atomically(self.path, json.dumps(data).encode("utf-8"))
            self._loaded = kept
        except OSError as exc:
            log.debug("files: the import stamps were not saved (%s): files are hashed again "
                      "next time", exc)
