"""OpenRouter requests and presets (`model` or `models`, and `provider` preferences).

Where OpenRouter may route: a request is *pinned* when `provider.only` is given, or
`provider.order` with `allow_fallbacks: false`; the deployments it may reach are those the
pinned slugs name (a base slug any deployment of its provider, a regional slug such as
`google-vertex/us-east5` the deployments that carry it), less `ignore`, narrowed by `zdr`
and `data_collection`. Narrowing only removes what the catalog *knows* to be excluded (ZDR
known unavailable, training known on): an unknown fact keeps a deployment in.

Fail closed: an unpinned request may reach any provider OpenRouter has — including ones
the catalog has never judged — and a pinned slug the catalog does not know is a provider
nobody judged; either is a violation under every data class (`gate.unpinned`,
`gate.unknown_provider`), reported with the permitted `provider` object that would comply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.errors import InputError
from registry.gate.report import Entry
from registry.routers.litellm_openrouter import model_variant_problem, pinned_reach, pins_of
from registry.routers.openrouter import slug_targets, slugs_for
from registry.schema_types import StrictModel
from registry.validation import problems_from_validation
from registry.yamlload import Document

Slugs = list[Annotated[str, Field(min_length=1, max_length=100)]]


class Preferences(StrictModel):
    """The provider-routing keys that decide where a prompt may go (others are ignored)."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    only: Slugs | None = None
    ignore: Slugs | None = None
    order: Slugs | None = None
    allow_fallbacks: bool = True
    zdr: bool = False
    data_collection: Literal["allow", "deny"] = "allow"
    # per model offering; checked for type only: deployments are judged without a model
    # here, so an offering's quantization cannot narrow the set (it stays in: fail closed)
    quantizations: Slugs | None = None


ModelId = Annotated[str, Field(min_length=1, max_length=200)]


class Request(StrictModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    model: ModelId | None = None
    models: list[ModelId] | None = None
    provider: Preferences = Preferences()
    preset: str | None = None
    plugins: list[dict[str, Any]] | None = None
    web_search_options: dict[str, Any] | None = None

    @property
    def named(self) -> list[str]:
        return list(dict.fromkeys(m for m in [self.model, *(self.models or ())] if m))

    @property
    def label(self) -> str:
        """The model (or fallback models) asked for; any model when none is named."""
        return ", ".join(self.named) or "any model"

    def route_problems(self) -> list[str]:
        """What sends the prompt beyond the pinned providers' facts: a preset (its own
        routing), free or web-search model variants, the web plugin or web search options."""
        found = [p for m in self.named if (p := model_variant_problem(m)) is not None]
        if self.preset is not None:
            found.append(f"preset {self.preset!r} carries its own provider routing")
        web = any(isinstance(p, dict) and p.get("id") == "web" for p in self.plugins or ())
        if web or self.web_search_options is not None:
            found.append(
                "web search sends prompt-derived queries to a search provider the catalog "
                "does not know"
            )
        return found


@dataclass(frozen=True)
class Reach:
    """Where OpenRouter may route one request (module doc)."""

    targets: tuple[str, ...]  # catalog deployments
    unknown: tuple[str, ...]  # pinned slugs the catalog does not know
    pinned: bool

    @property
    def problem(self) -> str | None:
        if not self.pinned:
            return (
                "unpinned: without provider.only (or provider.order with allow_fallbacks: "
                "false) OpenRouter may route to any of its providers, including ones the "
                "catalog has never judged"
            )
        if self.unknown:
            return (
                f"the catalog does not know {', '.join(self.unknown)}: OpenRouter may route "
                "there and nobody has judged it"
            )
        if not self.targets:
            return "the preferences leave no provider the catalog knows"
        return None

    @property
    def rule(self) -> str:
        if not self.pinned:
            return "gate.unpinned"
        return "gate.unknown_provider" if self.unknown else "gate.unresolved"


def _kept(target: Target, prefs: Preferences) -> bool:
    if prefs.zdr and target.facts["retention.zero_data_retention"] == "unavailable":
        return False
    training = target.facts["training_on_customer_data"]
    return not (prefs.data_collection == "deny" and training in ("opt-out", "always"))


def reach(catalog: Catalog, prefs: Preferences) -> Reach:
    """The deployments and unknown slugs a request may reach (module doc)."""
    slugs = slug_targets(catalog)
    pins = pins_of(prefs.only, prefs.order, not prefs.allow_fallbacks)
    lists = [[s.lower() for s in pin] for pin in pins] or [sorted(slugs)]  # unpinned: any
    found, unknown = pinned_reach(slugs, lists, prefs.ignore or ())
    kept = {t.id for t in targets(catalog) if _kept(t, prefs)}
    return Reach(tuple(sorted(found & kept)), tuple(unknown), pinned=bool(pins))


def openrouter_entries(doc: Document, catalog: Catalog) -> list[Entry]:
    try:
        request = Request.model_validate(doc.data)
    except ValidationError as err:
        raise InputError(problems_from_validation(err, doc, Code.G001, Request)) from None
    found = reach(catalog, request.provider)
    label = f"OpenRouter {'pinned' if found.pinned else 'unpinned'} request for {request.label}"
    problems = [p for p in (found.problem, *request.route_problems()) if p is not None]
    line = doc.line_of(("provider",)) if "provider" in doc.data else doc.line_of(("model",))
    group = request.model or (request.models[0] if request.models else None)
    return [
        Entry(
            file=doc.file,
            line=line,
            kind="openrouter",
            label=label,
            provider=None,
            targets=found.targets,
            data_class=None,
            problem="; ".join(problems) or None,
            group=group,
            problem_rule=found.rule,
        )
    ]


def compliant_preferences(catalog: Catalog, permitted: set[str], entry: Entry) -> str:
    """The `provider` object that keeps this request on permitted deployments only."""
    only, _ = slugs_for(catalog, entry.targets, permitted)
    return json.dumps({"provider": {"only": only, "allow_fallbacks": False}})
