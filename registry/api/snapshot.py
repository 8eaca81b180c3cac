"""The in-memory snapshot every read is served from: the store's state at one generation.

A snapshot holds the active catalog, every current policy (parsed and validated once), each
org's attestations (parsed and checked against the catalog once, see orgviews.py) and the
active API keys with their authorizer, plus a cache of answers. It is built from a store
read (`build_snapshot`, which rebuilds only what changed since the previous snapshot) or
moved forward by one write this process committed (`with_policy`, `with_attestations`),
without reading the store back. holder.py keeps the current one fresh.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from registry.api.orgviews import OrgAttestations, load_org, load_orgs
from registry.catalog.loader import Catalog
from registry.errors import InputError
from registry.policy.loader import LoadedPolicy, load_policy_text
from registry.security.keys import Principal
from registry.security.rbac import Authorizer, Grant
from registry.store.access import KeyInfo
from registry.store.repository import Store
from registry.store.state import StoredAttestations, StoredPolicy, StoreSnapshot, Text

log = logging.getLogger("clearance.snapshot")


@dataclass(frozen=True)
class PolicyEntry:
    stored: StoredPolicy
    loaded: LoadedPolicy


@dataclass
class Snapshot:
    generation: int
    catalog: Catalog | None
    policies: Mapping[tuple[str, str], PolicyEntry]
    keys: Mapping[str, KeyInfo] = field(default_factory=dict)  # active keys by id
    authorizer: Authorizer = field(default_factory=lambda: Authorizer(()))
    # `Authorization` header values already verified against `keys` (digest compared in
    # constant time once); only verified values are ever added, and a new snapshot (after
    # any key change) starts empty, so a revoked key is never found here.
    principals: dict[bytes, Principal] = field(default_factory=dict)
    responses: OrderedDict[Any, Any] = field(default_factory=OrderedDict)
    attestations: Mapping[str, OrgAttestations] = field(default_factory=dict)  # by org
    state: StoreSnapshot | None = None  # what the store read returned (the next one's base)

    def remember(self, key: Any, value: Any, limit: int = 4096) -> Any:
        self.responses[key] = value
        while len(self.responses) > limit:
            self.responses.popitem(last=False)
        return value


def build_snapshot(store: Store, previous: Snapshot | None) -> Snapshot:
    """Read the store once and build only what changed since `previous` (issue 16 item 3):
    the store read reuses unchanged texts and the loaded catalog (registry/store/state.py);
    unchanged policies keep their parsed form, unchanged attestations their checked set,
    unchanged keys their authorizer and verified principals, and answers whose inputs are
    unchanged stay cached (see `carried`). Attestations are checked against the catalog as
    of today (UTC): a set that passes today passes later too (entries only expire out of
    conflicts)."""
    state = store.read_state(previous.state if previous else None)
    policies = _policies(state, previous.policies if previous else {})
    keys = {k.id: k for k in state.keys}
    same_keys = previous is not None and previous.keys == keys
    if previous is not None and same_keys:
        authorizer, principals = previous.authorizer, previous.principals
    else:
        authorizer, principals = Authorizer(Grant(k.id, k.org, k.role) for k in state.keys), {}
    same_catalog = previous is not None and previous.catalog is state.catalog
    attestations = load_orgs(
        state.attestations,
        state.catalog,
        datetime.now(UTC).date(),
        previous.attestations if previous else {},
        same_catalog=same_catalog,
    )
    for org, found in attestations.items():
        if found.problems:
            log.error("attestations of org %s are unusable: %s", org, found.problems[0].render())
    return Snapshot(
        state.generation,
        state.catalog,
        policies,
        keys,
        authorizer,
        principals,
        carried(previous.responses) if previous is not None and same_catalog else OrderedDict(),
        attestations,
        state,
    )


def _policies(
    state: StoreSnapshot, old: Mapping[tuple[str, str], PolicyEntry]
) -> dict[tuple[str, str], PolicyEntry]:
    """Every current policy parsed, reusing the parsed form of each unchanged text."""
    policies: dict[tuple[str, str], PolicyEntry] = {}
    for stored in state.policies:
        key = (stored.org, stored.name)
        if key in old and old[key].stored == stored:
            policies[key] = old[key]
            continue
        try:
            loaded = load_policy_text(stored.body, f"{stored.org}/{stored.name}")
        except InputError as err:  # written by an older version with other rules: skip it
            log.error("policy %s/%s no longer loads: %s", stored.org, stored.name, err)
            continue
        policies[key] = PolicyEntry(stored, loaded)
    return policies


# Cached values whose keys name every input they were computed from (policy text hash,
# catalog revision and attestations in effect, query, date), none of the generation: they
# hold in any later snapshot, and one whose inputs changed is simply never asked for again.
CARRIED_KINDS = frozenset({"evaluation", "permitted", "policy"})


def carried(responses: OrderedDict[Any, Any]) -> OrderedDict[Any, Any]:
    """The generation-free part of a snapshot's answer cache, for the next snapshot."""
    items = list(responses.items())  # one C call: requests may add entries meanwhile
    return OrderedDict((k, v) for k, v in items if k[0] in CARRIED_KINDS)


def with_policy(current: Snapshot, generation: int, entry: PolicyEntry) -> Snapshot:
    """`current` moved forward to `generation` by one policy write (created or replaced):
    everything else is the same objects."""
    key = (entry.stored.org, entry.stored.name)
    state = current.state
    if state is not None:
        texts = _replaced(state.policies, entry.stored)
        state = replace(state, generation=generation, policies=texts)
    return replace(
        current,
        generation=generation,
        policies={**current.policies, key: entry},
        responses=carried(current.responses),
        state=state,
    )


def with_attestations(
    current: Snapshot, generation: int, stored: StoredAttestations, as_of: date
) -> Snapshot:
    """`current` moved forward to `generation` by one attestations write: that org's set
    is rebuilt from its files (the others' parsed docs reused) and checked again."""
    state = current.state
    if state is None:
        raise ValueError("a snapshot without its store read cannot be moved forward")
    texts = _replaced(state.attestations, stored)
    files = sorted((a for a in texts if a.org == stored.org), key=lambda a: a.name)
    old = current.attestations.get(stored.org)
    parsed = old.docs if old is not None else {}
    org = load_org(stored.org, files, current.catalog, as_of, parsed)
    if org.problems:
        log.error("attestations of org %s are unusable: %s", org.org, org.problems[0].render())
    return replace(
        current,
        generation=generation,
        attestations={**current.attestations, stored.org: org},
        responses=carried(current.responses),
        state=replace(state, generation=generation, attestations=texts),
    )


def _replaced(texts: tuple[Text, ...], new: Text) -> tuple[Text, ...]:
    """`texts` with the one of `new`'s org and name replaced by it, or `new` appended."""
    kept = tuple(t for t in texts if (t.org, t.name) != (new.org, new.name))
    return (*kept, new)
