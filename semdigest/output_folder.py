"""The folders semdigest writes its reports and maps into (`day`, `map`, `trends --out`): only a
new or empty one, or one semdigest made before (it holds MARKER), so a user's own index.html is
never replaced; and a report's files put in place together, so a full disk leaves the report as
it was, never half written."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from .errors import OutputError

MARKER = ".semdigest-report"
_MARKER_TEXT = "semdigest wrote this folder; its next report or map replaces the files here.\n"


def claim(path: str | Path, force: bool = False) -> Path:
    """The folder ``path``, made when missing, once semdigest may write into it: it is empty,
    holds MARKER, or ``force`` is set (and then gets MARKER). Refuses any other folder."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    marker = path / MARKER
    if not marker.is_file():
        if not force and any(path.iterdir()):
            raise OutputError(f"{path} holds files semdigest did not write; give a new or empty folder "
                              "(or --force to write into this one, replacing any index.html, report.md, "
                              "papers.csv and maps in it)")
        _write_replacing(marker, lambda temp: temp.write_text(_MARKER_TEXT, encoding="utf-8"))
    return path


class NewFiles:
    """Files for one folder, each written under a temporary name beside its target and all put in
    place together (os.replace) when the block ends without error; on an error the temporary
    files go, the folder keeps what it had, and an OSError names the file it was writing."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._staged: list[tuple[Path, Path]] = []  # (temporary, target)

    def __enter__(self) -> "NewFiles":
        return self

    def write(self, name: str, writer: Callable[[Path], object]) -> None:
        """``writer(path)`` writes the file ``name`` at ``path`` (a temporary name with its suffix)."""
        target = self.folder / name
        temp = self.folder / f".partial-{secrets.token_hex(4)}-{name}"
        self._staged.append((temp, target))
        _naming(target, lambda: writer(temp))

    def write_text(self, name: str, text: str) -> None:
        self.write(name, lambda path: path.write_text(text, encoding="utf-8"))

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self._commit()
        finally:
            for temp, _ in self._staged:
                temp.unlink(missing_ok=True)

    def _commit(self) -> None:
        for temp, target in self._staged:
            if target.is_dir():  # found before anything is replaced
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a report file", str(target))
            _naming(target, lambda: _sync(temp))
        for temp, target in self._staged:
            _naming(target, lambda: os.replace(temp, target))


def _write_replacing(target: Path, writer: Callable[[Path], object]) -> None:
    with NewFiles(target.parent) as files:
        files.write(target.name, writer)


def _naming(target: Path, action: Callable[[], object]) -> None:
    """Run ``action``; an OSError from it names ``target`` (not a temporary file, or no file at
    all, as a write that fills the disk does)."""
    try:
        action()
    except OSError as error:
        if error.errno is None:
            raise
        raise OSError(error.errno, error.strerror or str(error), str(target)) from error


def _sync(path: Path) -> None:
    """On disk before it replaces the old file (a crash then leaves the old or the new, never an empty one)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
