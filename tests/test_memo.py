"""geo.web.memo.shared keeps st.cache_resource's contract at a dict look-up's price; widgets.arrow the same bytes."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest
from streamlit import dataframe_util

from geo.web import widgets
from geo.web.memo import shared


def test_one_result_per_arguments_shared_and_underscore_arguments_left_out():
    calls = []

    @shared(max_entries=4)
    def f(a: str, b: int, _build):
        calls.append((a, b))
        return [a, b, _build()]

    first = f("x", 1, lambda: "one")
    assert f("x", 1, lambda: "two") is first  # the same object, _build not in the key
    assert f("x", 2, lambda: "one") is not first
    assert calls == [("x", 1), ("x", 2)]


def test_least_recently_used_dropped_first():
    calls = []

    @shared(max_entries=2)
    def f(a: int):
        calls.append(a)
        return a

    f(1), f(2), f(1), f(3)  # 2 is the least recently used when 3 comes
    f(1), f(2)
    assert calls == [1, 2, 3, 2]


def test_ttl_and_clear():
    calls = []

    @shared(max_entries=2, ttl=0.05)
    def f(a: int):
        calls.append(a)
        return a

    f(1), f(1)
    time.sleep(0.06)
    f(1)
    f.clear()
    f(1)
    assert calls == [1, 1, 1]


def test_an_exception_is_not_kept():
    calls = []

    @shared()
    def f(a: int):
        calls.append(a)
        if len(calls) == 1:
            raise ValueError("broken")
        return a

    with pytest.raises(ValueError):
        f(1)
    assert f(1) == 1
    assert calls == [1, 1]


def test_unhashable_arguments_go_to_streamlit():
    @shared()
    def f(a):
        return len(a)

    assert f(["a", "b"]) == 2  # a list: Streamlit's own hasher keys it, as before


def test_many_callers_at_once_compute_once():
    calls = []
    gate = threading.Event()

    @shared()
    def f(a: int):
        calls.append(a)
        gate.wait(1)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(f(7))) for _ in range(8)]
    for th in threads:
        th.start()
    time.sleep(0.05)
    gate.set()
    for th in threads:
        th.join()
    assert calls == [7]
    assert len({id(r) for r in results}) == 1


def test_arrow_is_what_streamlit_sends_for_the_frame_and_made_once():
    frame = pd.DataFrame({"县": ["满城区", "阜平县"], "value": [1.5, None], "mark": ["", "⚠"]})
    table = widgets.arrow(frame)
    assert dataframe_util.convert_arrow_table_to_arrow_bytes(table) == dataframe_util.convert_pandas_df_to_arrow_bytes(
        frame
    )
    assert widgets.arrow(frame) is table
    shown = widgets.arrow(frame, "no mark", lambda f: f.drop(columns="mark"))
    assert shown.column_names[:2] == ["县", "value"] and "mark" not in shown.column_names
    assert widgets.arrow(frame, "no mark", lambda f: f.drop(columns="mark")) is shown
