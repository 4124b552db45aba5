"""The bare page served the way the app is (issue 21: "a one-line Streamlit page served the same way"):
the same ``st.App`` edge as app.py (geo/server/edge.py: routes and middleware), one ``st.write``."""

import streamlit as st

if __name__ == "__main__":
    st.write("bare page for the benchmark")
else:
    from geo.server import edge

    app = st.App(__file__, **edge.options())
