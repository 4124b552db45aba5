"""First views from memory: a new session is sent the view an earlier session's run drew, with no script run.

When a link goes out to a meeting, tens of people open it within seconds, and each new session used to run
the whole page script for a view that depends only on the question (page, link, whether a browser asks, the
browser's own context) and on the data version. A script run costs Streamlit ~100 µs of server CPU per element
(bench/NOTES.md, issue 21): the overview's 50 elements cost ten times what a bare page does. Here the first
session to ask runs the script as usual; its messages, its session state at the end of the run and its
files (the page icon, images, download buttons) are kept; every later new session asking the same question is
sent those messages on the event loop, given a copy of that session state and a share of those files, and then it is
an ordinary session: its first interaction runs the script with the widget state the copied run left.

A browser's first view is two runs (geo/web/mapelement.py: the map alone, then the rest once the map reports
it painted); the second is kept as the first's sequel, keyed by its request (the map's painted value), so a
room's browsers are served both from memory.

What is kept out (the run is then simply not kept): a run that asks to be (geo/web/firstviews.py: the data
page, an administrator, a data error), that did not finish, raised, was stopped (a browser that left before
its run ended: the run still reports success, with half a page) or stopped for a rerun, drew an upload
widget, registered a lazily loaded table, or sent a message of a kind not
listed here. Views are keyed by the data version (geo/web/loaders.data_key) as well: after an import the
next session runs the script again. At most ``MAX_VIEWS`` views, least recently used out first.

Streamlit's private names this reaches for are in geo/internals.py (canaries in tests/test_internals.py).
``BAODING_FIRST_VIEWS=0`` turns it off.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from streamlit import runtime
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.forward_msg_cache import create_reference_msg
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.scriptrunner import ScriptRunnerEvent
from streamlit.runtime.scriptrunner_utils.run_descriptor import RunDescriptor

from geo import internals, settings
from geo.web import firstviews

_log = logging.getLogger(__name__)

MAX_VIEWS = 64  # first views and their sequels in all (~130 KB of messages and a session state each)
MAX_DEPTH = 2  # a first view and its sequel (only the map-first rest); later runs are a visitor's own
# The messages a script run sends that belong to its view (the runtime makes new_session, script_finished and
# the status messages itself, for the replay as for a run). Any other kind keeps the run out.
VIEW_MESSAGES = frozenset({"delta", "page_info_changed", "page_config_changed", "navigation", "auto_rerun", "logo"})
# Elements that talk to the session that drew them (uploads are addressed to its id): such a view is its own.
OWN_ELEMENTS = frozenset({"file_uploader", "camera_input", "chat_input", "audio_input"})
RUNTIME_MESSAGES = frozenset({"new_session", "script_finished", "session_status_changed", "session_event"})
_NOT_AN_END = (ScriptRunnerEvent.SCRIPT_STARTED, ScriptRunnerEvent.ENQUEUE_FORWARD_MSG, ScriptRunnerEvent.SHUTDOWN)
_ATTR = "_bd_first_view"  # the state of a session's track, on the AppSession


@dataclass
class View:
    """One run's view: what it sent, what the session held after it, the files its elements refer to."""

    version: tuple
    page_hash: str
    messages: tuple[ForwardMsg, ...]
    state: Any  # SessionState, never handed out itself: each session gets a deep copy
    fragments: Any  # the fragment store (e.g. the map-first fallback's timer), each session gets a copy
    client_state: ClientState
    owner: str  # the name the view's files are held under (internals.adopt_files)
    files: list[tuple[str, str]]  # (element coordinates, file id): the page icon, images, download buttons
    depth: int = 1
    sequels: dict[bytes, View] = field(default_factory=dict)
    parent: View | None = None

    @property
    def map_first(self) -> bool:
        """A browser's map drawn alone (its fallback timer is an auto_rerun): its rest, once painted, is a sequel.
        Other interactions are each visitor's own (a slide change from memory once showed a slide unstyled)."""
        return any(m.WhichOneof("type") == "auto_rerun" for m in self.messages)


@dataclass
class Recording:
    """A session's run being watched, to keep it as a view once it has finished well."""

    key: Any  # the first view's key, or the sequel's request under ``parent``
    parent: View | None
    request: ClientState  # what the browser asked (page, link): the session's client state after the run
    page_hash: str = ""  # the page the run started with (its new_session message names it)
    version: tuple = ()  # the data version, read on the script thread as the run ends
    messages: list[ForwardMsg] = field(default_factory=list)
    view: View | None = None  # set on the script thread when the run ended well; put in place on the loop
    failed: str = ""


