import streamlit as st

st.write("bare page for the benchmark")
