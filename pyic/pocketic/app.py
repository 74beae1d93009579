"""The PocketIC server's operations without HTTP: its instances and blob store (`App`, one
request dispatched at a time) and `InProcessServer`, pocket-ic's ``PocketICServer`` called
directly (what ``pyic.testing.PocketIC`` uses; `pyic.pocketic.server` serves the same `App`
over HTTP, and importing this module does not load ``http.server``)."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time

from . import rest
from .config import build_instance
from .errors import InstanceError
from .instance import Instance


class BlobStore:
    """Blobs by the hex of their SHA-256, kept as sent (gzip or not)."""

    def __init__(self) -> None:
        self.blobs: dict[bytes, tuple[bytes, str | None]] = {}

    def put(self, data: bytes, compression: str | None) -> str:
        if compression not in (None, "gzip"):
            raise InstanceError(f"unsupported Content-Encoding {compression!r} (use gzip)")
        key = hashlib.sha256(data).digest()
        self.blobs[key] = (data, compression)
        return key.hex()

    def raw(self, key: bytes) -> bytes:
        if key not in self.blobs:
            raise InstanceError(f"BlobNotFound({key.hex()})")
        return self.blobs[key][0]

    def get(self, key: bytes) -> bytes:
        """The blob, decompressed."""
        data = self.raw(key)
        if self.blobs[key][1] == "gzip":
            try:
                return gzip.decompress(data)
            except (OSError, EOFError) as e:
                raise InstanceError(f"BlobNotGzip({key.hex()}): {e}") from None
        return data


class App:
    """The server's state (instances, blobs) and the dispatch of one request."""

    def __init__(self) -> None:
        self.instances: list[tuple[Instance, str | None] | None] = []   # None: deleted
        self.blobs = BlobStore()
        # Reentrant: in process, a PocketIC collected during a request deletes its instance.
        self.lock = threading.RLock()
        self.active = 0
        self.last_activity = time.monotonic()

    # ---------------------------------------------------------------- instances

    def create_instance(self, body) -> dict:
        instance, state_dir = build_instance(body)
        return {"Created": {"instance_id": self.add_instance(instance, state_dir),
                            "topology": rest.topology_json(instance),
                            "http_gateway_info": None}}

    def add_instance(self, instance: Instance, state_dir: str | None) -> int:
        self.instances.append((instance, state_dir))
        return len(self.instances) - 1

    def instance(self, text: str) -> Instance:
        entry = self._entry(text)
        if entry is None:
            raise InstanceError(f"Instance {text} was deleted")
        return entry[0]

    def _entry(self, text: str):
        if not text.isdigit() or int(text) >= len(self.instances):
            raise InstanceError(f"Instance {text} not found")
        return self.instances[int(text)]

    def delete_instance(self, text: str) -> None:
        entry = self._entry(text)
        if entry is not None:
            self._persist(entry)
            self.instances[int(text)] = None

    def close(self) -> None:
        """Save every live instance that has a state directory."""
        for entry in self.instances:
            if entry is not None:
                self._persist(entry)

    @staticmethod
    def _persist(entry) -> None:
        instance, state_dir = entry
        if state_dir is not None:
            from .state_dir import save_instance
            save_instance(instance, state_dir)

    # ---------------------------------------------------------------- dispatch

    def dispatch(self, method: str, path: str, headers, body: bytes) -> tuple[int, object]:
        """``(status, JSON value)``; a `bytes` value is sent as is (blobs, blob ids)."""
        parts = [p for p in path.split("?", 1)[0].split("/") if p]
        if parts == ["status"] and method == "GET":
            return 200, None
        if parts[:1] == ["blobstore"]:
            if method == "POST" and len(parts) == 1:
                encoding = headers.get("Content-Encoding")
                return 200, self.blobs.put(body, encoding).encode()
            if method == "GET" and len(parts) == 2:
                try:
                    key = bytes.fromhex(parts[1])
                except ValueError:
                    raise InstanceError(f"not a blob id: {parts[1]!r}") from None
                return 200, self.blobs.raw(key)
        if parts[:1] == ["instances"]:
            if len(parts) == 1 and method == "GET":
                return 200, ["Deleted" if e is None else "Available" for e in self.instances]
            if len(parts) == 1 and method == "POST":
                return 201, self.create_instance(_json(body))
            if len(parts) == 2 and method == "DELETE":
                self.delete_instance(parts[1])
                return 200, None
            if len(parts) >= 4:
                handler = rest.INSTANCE_ROUTES.get((method, "/".join(parts[2:])))
                if handler is not None:
                    instance = self.instance(parts[1])
                    value = _json(body) if method == "POST" else None
                    if handler in rest.NEEDS_BLOBS:
                        return 200, handler(instance, value, self.blobs)
                    return 200, handler(instance, value)
        return 404, {"message": f"no route {method} {path}"}


def _json(body: bytes):
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise InstanceError(f"the body is not JSON: {e}") from None


class InProcessServer:
    """pocket-ic's ``PocketICServer`` without the process: the same `App`, called
    directly (``pyic.testing.PocketIC().server``)."""

    def __init__(self) -> None:
        self.app = App()

    def _request(self, method: str, path: str, body=None, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self.app.lock:
            status, value = self.app.dispatch(method, path, headers or {}, data)
        if status not in (200, 201, 202):
            raise InstanceError(value["message"])
        return value

    def new_instance(self, subnet_config: dict) -> int:
        return self._request("POST", "/instances", subnet_config)["Created"]["instance_id"]

    def list_instances(self) -> list[str]:
        return self._request("GET", "/instances")

    def delete_instance(self, instance_id: int) -> None:
        self._request("DELETE", f"/instances/{instance_id}")

    def instance_get(self, endpoint: str, instance_id: int):
        return self._request("GET", f"/instances/{instance_id}/{endpoint}")

    def instance_post(self, endpoint: str, instance_id: int, body):
        return self._request("POST", f"/instances/{instance_id}/{endpoint}", body)

    def set_blob_store_entry(self, blob: bytes, compression: str | None) -> str:
        if compression not in (None, "gzip"):
            raise InstanceError('only "gzip" compression is supported')
        headers = {"Content-Encoding": compression} if compression else {}
        return self._request("POST", "/blobstore", bytes(blob), headers).decode()


__all__ = ["App", "BlobStore", "InProcessServer"]