@dataclass
class Served:
    """A session whose state so far is a view's (served from memory, or the run that was kept)."""

    view: View


class FirstViews:
    def __init__(self, max_views: int = MAX_VIEWS) -> None:
        self.max_views = max_views
        self._views: OrderedDict[Any, View] = OrderedDict()
        self._count = 0
        self._lock = threading.Lock()
        self._serial = 0
        self.served = 0  # sessions sent a view from memory (first views and sequels)
        self.kept = 0

    # -- the session's messages ------------------------------------------------------------------------------
    def on_backmsg(self, session: AppSession, msg: Any) -> bool:
        """True when the message was answered from memory (the session's run is not started)."""
        if msg.WhichOneof("type") != "rerun_script":
            return False
        rerun = msg.rerun_script
        track = getattr(session, _ATTR, None)
        if isinstance(track, Recording):  # asked again before the run ended: that run is not kept
            track.failed = "a rerun before it ended"
            return False
        plain = not rerun.fragment_id and not rerun.is_auto_rerun
        if track is None and plain and not rerun.widget_states.widgets:
            key = first_key(session, rerun)
            view = self._lookup(key)
            if view is not None:
                self._replay(session, view, rerun)
                return True
            setattr(session, _ATTR, Recording(key, None, _copy(rerun)))
            return False
        if isinstance(track, Served) and plain and track.view.depth < MAX_DEPTH and track.view.map_first:
            request = sequel_key(rerun)
            with self._lock:
                view = track.view.sequels.get(request)
            if view is not None and view.version == _data_key():
                self._replay(session, view, rerun)
                return True
            setattr(session, _ATTR, Recording(request, track.view, _copy(rerun)))
            return False
        setattr(session, _ATTR, False)  # the visitor's own from here on
        return False

    def on_message(self, session: AppSession, msg: ForwardMsg) -> None:
        track = getattr(session, _ATTR, None)
        if not isinstance(track, Recording):
            return
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":  # the browser holds this message already (its cache): keep it whole
            whole = _held_message(track, msg.ref_hash)
            if whole is None:
                track.failed = "a message only the browser holds"
                return
            kept = ForwardMsg()
            kept.CopyFrom(whole)
            kept.metadata.CopyFrom(msg.metadata)
            kept.metadata.cacheable = whole.metadata.cacheable  # a reference says False of itself, not of the whole
            kept.hash = whole.hash
            track.messages.append(kept)
        elif kind in VIEW_MESSAGES:
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element.WhichOneof("type")
                if element == "exception":
                    track.failed = "an exception"
                elif element in OWN_ELEMENTS:
                    track.failed = f"a {element} (its uploads go to this session)"
            kept = ForwardMsg()
            kept.CopyFrom(msg)
            track.messages.append(kept)
        elif kind == "new_session" and track.messages:
            track.failed = "a second run"
        elif kind not in RUNTIME_MESSAGES:
            track.failed = f"a {kind} message"
        elif kind == "script_finished":
            self._settle(session, track, msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY)

    def on_run_event(self, session: AppSession, event: Any, page_script_hash: str | None = None) -> None:
        """On the script thread: the run's page as it starts; its state as its end is signalled (the run's last)."""
        if event == ScriptRunnerEvent.SCRIPT_STARTED:
            track = getattr(session, _ATTR, None)
            if isinstance(track, Recording):
                track.page_hash = page_script_hash or ""  # the event loop may not have taken it in yet at the end
            return
        if event in _NOT_AN_END:
            return
        out = firstviews.kept_out(session.id)  # used up at every run's end, watched or not
        track = getattr(session, _ATTR, None)
        if not isinstance(track, Recording):
            return
        if event != ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS:
            track.failed = str(event)
            return
        if out:
            track.failed = "kept out by the app"
            return
        if track.parent is not None and track.parent.version != _data_key():
            track.failed = "the data changed"
            return
        rt = runtime.get_instance()
        files = internals.session_files(rt.media_file_mgr, session.id)
        if internals.has_dataframe_sources(rt.dataframe_source_mgr, session.id):
            track.failed = "lazily loaded tables"
            return
        try:
            state = copy.deepcopy(internals.state_of(session))
            fragments = internals.copy_fragment_store(internals.fragments(session))
        except Exception as exc:  # an object in the session state that cannot be copied: not kept
            track.failed = f"session state not copyable ({type(exc).__name__}: {exc})"
            return
        cs = _copy(track.request)
        cs.ClearField("widget_states")
        cs.ClearField("cached_message_hashes")
        if not track.page_hash:
            track.failed = "no page hash"
            return
        cs.page_script_hash = track.page_hash
        with self._lock:
            self._serial += 1
            owner = f"bd-first-view-{self._serial}"
        internals.adopt_files(rt.media_file_mgr, owner, files)
        depth = track.parent.depth + 1 if track.parent else 1
        track.version = track.parent.version if track.parent else _data_key()
        track.view = View(track.version, "", (), state, fragments, cs, owner, files, depth, parent=track.parent)

    # -- keeping and serving ---------------------------------------------------------------------------------
    def _settle(self, session: AppSession, track: Recording, success: bool) -> None:
        view = track.view
        if not success or track.failed or view is None:
            if view is not None:
                _release(view)
            _log.debug("first view not kept: %s", track.failed or "unfinished")
            setattr(session, _ATTR, False)
            return
        view.messages = tuple(track.messages)
        view.page_hash = view.client_state.page_script_hash
        with self._lock:
            if track.parent is None:
                old = self._views.pop(track.key, None)
                self._views[track.key] = view
            else:
                old = track.parent.sequels.get(track.key)
                track.parent.sequels[track.key] = view
            self._count += 1 - (old is not None)
            self.kept += 1
            dropped = self._trim()
        for v in [old, *dropped]:
            if v is not None:
                _release(v)
        setattr(session, _ATTR, Served(view))
        _log.info(
            "first view kept for later sessions: page %r, link %r, %s, %d messages",
            view.client_state.page_name or "(the default page)",
            view.client_state.query_string,
            "sequel" if track.parent else ("browser" if track.key[-1] else "no browser"),
            len(view.messages),
        )

    def _lookup(self, key: Any) -> View | None:
        with self._lock:
            view = self._views.get(key)
            if view is None:
                return None
        if view.version != _data_key():  # an import since: the next run draws the new data
            with self._lock:
                if self._views.get(key) is view:
                    del self._views[key]
                    self._count -= 1 + _sequel_count(view)
            _release(view)
            return None
        with self._lock:
            self._views.move_to_end(key)
        return view

    def _trim(self) -> list[View]:
        dropped = []
        while self._count > self.max_views and self._views:
            _key, view = self._views.popitem(last=False)
            self._count -= 1 + _sequel_count(view)
            dropped.append(view)
        return dropped

    def _replay(self, session: AppSession, view: View, rerun: Any) -> None:
        internals.set_state_of(session, _own_state(view.state))
        internals.set_fragments(session, internals.copy_fragment_store(view.fragments))
        cs = ClientState()
        cs.CopyFrom(view.client_state)
        if rerun.HasField("context_info"):
            cs.context_info.CopyFrom(rerun.context_info)
        internals.set_client_state(session, cs)
        internals.share_files(runtime.get_instance().media_file_mgr, session.id, view.files)
        held = set(rerun.cached_message_hashes)
        run = RunDescriptor.create()
        internals.handle_on_loop(
            session, None, ScriptRunnerEvent.SCRIPT_STARTED, page_script_hash=view.page_hash, run_descriptor=run
        )
        internals.enqueue_many(session, (_copy_for(kept, held) for kept in view.messages))
        internals.handle_on_loop(session, None, ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS, run_descriptor=run)
        setattr(session, _ATTR, Served(view))
        with self._lock:
            self.served += 1

    def clear(self) -> None:
        with self._lock:
            views, self._views, self._count = list(self._views.values()), OrderedDict(), 0
        for v in views:
            _release(v)


