"""The catalog's index of derived values: built once per catalog, typed kinds that never
share values, an org's view with its own index."""

from __future__ import annotations

from datetime import date

from registry.attestations.apply import with_attestations
from registry.attestations.loader import attestation_set, load_attestations_text
from registry.catalog.facts import TARGETS, targets
from registry.catalog.index import CatalogIndex, Kind
from registry.catalog.loader import load_catalog
from tests.conftest import ROOT


def test_a_value_is_built_once_per_kind_and_key() -> None:
    index = CatalogIndex()
    builds: list[str] = []
    first: Kind[list[str]] = Kind("letters")
    twin: Kind[list[str]] = Kind("letters")  # same name, another kind: never shared

    def build(text: str) -> list[str]:
        builds.append(text)
        return list(text)

    assert index.get(first, "ab", lambda: build("ab")) == ["a", "b"]
    assert index.get(first, "ab", lambda: build("zz")) == ["a", "b"]
    assert index.get(twin, "ab", lambda: build("cd")) == ["c", "d"]
    assert index.get(first, "xy", lambda: build("xy")) == ["x", "y"]
    assert builds == ["ab", "cd", "xy"]
    assert index.forget(first, lambda key: key == "ab") == 1
    assert index.get(first, "ab", lambda: build("ef")) == ["e", "f"]


def test_targets_are_built_once_and_an_org_view_has_its_own() -> None:
    catalog = load_catalog(ROOT / "provider_catalog")
    assert targets(catalog) is targets(catalog)
    assert catalog.index.get(TARGETS, None, tuple) is targets(catalog)
    text = (
        "attestations: reviews\norg: example\nentries:\n"
        "  - target: stackit\n    facts: {contracts: [dpa]}\n    document: DPA\n"
        "    trust: contractual\n    signed: 2026-01-01\n    expires: 2099-01-01\n"
        "    approved_by: a@example.example\n"
    )
    aset = attestation_set([load_attestations_text(text, "reviews.yaml")])
    view = with_attestations(catalog, aset, date(2026, 12, 3))
    assert view.index is not catalog.index
    assert with_attestations(catalog, aset, date(2026, 12, 3)) is view  # kept in the index
    assert [t.id for t in targets(view)] == [t.id for t in targets(catalog)]
    public = {t.id: t for t in targets(catalog)}["stackit/default"]
    seen = {t.id: t for t in targets(view)}["stackit/default"]
    assert (public.facts["contracts"], seen.facts["contracts"]) == (None, ("dpa",))
