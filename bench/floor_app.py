"""The floor of a page (issue 21): the very messages of one of the app's first views, recorded from the
app by bench/burst.py (``--floor``), sent again by a script that does nothing else. What this costs per
session is what Streamlit itself charges for the page's elements and bytes, with none of the app's work.
Served through the same edge as app.py; the recording is read from ``BENCH_FLOOR_MESSAGES``."""

import streamlit as st

if __name__ == "__main__":
    import os
    import pickle

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    @st.cache_resource
    def recorded() -> list[bytes]:
        with open(os.environ["BENCH_FLOOR_MESSAGES"], "rb") as f:
            return pickle.load(f)  # written by bench/burst.py on this machine, never from elsewhere

    ctx = get_script_run_ctx()
    for raw in recorded():
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        msg.ClearField("hash")  # populated again on enqueue, as for any element
        ctx.enqueue(msg)
else:
    from geo.server import edge

    app = st.App(__file__, **edge.options())
