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


def test_overlapping_pauses_in_threads_leave_the_collector_on() -> None:
    """Pauses that overlap in other orders than nesting (one thread's ends while another's is
    open) end with the collector on, and never off for good."""
    import threading

    inner_started, outer_may_end = threading.Event(), threading.Event()
    first_done = threading.Event()

    def first() -> None:
        with gc_paused():
            inner_started.wait(5)
        first_done.set()

    def second() -> None:
        with gc_paused():
            inner_started.set()
            first_done.wait(5)
            assert not gc.isenabled()  # the other pause ended, this one is still open
            outer_may_end.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outer_may_end.is_set()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0

    def churn() -> None:
        for _ in range(2_000):
            with gc_paused():
                pass

    many = [threading.Thread(target=churn) for _ in range(8)]
    for thread in many:
        thread.start()
    for thread in many:
        thread.join(30)
    assert gc.isenabled()
