"""Walk a write through HTTP and check the change feed tells about every resource whose JSON it changed.

``RESOURCES`` is the table of what a feed follower mirrors: one line per resource kind, naming its change-log
entity and how to list every record of it. A new package with a resource adds one line here (segments,
opt-outs, imports ...), and every walk in ``test_feed_complete.py`` then checks it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import OrgClient

Json = dict[str, Any]
Key = tuple[str, str]


def paged(org: OrgClient, path: str, **params: Any) -> Iterator[Json]:
    """Yield every item of a list endpoint, following ``next_cursor``."""
    cursor: str | None = None
    while True:
        query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        response = org.get(path, query_string=query)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        page = response.get_json()
        yield from page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return


def _members(org: OrgClient) -> Iterator[Json]:
    for campaign in paged(org, "/api/v1/campaigns"):
        yield from paged(org, f"/api/v1/campaigns/{campaign['id']}/members")


@dataclass(frozen=True)
class Resource:
    """A resource kind a feed follower mirrors.

    ``ignore`` names derived fields left out of the comparison: counts over other resources (a tag's
    ``contact_count``) change with every contact written and are not the tag's own state.
    """

    entity: str
    items: Callable[[OrgClient], Iterator[Json]]
    ignore: tuple[str, ...] = field(default=())
    key: Callable[[Json], str] = field(default=lambda item: str(item["id"]))


def listed(path: str, **params: Any) -> Callable[[OrgClient], Iterator[Json]]:
    """List the resource through ``path``."""
    return lambda org: paged(org, path, **params)


RESOURCES: list[Resource] = [
    # A contact's over_contacted follows its touchpoints and the clock (it lapses with no write at all).
    Resource("contact", listed("/api/v1/contacts"), ignore=("over_contacted",)),
    Resource("contact", listed("/api/v1/contacts", status="merged"), ignore=("over_contacted",)),
    Resource("contact", listed("/api/v1/contacts", status="deleted"), ignore=("over_contacted",)),
    Resource("company", listed("/api/v1/companies")),
    Resource("tag", listed("/api/v1/tags"), ignore=("contact_count", "company_count", "updated_at")),
    Resource("event", listed("/api/v1/events")),
    Resource("campaign", listed("/api/v1/campaigns"), ignore=("member_count",)),
    # A member shows its contact's name and company: the contact's own entries tell about those.
    Resource(
        "campaign_member",
        _members,
        ignore=("full_name", "company"),
        key=lambda m: f"{m['campaign_id']}:{m['contact_id']}",
    ),
    Resource("touchpoint", listed("/api/v1/touchpoints")),
    Resource("card", listed("/api/v1/cards")),
    # A segment's count and its stale references follow other records; its own entries tell about its filter.
    Resource("segment", listed("/api/v1/segments"), ignore=("count", "stale_references")),
]


def snapshot(org: OrgClient) -> dict[Key, Json]:
    """Return the JSON of every resource of the organisation, by (entity, id)."""
    state: dict[Key, Json] = {}
    for resource in RESOURCES:
        for item in resource.items(org):
            state[(resource.entity, resource.key(item))] = {
                k: v for k, v in item.items() if k not in resource.ignore
            }
    return state


def head(org: OrgClient) -> int:
    """Return the organisation's current change-feed sequence number."""
    response = org.get("/api/v1/changes", query_string={"limit": 1})
    return int(response.get_json()["last_seq"])


def changes_since(org: OrgClient, seq: int) -> list[Json]:
    """Return the feed entries after ``seq``."""
    return list(paged(org, "/api/v1/changes", after=seq))


@dataclass
class Walk:
    """What one write did: the resources whose JSON changed and the feed entries it wrote."""

    before: dict[Key, Json]
    after: dict[Key, Json]
    entries: list[Json]

    def changed(self) -> set[Key]:
        """Return the resources that appeared, disappeared or whose JSON differs."""
        keys = set(self.before) | set(self.after)
        return {k for k in keys if self.before.get(k) != self.after.get(k)}

    def unreported(self) -> list[str]:
        """Describe each changed resource without a feed entry, or whose version did not rise."""
        logged = {(e["entity"], e["entity_id"]) for e in self.entries}
        problems: list[str] = []
        for key in sorted(self.changed()):
            if key not in logged:
                problems.append(f"{key}: JSON changed with no feed entry")
                continue
            old, new = self.before.get(key), self.after.get(key)
            if old is not None and new is not None and "version" in new and new["version"] <= old["version"]:
                problems.append(f"{key}: JSON changed but version stayed {new['version']}")
        return problems


def walk(org: OrgClient, write: Callable[[], Any]) -> Walk:
    """Snapshot every resource, run ``write``, snapshot again, and collect the feed entries in between."""
    before, seq = snapshot(org), head(org)
    write()
    return Walk(before=before, after=snapshot(org), entries=changes_since(org, seq))
