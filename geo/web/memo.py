"""Shared results at the price of a dict look-up: ``st.cache_resource`` for plain hashable arguments.

A call of an ``st.cache_resource`` function costs 0.1-0.5 ms even when it hits: Streamlit reads the
function's signature and hashes every argument with its own hasher on each call. A page run asks
for the data and its cached views about forty times (data version, counties, dataset, views, map
arguments), so that was 2-4 ms of every run, more than the rest of some pages (bench/NOTES.md,
issue 21). ``shared`` keeps the same contract, one result per distinct arguments shared by every
session, read-only once made, bounded in number (least recently used dropped first), computed once
when many sessions ask at the same moment, an exception not kept, but keys on the arguments
themselves. Arguments whose names begin with ``_`` are left out of the key, as Streamlit does;
arguments that cannot be hashed go to ``st.cache_resource`` as before.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

F = TypeVar("F", bound=Callable[..., Any])
_MISSING = object()
_ALL: list[Callable[[], None]] = []  # every shared cache's clear(), for clear_all


def shared(max_entries: int = 64, ttl: float | None = None) -> Callable[[F], F]:
    """Decorator: cache ``fn``'s results per arguments, shared by every session (see the module doc)."""

    def decorate(fn: F) -> F:
        names = list(inspect.signature(fn).parameters)
        keep = [i for i, name in enumerate(names) if not name.startswith("_")]
        fallback = st.cache_resource(show_spinner=False, max_entries=max_entries, ttl=ttl)(fn)
        cache: OrderedDict[tuple, tuple[Any, float]] = OrderedDict()
        lock = threading.Lock()
        computing: dict[tuple, threading.Lock] = {}

        def lookup(key: tuple) -> Any:
            with lock:
                hit = cache.get(key, _MISSING)
                if hit is _MISSING:
                    return _MISSING
                value, made = hit
                if ttl is not None and time.monotonic() - made >= ttl:
                    del cache[key]
                    return _MISSING
                cache.move_to_end(key)
                return value

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if kwargs or len(args) != len(names):
                return fallback(*args, **kwargs)
            key = tuple(args[i] for i in keep)
            try:
                value = lookup(key)
            except TypeError:  # an argument that cannot be hashed: Streamlit's own hasher
                return fallback(*args)
            if value is not _MISSING:
                return value
            with lock:
                key_lock = computing.setdefault(key, threading.Lock())
            with key_lock:  # the first caller computes; the others wait for its result
                try:
                    value = lookup(key)
                    if value is _MISSING:
                        value = fn(*args)
                        with lock:
                            cache[key] = (value, time.monotonic())
                            while len(cache) > max_entries:
                                cache.popitem(last=False)
                finally:
                    with lock:
                        computing.pop(key, None)
            return value

        def clear() -> None:
            with lock:
                cache.clear()
            fallback.clear()

        wrapper.clear = clear  # type: ignore[attr-defined]
        _ALL.append(clear)
        return wrapper  # type: ignore[return-value]

    return decorate


def clear_all() -> None:
    """Forget every shared result (as ``st.cache_resource.clear()`` does for Streamlit's)."""
    for clear in _ALL:
        clear()
