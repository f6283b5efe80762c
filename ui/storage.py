"""Where the chat's elements (charts, attached files) are kept, so a reload shows them again: Chainlit's SQL data
layer stores an element's row in Postgres and its content through a storage client (``BaseStorageClient``).

- ``LocalStorageClient`` (the default): files under ``<CORTEX_STATE_DIR>/files``, read back through ``router``
  (``GET /cortex-files/<key>``) by the logged-in creator whose Chainlit user id starts the key (Chainlit names each
  file ``<user id>/<element id>/<name>``); anyone else gets 404.
- Chainlit's ``S3StorageClient`` when ``CORTEX_FILES_S3_BUCKET`` is set (any S3-compatible store; boto3 reads its
  credentials and endpoint from the usual ``AWS_*`` variables; ``pip install boto3``): presigned read URLs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from chainlit.auth import get_current_user
from chainlit.data.storage_clients.base import BaseStorageClient
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from agent.settings import Settings

ROUTE = "/cortex-files"
router = APIRouter(include_in_schema=False)  # the chat UI's own routes, not the public API
User = Annotated[Any, Depends(get_current_user)]


class LocalStorageClient(BaseStorageClient):
    """Chainlit element files in the folder ``root`` (created on first write); each file's MIME type is kept next
    to it in ``<file>.mime``. Raises ValueError for an object key that would leave ``root``."""

    def __init__(self, root: Path):
        self.root = root.resolve()

    def path_of(self, object_key: str) -> Path:
        """The file of ``object_key`` inside ``root``; ValueError when the key climbs out of it."""
        path = (self.root / object_key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"Object key {object_key!r} is outside the file store.")
        return path

    async def upload_file(self, object_key: str, data: bytes | str, mime: str = "application/octet-stream",
                          overwrite: bool = True, content_disposition: str | None = None) -> dict[str, Any]:
        """Write the file; returns Chainlit's ``{"object_key", "url"}`` ({} when it exists and not ``overwrite``)."""
        path = self.path_of(object_key)
        if path.exists() and not overwrite:
            return {}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        Path(f"{path}.mime").write_text(json.dumps({"mime": mime}))
        return {"object_key": object_key, "url": await self.get_read_url(object_key)}

    async def delete_file(self, object_key: str) -> bool:
        """Delete the file (and its MIME note); False when it was not there."""
        path = self.path_of(object_key)
        Path(f"{path}.mime").unlink(missing_ok=True)
        if not path.exists():
            return False
        path.unlink()
        return True

    async def get_read_url(self, object_key: str) -> str:
        """The URL the chat page reads the file from (the route checks who asks)."""
        return f"{ROUTE}/{quote(object_key)}"

    def mime_of(self, path: Path) -> str:
        """The MIME type stored with the file at ``path``."""
        note = Path(f"{path}.mime")
        return json.loads(note.read_text())["mime"] if note.exists() else "application/octet-stream"

    async def close(self) -> None:
        """Nothing to release."""


def storage_client(settings: Settings) -> BaseStorageClient:
    """The storage client the settings ask for: S3 when ``files_s3_bucket`` is set, else local files in
    ``<state_dir>/files``. Raises RuntimeError naming the package to install when S3 is asked for without boto3."""
    if settings.files_s3_bucket:
        try:
            from chainlit.data.storage_clients.s3 import S3StorageClient
        except ImportError as exc:
            raise RuntimeError("CORTEX_FILES_S3_BUCKET is set but boto3 is not installed: `pip install boto3` "
                               "(or unset it to keep files on local disk).") from exc
        return S3StorageClient(bucket=settings.files_s3_bucket)
    return LocalStorageClient(settings.state_dir / "files")


_local: LocalStorageClient | None = None


def use_local_store(client: BaseStorageClient) -> None:
    """Serve ``client``'s files at ``ROUTE`` when it is a ``LocalStorageClient`` (``ui.app``'s data layer sets it)."""
    global _local
    _local = client if isinstance(client, LocalStorageClient) else None


@router.get(ROUTE + "/{object_key:path}")
async def read_file(object_key: str, current_user: User) -> FileResponse:
    """A chat element's file, to the creator whose chat it belongs to (404 to anyone else, or when missing)."""
    owner = object_key.split("/", 1)[0]
    if _local is None or current_user is None or getattr(current_user, "id", None) != owner:
        raise HTTPException(404, "No such file.")
    try:
        path = _local.path_of(object_key)
    except ValueError:
        raise HTTPException(404, "No such file.") from None
    if not path.is_file():
        raise HTTPException(404, "No such file.")
    return FileResponse(path, media_type=_local.mime_of(path))
