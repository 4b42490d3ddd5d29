"""Each import's state between upload, preview and writing, kept as a small JSON file in the instance folder
(readable by the web process and by a worker running the import in the background)."""
from __future__ import annotations

import enum
import json
import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from storefront.domain.product_csv.actions import import_products
from storefront.domain.product_csv.errors import (
    CsvFileRejected,
    CsvProblem,
    ImportRejected,
    Problem,
)
from storefront.domain.product_csv.planning import MAX_LISTED_PROBLEMS, check_file
from storefront.extensions import db
from storefront.models import utcnow

log = logging.getLogger(__name__)

ROWS_IN_BACKGROUND = 2000
FOLDER_NAME = "product-imports"
KEEP_SECONDS = 7 * 86400
_ID = re.compile(r"^[0-9a-f]{32}$")


class ImportState(str, enum.Enum):
    CHECKING = "checking"
    PREVIEW = "preview"
    REJECTED = "rejected"
    APPLYING = "applying"
    DONE = "done"
    FAILED = "failed"


RUNNING = (ImportState.CHECKING, ImportState.APPLYING)


class ImportNotReady(RuntimeError):
    """Only a checked import without errors, not yet started, can be applied."""


def imports_folder(instance_path: Path | str) -> Path:
    return Path(instance_path) / FOLDER_NAME


def _paths(folder: Path, import_id: str) -> tuple[Path, Path, Path]:
    if not _ID.match(import_id):
        raise FileNotFoundError(import_id)
    return folder / f"{import_id}.json", folder / f"{import_id}.csv", folder / f"{import_id}.started"


def read_status(folder: Path, import_id: str) -> dict[str, Any] | None:
    try:
        status_file, _csv, _lock = _paths(folder, import_id)
        return json.loads(status_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def write_status(folder: Path, import_id: str, **changes: Any) -> dict[str, Any]:
    """Update the status atomically: a reader sees the old file or the new one, never half of one."""
    status_file, _csv, _lock = _paths(folder, import_id)
    status = read_status(folder, import_id) or {}
    status.update(changes, updated_at=utcnow().isoformat())
    temporary = status_file.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, status_file)
    return status


def start_import(folder: Path, raw: bytes, *, filename: str, rows: int, staff_user_id: int | None) -> str:
    """Keep the upload and open its status; returns the import's id."""
    folder.mkdir(parents=True, exist_ok=True)
    forget_old_imports(folder)
    import_id = secrets.token_hex(16)
    _status, csv_file, _lock = _paths(folder, import_id)
    csv_file.write_bytes(raw)
    write_status(folder, import_id, id=import_id, filename=filename, rows=rows, staff_user_id=staff_user_id,
                 state=ImportState.CHECKING.value, background=rows > ROWS_IN_BACKGROUND,
                 created_at=utcnow().isoformat(), progress={"done": 0, "total": 0})
    return import_id


def forget_old_imports(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def in_background(status: dict[str, Any]) -> bool:
    return bool(status.get("background"))


def check_import(session: Session, folder: Path, import_id: str, media_root: Path) -> dict[str, Any]:
    """The dry run: read and check the kept upload, write nothing, and record the preview."""
    _status, csv_file, _lock = _paths(folder, import_id)
    try:
        plan = check_file(session, csv_file.read_bytes(), media_root)
    except CsvFileRejected as rejected:
        return write_status(folder, import_id, state=ImportState.REJECTED.value,
                            preview={"errors": [rejected.problem.as_dict()], "error_count": 1})
    summary = plan.summary()
    state = ImportState.REJECTED if plan.problems else ImportState.PREVIEW
    return write_status(folder, import_id, state=state.value, preview=summary,
                        progress={"done": 0, "total": summary["products"]})


def claim(folder: Path, import_id: str) -> None:
    """Mark the import as started exactly once: a double-clicked confirmation cannot write it twice."""
    status = read_status(folder, import_id)
    if status is None or status.get("state") != ImportState.PREVIEW.value:
        raise ImportNotReady(import_id)
    _status, _csv, lock = _paths(folder, import_id)
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        raise ImportNotReady(import_id) from None
    write_status(folder, import_id, state=ImportState.APPLYING.value)


def apply_import(session: Session, folder: Path, import_id: str, media_root: Path, *, staff_user_id: int | None,
                 ip_address: str | None = None) -> dict[str, Any]:
    """Write a claimed import in one transaction and commit it; on any error nothing is kept."""
    status = read_status(folder, import_id) or {}
    _status, csv_file, _lock = _paths(folder, import_id)

    def report(done: int, total: int) -> None:
        write_status(folder, import_id, progress={"done": done, "total": total})

    try:
        result = import_products(session, csv_file.read_bytes(), media_root, staff_user_id=staff_user_id,
                                 reference=import_id, filename=status.get("filename", ""), ip_address=ip_address,
                                 progress=report)
        session.commit()
    except (ImportRejected, CsvFileRejected) as rejected:
        session.rollback()
        problems = rejected.problems if isinstance(rejected, ImportRejected) else [rejected.problem]
        return write_status(folder, import_id, state=ImportState.FAILED.value,
                            failure=[p.as_dict() for p in problems[:MAX_LISTED_PROBLEMS]],
                            failure_count=len(problems))
    except Exception:
        session.rollback()
        write_status(folder, import_id, state=ImportState.FAILED.value,
                     failure=[Problem(CsvProblem.INTERRUPTED).as_dict()], failure_count=1)
        raise
    csv_file.unlink(missing_ok=True)
    return write_status(folder, import_id, state=ImportState.DONE.value, result=result.as_dict())


def _settings():
    return current_app.config["CLIPPER"]


def check_job(import_id: str) -> None:
    """Background dry run of a large file (jobs.enqueue)."""
    settings = _settings()
    check_import(db.session, imports_folder(settings.instance_path), import_id, settings.media_path)


def apply_job(import_id: str, staff_user_id: int | None, ip_address: str | None) -> None:
    """Background writing of a large, claimed import (jobs.enqueue)."""
    settings = _settings()
    apply_import(db.session, imports_folder(settings.instance_path), import_id, settings.media_path,
                 staff_user_id=staff_user_id, ip_address=ip_address)
