"""The pull loop: read the change feed with ``include=data`` and apply it to the store, a page at a time.

Each page and the cursor after it are written in one SQLite transaction, so the client resumes exactly where it
stopped, and applying a page twice (a webhook woke it twice, it crashed before committing) changes nothing: a
record is only replaced by the same or a newer version, and deleting what is gone is a no-op. A fresh store, or
a cursor older than the feed's retention (410), is rebuilt from the list endpoints and the feed's head cursor.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from examples.crm_sync.store import Json, Store

Params = Mapping[str, str | int]


class Http(Protocol):
    """GET a path of the API with query parameters; return the status and the JSON body."""

    def get(self, path: str, params: Params) -> tuple[int, Json]: ...


class SyncError(RuntimeError):
    """The API answered something the client cannot continue from."""


@dataclass(frozen=True)
class UrlHttp:
    """The API over HTTP(S) with a bearer token (standard library only)."""

    base_url: str
    token: str
    timeout: float = 30.0

    def get(self, path: str, params: Params) -> tuple[int, Json]:
        """GET ``path`` and decode the JSON answer (problem+json too)."""
        query = urllib.parse.urlencode({k: str(v) for k, v in params.items()})
        url = f"{self.base_url.rstrip('/')}{path}" + (f"?{query}" if query else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as e:
            return int(e.code), json.loads(e.read() or b"{}")


def _members(http: Http) -> Iterator[tuple[str, Json]]:
    for _, campaign in paged(http, "/api/v1/campaigns"):
        for _, member in paged(http, f"/api/v1/campaigns/{campaign['id']}/members"):
            yield f"{member['campaign_id']}:{member['contact_id']}", member


def _listed(path: str, **params: str) -> Callable[[Http], Iterator[tuple[str, Json]]]:
    return lambda http: paged(http, path, **params)


# What a full resync reads: every entity the client mirrors and how to list all of its records. A new resource
# (segments, opt-outs, imports ...) adds one line.
LISTS: list[tuple[str, Callable[[Http], Iterator[tuple[str, Json]]]]] = [
    ("contact", _listed("/api/v1/contacts")),
    ("contact", _listed("/api/v1/contacts", status="merged")),
    ("contact", _listed("/api/v1/contacts", status="deleted")),
    ("company", _listed("/api/v1/companies")),
    ("tag", _listed("/api/v1/tags")),
    ("event", _listed("/api/v1/events")),
    ("campaign", _listed("/api/v1/campaigns")),
    ("campaign_member", _members),
    ("touchpoint", _listed("/api/v1/touchpoints")),
    ("card", _listed("/api/v1/cards")),
]
MIRRORED = {entity for entity, _ in LISTS}


def paged(http: Http, path: str, **params: str) -> Iterator[tuple[str, Json]]:
    """Yield (id, item) of every item of a list endpoint, following ``next_cursor``."""
    cursor: str | None = None
    while True:
        status, page = http.get(path, {"limit": 500, **params, **({"cursor": cursor} if cursor else {})})
        if status != 200:
            raise SyncError(f"GET {path} answered {status}: {page.get('detail')}")
        for item in page["items"]:
            yield str(item.get("id")), item
        cursor = page.get("next_cursor")
        if not cursor:
            return


@dataclass
class SyncClient:
    """Keep ``store`` in step with the organisation ``http`` reads."""

    http: Http
    store: Store
    page_size: int = 500

    def sync(self) -> int:
        """Apply every change since the stored cursor; return how many feed entries were applied."""
        if self.store.cursor() is None:
            self.resync()
        applied = 0
        while True:
            params: dict[str, str | int] = {"limit": self.page_size, "include": "data"}
            params["cursor"] = self.store.cursor() or ""
            status, page = self.http.get("/api/v1/changes", params)
            if status == 410:  # the feed no longer reaches back to our cursor
                self.resync()
                continue
            if status != 200:
                raise SyncError(f"GET /changes answered {status}: {page.get('detail')}")
            with self.store.transaction():
                for entry in page["items"]:
                    self.apply(entry)
                self.store.set_cursor(str(page["cursor"]))
            applied += len(page["items"])
            if not page["next_cursor"]:
                return applied

    def apply(self, entry: Json) -> None:
        """Apply one feed entry (its ``resource`` is the record as the API shows it now)."""
        entity, record_id = str(entry["entity"]), str(entry["entity_id"])
        if entity not in MIRRORED:
            return
        resource: Json | None = entry.get("resource")
        if entity == "contact" and entry["operation"] == "erased":
            self.store.erase_activities(record_id)
        if resource is None:
            self.store.delete(entity, record_id)
            return
        self.store.upsert(entity, record_id, resource)
        if entity == "contact" and resource.get("status") == "merged" and resource.get("merged_into"):
            # merged_into is the final survivor, however many merges the contact went through
            self.store.repoint_activities(record_id, str(resource["merged_into"]))

    def resync(self) -> None:
        """Rebuild the mirror: take the feed's head, read every list, then follow the feed from that head."""
        status, head = self.http.get("/api/v1/changes/cursor", {})
        if status != 200:
            raise SyncError(f"GET /changes/cursor answered {status}: {head.get('detail')}")
        with self.store.transaction():
            self.store.clear()
            for entity, items in LISTS:
                for record_id, item in items(self.http):
                    self.store.upsert(entity, record_id, item)
            self.store.set_cursor(str(head["cursor"]))


def follow(client: SyncClient, wake: Any, *, interval: float, stop: Any) -> None:
    """Sync, then wait for a webhook's wake-up (or ``interval`` seconds), until ``stop`` is set."""
    while not stop.is_set():
        client.sync()
        wake.wait(interval)
        wake.clear()
