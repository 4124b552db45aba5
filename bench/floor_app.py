"""The round-trip floor of any interaction (bench only): a button whose click shows new text."""

import streamlit as st

st.write("bare page for the benchmark")
if st.button("next"):
    st.session_state.presses = st.session_state.get("presses", 0) + 1
    st.write(f"pressed {st.session_state.presses}")