def _own_state(state: Any) -> Any:
    """A session's own copy of a kept state, as deep as a session can change it. The widgets' metadata (frozen:
    ids, (de)serialisers, callbacks) is shared, not rebuilt: half of the copy's time, and a session's next run
    registers its widgets' metadata anew anyway."""
    frozen = {id(m): m for m in internals.widget_metadata(state)}
    return copy.deepcopy(state, frozen)


def _copy_for(kept: ForwardMsg, held: set[str]) -> ForwardMsg:
    """A kept message for one session (the queue may change its own), or a reference where the browser holds it."""
    msg = ForwardMsg()
    msg.CopyFrom(kept)
    if msg.metadata.cacheable and msg.hash and msg.hash in held:
        return create_reference_msg(msg)
    return msg


def _copy(client_state: Any) -> ClientState:
    out = ClientState()
    out.CopyFrom(client_state)
    return out


def _held_message(track: Recording, ref_hash: str) -> ForwardMsg | None:
    """The whole message a reference stands for: sent earlier in this run or in the views before it."""
    views: list[Any] = [track.messages]
    parent = track.parent
    while parent is not None:
        views.append(parent.messages)
        parent = parent.parent
    for messages in views:
        for m in messages:
            if m.hash == ref_hash:
                return m
    return None


