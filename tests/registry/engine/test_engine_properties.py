"""The Casbin engine and the plain-Python reference agree on every decision and reason."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.engine.engine import Engine
from registry.engine.reference import reference_evaluate
from tests.strategies import AS_OF, MODELS, catalogs, dates, policies


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_engine_and_reference_agree(data: st.DataObject) -> None:
    catalog = data.draw(catalogs())
    policy = data.draw(policies(catalog))
    data_class = data.draw(st.sampled_from(["base", "child"]))
    model = data.draw(st.none() | st.sampled_from(MODELS))
    as_of = data.draw(st.just(AS_OF) | dates)
    engine = Engine().evaluate(policy, catalog, data_class, model, as_of)
    reference = reference_evaluate(policy, catalog, data_class, model, as_of)
    assert engine.to_json() == reference.to_json()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_cached_engine_answers_like_a_fresh_one(data: st.DataObject) -> None:
    catalog = data.draw(catalogs())
    first, second = data.draw(policies(catalog)), data.draw(policies(catalog))
    shared = Engine()
    for policy in (first, second, first):
        for data_class in ("base", "child"):
            cached = shared.evaluate(policy, catalog, data_class, None, AS_OF)
            fresh = Engine().evaluate(policy, catalog, data_class, None, AS_OF)
            assert cached.to_json() == fresh.to_json()
