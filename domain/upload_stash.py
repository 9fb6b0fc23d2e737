"""The uploaded spreadsheet between the import's preview and its confirmation.

The file waits under the instance folder, named by a random token and bound to the user and
project that uploaded it. The confirmation names only the token; the data is read again from
the file, never from the form.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from domain.importer import Imported

_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Stashed:
    token: str
    filename: str
    state: str  # "pending", "importing" or "imported"
    data: Path
    imported: dict[str, str] = field(default_factory=dict)


class UploadStash:
    """Uploads waiting for their confirmation: `<token>.json` says whose it is, `<token>.pending` is the file.

    Confirming renames `.pending` to `.importing` first; the rename is atomic, so of two
    confirmations of one upload (a double click, two tabs) only one ever imports. After the
    import the file is deleted and the `.json` remembers what was imported, so a second
    confirmation can say so. Everything is removed a day after the upload.
    """

    MAX_AGE_SECONDS = 24 * 60 * 60

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def keep(self, stream: BinaryIO, *, user_id: int, project_id: int, filename: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sweep()
        token = secrets.token_urlsafe(32)
        stream.seek(0)
        with self._open_new(self._path(token, "pending")) as target:
            shutil.copyfileobj(stream, target)
        self._write_meta(token, {"user_id": user_id, "project_id": project_id, "filename": filename[:200],
                                 "uploaded_at": time.time()})
        return token

    def find(self, token: str, *, user_id: int, project_id: int) -> Stashed | None:
        """The upload, if it is this user's for this project and not yet expired."""
        if not _TOKEN.fullmatch(token or ""):
            return None
        try:
            meta = json.loads(self._path(token, "json").read_text())
        except (OSError, ValueError):
            return None
        if meta.get("user_id") != user_id or meta.get("project_id") != project_id:
            return None
        if time.time() - float(meta.get("uploaded_at", 0)) > self.MAX_AGE_SECONDS:
            return None
        if meta.get("imported"):
            state = "imported"
        elif self._path(token, "pending").exists():
            state = "pending"
        elif self._path(token, "importing").exists():
            state = "importing"
        else:
            return None
        return Stashed(token=token, filename=meta.get("filename", ""), state=state,
                       data=self._path(token, "pending"), imported=meta.get("imported") or {})

    def take(self, stashed: Stashed) -> Path | None:
        """Claim the upload for importing; None when another request has it already."""
        target = self._path(stashed.token, "importing")
        try:
            os.rename(self._path(stashed.token, "pending"), target)
        except FileNotFoundError:
            return None
        return target

    def put_back(self, stashed: Stashed) -> None:
        os.rename(self._path(stashed.token, "importing"), self._path(stashed.token, "pending"))

    def finish(self, stashed: Stashed, imported: Imported) -> None:
        meta = json.loads(self._path(stashed.token, "json").read_text())
        meta["imported"] = {"commitments": str(imported.commitments), "lines": str(imported.lines),
                            "at": str(time.time())}
        self._write_meta(stashed.token, meta)
        self._path(stashed.token, "importing").unlink(missing_ok=True)

    def _path(self, token: str, suffix: str) -> Path:
        return self.folder / f"{token}.{suffix}"

    def _write_meta(self, token: str, meta: dict) -> None:
        partial = self._path(token, "json.partial")
        with self._open_new(partial) as target:
            target.write(json.dumps(meta).encode())
        os.replace(partial, self._path(token, "json"))

    @staticmethod
    def _open_new(path: Path):  # type: ignore[no-untyped-def]
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")

    def _sweep(self) -> None:
        cutoff = time.time() - self.MAX_AGE_SECONDS
        for path in self.folder.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue  # another request removed it first