def _sequel_count(view: View) -> int:
    return sum(1 + _sequel_count(s) for s in view.sequels.values())


def _release(view: View) -> None:
    """Let the view's files go (Streamlit drops them once no session refers to them)."""
    if runtime.exists():
        runtime.get_instance().media_file_mgr.clear_session_refs(view.owner)
    for s in view.sequels.values():
        _release(s)


def _data_key() -> tuple:
    from geo.web import loaders  # the data stage, only once a session has run (the server role starts light)

    return loaders.data_key()


def first_key(session: AppSession, rerun: Any) -> tuple:
    """What a first view depends on besides the data: the page, the link, whether a browser asks (map first,
    geo/web/frame.in_browser) and the browser's context (its URL: the share link; its time zone and locale).
    tests/test_first_view.py checks the app reads nothing else of a request."""
    context = rerun.context_info.SerializeToString(deterministic=True) if rerun.HasField("context_info") else b""
    return (rerun.page_name, rerun.page_script_hash, rerun.query_string, context, _browser(session))


def sequel_key(rerun: Any) -> bytes:
    """A sequel's request: everything the browser sends but the message cache it holds."""
    msg = ClientState()
    msg.CopyFrom(rerun)
    msg.ClearField("cached_message_hashes")
    return msg.SerializeToString(deterministic=True)


def _browser(session: AppSession) -> bool:
    client = runtime.get_instance().get_client(session.id) if runtime.exists() else None
    context = getattr(client, "client_context", None)
    headers = getattr(context, "headers", None) or ()
    items = headers.items() if hasattr(headers, "items") else headers
    return any(str(k).lower() == "user-agent" and bool(v) for k, v in items)


_VIEWS = FirstViews()
_installed = False


def views() -> FirstViews:
    return _VIEWS


def enabled() -> bool:
    return settings.get("BAODING_FIRST_VIEWS") == "1"


def install() -> None:
    """Wrap the three AppSession methods once per process (the server role of app.py, via the edge)."""
    global _installed
    if _installed or not enabled():
        return
    missing = internals.app_session_check(AppSession, MediaFileManager)
    if missing:
        raise SystemExit(
            "first views (BAODING_FIRST_VIEWS=1) need Streamlit internals this version lacks: "
            + ", ".join(missing)
            + " (geo/internals.py); set BAODING_FIRST_VIEWS=0 to serve every view by a script run"
        )
    handle, enqueue, on_event, stop = (getattr(AppSession, n) for n in internals.APP_SESSION_HOOKS)

    def handle_backmsg(self: AppSession, msg: Any) -> None:
        try:
            if _VIEWS.on_backmsg(self, msg):
                return
        except Exception:  # never let the cache cost a visitor the view: run the script instead
            _log.exception("first view from memory failed; running the script")
            setattr(self, _ATTR, False)
        handle(self, msg)

    def enqueue_forward_msg(self: AppSession, msg: ForwardMsg) -> None:
        try:
            _VIEWS.on_message(self, msg)
        except Exception:
            _log.exception("first view not kept")
            setattr(self, _ATTR, False)
        enqueue(self, msg)

    def on_scriptrunner_event(self: AppSession, sender: Any, event: Any, *args: Any, **kwargs: Any) -> None:
        try:
            _VIEWS.on_run_event(self, event, kwargs.get("page_script_hash"))
        except Exception:
            _log.exception("first view not kept")
            track = getattr(self, _ATTR, None)
            if isinstance(track, Recording):
                track.failed = "an error while keeping it"
        on_event(self, sender, event, *args, **kwargs)

    def request_script_stop(self: AppSession) -> None:
        track = getattr(self, _ATTR, None)
        if isinstance(track, Recording):  # a stopped run reports success too, with half a page
            track.failed = "stopped (the browser left, or asked)"
        stop(self)

    hooks = (handle_backmsg, enqueue_forward_msg, on_scriptrunner_event, request_script_stop)
    for name, func in zip(internals.APP_SESSION_HOOKS, hooks, strict=True):
        setattr(AppSession, name, func)
    _installed = True
