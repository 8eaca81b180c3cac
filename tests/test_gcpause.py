"""gc_paused: the cyclic collector is off inside, restored after, and nothing is left frozen."""

from __future__ import annotations

import gc
import weakref

import pytest

from registry.gcpause import gc_paused


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_paused_inside_and_enabled_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause did not turn it back on
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_what_the_block_made_goes_to_the_oldest_generation() -> None:
    with gc_paused():
        made = [Node() for _ in range(5_000)]
    assert gc.get_freeze_count() == 0
    assert any(o is made for o in gc.get_objects(generation=2))
    assert not any(o is made for o in gc.get_objects(generation=0))


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_enabled_again_after_an_exception() -> None:
    with pytest.raises(ValueError, match="boom"), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_cycle_made_while_paused_is_collected_afterwards() -> None:
    with gc_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
    alive = weakref.ref(a)
    del a, b
    assert alive() is not None  # a cycle: reference counting alone does not free it
    gc.collect()
    assert alive() is None
