"""A prototype, for the bench only (issue 21): what a first view served from a cache would cost the server.

The app itself (app.py, the same edge) with one change in this server process: a new session's first run
(no widget state yet) is looked up by page, query string and whether a browser asks (map first); the first
session to ask runs the script as usual and its messages are kept; every later session asking the same gets
those messages replayed on the event loop, with no script run at all. Only the messages are replayed: the
session's state (widget metadata, seeded keys, deferred downloads, the map's painted flag) is not, so a session
served this way would not answer its first interaction as the app does; that is what a real first-view cache
would have to carry over (bench/NOTES.md). Served by bench/burst.py ``--firstview``; never by the app.
"""

import streamlit as st

if __name__ == "__main__":  # pragma: no cover - the server runs app.py as the script, never this file
    raise SystemExit("served as the module role only")
else:
    from pathlib import Path

    from streamlit import runtime
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent
    from streamlit.runtime.scriptrunner_utils.run_descriptor import RunDescriptor

    from geo.server import edge

    KEPT = ("delta", "page_info_changed", "page_config_changed", "navigation", "auto_rerun")
    # (page, query, a browser's User-Agent sent) -> (page hash, messages)
    _views: dict[tuple, tuple[str, list[ForwardMsg]]] = {}
    _handle = AppSession.handle_backmsg
    _enqueue = AppSession._enqueue_forward_msg

    def _first(self: AppSession, msg) -> bool:
        fresh = not getattr(self, "_bench_seen", False)
        self._bench_seen = True
        rerun = msg.WhichOneof("type") == "rerun_script" and msg.rerun_script
        return bool(fresh and rerun and not rerun.widget_states.widgets and not rerun.fragment_id)

    def handle_backmsg(self: AppSession, msg) -> None:
        if _first(self, msg):
            client = runtime.get_instance().get_client(self.id)
            headers = dict(client.client_context.headers) if client is not None else {}
            browser = any(k.lower() == "user-agent" and v for k, v in headers.items())  # map first: frame.py
            key = (msg.rerun_script.page_name, msg.rerun_script.query_string, browser)
            hit = _views.get(key)
            if hit is not None:
                page_hash, messages = hit
                run = RunDescriptor.create()
                self._handle_scriptrunner_event_on_event_loop(
                    None, ScriptRunnerEvent.SCRIPT_STARTED, page_script_hash=page_hash, run_descriptor=run
                )
                for m in messages:
                    copy = ForwardMsg()
                    copy.CopyFrom(m)
                    _enqueue(self, copy)
                self._handle_scriptrunner_event_on_event_loop(
                    None, ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS, run_descriptor=run
                )
                return
            self._bench_recording = (key, [])
        _handle(self, msg)

    def enqueue(self: AppSession, msg: ForwardMsg) -> None:
        rec = getattr(self, "_bench_recording", None)
        if rec is not None:
            kind = msg.WhichOneof("type")
            if kind in KEPT:
                kept = ForwardMsg()
                kept.CopyFrom(msg)
                rec[1].append(kept)
            elif kind == "script_finished":
                self._bench_recording = None
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    _views.setdefault(rec[0], (self._client_state.page_script_hash, rec[1]))
        _enqueue(self, msg)

    AppSession.handle_backmsg = handle_backmsg
    AppSession._enqueue_forward_msg = enqueue
    app = st.App(str(Path(__file__).resolve().parent.parent / "app.py"), **edge.options())
