"""LiteLLM deployments that send prompts to OpenRouter, an aggregator: OpenRouter forwards
each prompt to an upstream provider of its choosing, so an entry reaches OpenRouter's own
deployment *and* every upstream its provider preferences allow.

Standard library only (the hook imports it through `litellm_match`). The preferences are
read from `litellm_params.extra_body.provider` (LiteLLM sends `extra_body` as is), with
OpenRouter's semantics (as the gate reads an OpenRouter request): pinned by `only`, or by
`order` with `allow_fallbacks: false`; a base slug reaches any deployment of its provider,
a regional slug the deployments that carry it (`view["openrouter_slugs"]`); `ignore`
removes. Unpinned, or a pinned slug the catalog does not know: OpenRouter may send the
prompt where nobody has judged, so the entry resolves to nothing (fail closed). So does a
model variant whose route the providers' facts do not cover (`model_variant_problem`):
`:free` (free endpoints may log and train), `:online` (web search sends prompt-derived
queries to a search provider), and presets (`@preset/…`: they carry their own routing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

UNPINNED = (
    "OpenRouter forwards the prompt to upstream providers of its choosing: pin them with "
    "litellm_params.extra_body.provider.only (or order with allow_fallbacks: false)"
)


def _slugs(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return [s.lower() for s in value]
    return None


def _preferences(params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    extra = params.get("extra_body")
    provider = extra.get("provider") if isinstance(extra, Mapping) else None
    return provider if isinstance(provider, Mapping) else None


def pins_of(only: Any, order: Any, no_fallbacks: bool) -> list[Any]:
    """What pins a request to its slugs (OpenRouter's semantics, shared by the gate's reading
    of a request): `only`, and `order` when fallbacks are off."""
    pins = [only] if only is not None else []
    if order is not None and no_fallbacks:
        pins.append(order)
    return pins


def pinned_reach(
    slugs: Mapping[str, Any], pins: list[list[str]], ignore: Iterable[str]
) -> tuple[set[str], list[str]]:
    """For at least one pin (lists of lower-case slugs): the deployments every pin reaches
    less what `ignore` names, and the pinned slugs `slugs` does not know (not ignored)."""
    ignored = {s.lower() for s in ignore}
    unknown = set.intersection(*({s for s in pin if s not in slugs} for pin in pins)) - ignored
    reach = set.intersection(*({str(t) for s in pin for t in slugs.get(s, ())} for pin in pins))
    reach -= {str(t) for s in ignored for t in slugs.get(s, ())}
    return reach, sorted(unknown)


def model_variant_problem(model: str) -> str | None:
    """Why a model id routes beyond what the pinned providers' facts describe, or None."""
    name = model.strip().lower()
    if "@preset/" in name or name.startswith("preset/"):
        return f"{model!r} uses an OpenRouter preset, which carries its own provider routing"
    if name.endswith(":free"):
        return (
            f"{model!r} is a free variant: free endpoints may log prompts and train on them "
            "(OpenRouter's docs), which the providers' catalog facts do not cover"
        )
    if name.endswith(":online"):
        return (
            f"{model!r} searches the web: OpenRouter sends prompt-derived queries to a search "
            "provider the catalog does not know"
        )
    return None


def upstream(
    view: Mapping[str, Any], params: Mapping[str, Any], model: str
) -> tuple[tuple[str, ...], str | None]:
    """(the upstream deployments an OpenRouter entry may reach, or why it reaches none)."""
    variant = model_variant_problem(model)
    if variant is not None:
        return (), variant
    prefs = _preferences(params) or {}
    no_fallbacks = prefs.get("allow_fallbacks") is False
    pins = pins_of(prefs.get("only"), prefs.get("order"), no_fallbacks)
    if not pins:
        return (), UNPINNED
    lists = [_slugs(pin) for pin in pins]
    if any(pin is None for pin in lists):
        return (), "extra_body.provider.only/order must be lists of OpenRouter slugs"
    table = view.get("openrouter_slugs")
    slugs: Mapping[str, Any] = table if isinstance(table, Mapping) else {}
    ignore = _slugs(prefs.get("ignore")) or ()
    reach, unknown = pinned_reach(slugs, [pin for pin in lists if pin is not None], ignore)
    if unknown:
        return (), (
            f"OpenRouter may forward the prompt to {', '.join(unknown)}, which the catalog does "
            "not know"
        )
    if not reach:
        return (), "the OpenRouter preferences leave no provider the catalog knows"
    return tuple(sorted(reach)), None
