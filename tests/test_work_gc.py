"""The garbage-collector helpers of vsm_app.work: a pause that nests, and the freeze of a
loaded data set that a later load releases."""

from __future__ import annotations

import gc
import weakref

from vsm_app.work import gc_paused, settle_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_gc_pause_nests_and_restores() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()


def test_gc_pause_keeps_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_pause_restores_after_an_error() -> None:
    try:
        with gc_paused():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.isenabled()


def test_settle_heap_freezes_the_data_and_releases_it_at_the_next_load() -> None:
    try:
        data = _Node()
        ref = weakref.ref(data)
        settle_heap()
        assert gc.get_freeze_count() > 0
        # frozen: out of every collection pass
        assert not any(o is data for o in gc.get_objects())
        del data
        gc.collect()
        assert ref() is not None  # a frozen cycle waits...
        settle_heap()  # ...until the next load unfreezes and collects
        assert ref() is None
    finally:
        gc.unfreeze()
