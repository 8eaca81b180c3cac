"""The values the client works with: a query, a cached answer and the `Permitted` result,
and the uncached `explain` and `gate` calls."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class Query:
    """One `permitted` question; also the cache key."""

    org: str
    policy: str
    data_class: str | None
    model: str | None
    format: str

    @property
    def path(self) -> str:
        org, policy = quote(self.org, safe=""), quote(self.policy, safe="")
        return f"/v1/orgs/{org}/policies/{policy}/permitted"

    @property
    def params(self) -> dict[str, str]:
        params = {"format": self.format}
        if self.data_class is not None:
            params["data_class"] = self.data_class
        if self.model is not None:
            params["model"] = self.model
        return params


@dataclass(frozen=True)
class Call:
    """One `explain` or `gate` request: answered by a JSON object, never cached."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    @classmethod
    def explain(
        cls, org: str, policy: str, target: str, data_class: str | None, model: str | None
    ) -> Call:
        parts = "/".join(quote(part, safe="") for part in target.split("/", 1))
        base = f"/v1/orgs/{quote(org, safe='')}/policies/{quote(policy, safe='')}"
        params = {} if data_class is None else {"data_class": data_class}
        if model is not None:
            params["model"] = model
        return cls("GET", f"{base}/explain/{parts}", params)

    @classmethod
    def gate(
        cls,
        org: str,
        policy: str,
        manifests: Sequence[tuple[str, str]],
        data_class: str | None,
        env: Mapping[str, str],
    ) -> Call:
        body = {
            "policy": policy,
            "data_class": data_class,
            "env": dict(env),
            "manifests": [{"name": name, "content": text} for name, text in manifests],
        }
        return cls("POST", f"/v1/orgs/{quote(org, safe='')}/gate", body=body)


@dataclass(frozen=True)
class Entry:
    """A cached answer: the body as sent (parsed again for each caller, so nobody can change
    what the next caller gets) and when the service last confirmed it (client clock)."""

    raw: bytes
    etag: str | None
    confirmed_at: float
    store_revision: int | None
    deployments: tuple[str, ...] | None  # format json only


@dataclass(frozen=True)
class Permitted:
    """The permitted deployments for one query, as the service last confirmed them.

    `fetched_at` is the client clock's reading (`time.monotonic` unless a `clock` was given)
    when the service last confirmed this answer (a 200, or a 304 for its ETag); `age` is the
    seconds from then to when this result was returned. `from_cache` is True only when the
    service could not be asked and a cached answer younger than `max_staleness` was used.
    """

    raw: bytes = field(repr=False)
    etag: str | None
    fetched_at: float
    age: float
    from_cache: bool
    store_revision: int | None
    format: str = "json"
    listed: tuple[str, ...] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, entry: Entry, now: float, from_cache: bool, format: str) -> Permitted:
        return cls(
            raw=entry.raw,
            etag=entry.etag,
            fetched_at=entry.confirmed_at,
            age=max(0.0, now - entry.confirmed_at),
            from_cache=from_cache,
            store_revision=entry.store_revision,
            format=format,
            listed=entry.deployments,
        )

    @cached_property
    def body(self) -> dict[str, Any]:
        """The answer as parsed JSON: this result's own copy (parsed on first access)."""
        parsed: dict[str, Any] = json.loads(self.raw)
        return parsed

    @property
    def deployments(self) -> tuple[str, ...]:
        """The permitted `provider/deployment` ids (format json only)."""
        if self.listed is None:
            raise ValueError(
                f"deployments is defined for format 'json', not {self.format!r}: read .body"
            )
        return self.listed

    def is_permitted(self, deployment_id: str) -> bool:
        """Whether `provider/deployment` is in the permitted set (format json only)."""
        return deployment_id in self.deployments
