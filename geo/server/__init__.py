"""The server's edge: the ASGI application around Streamlit (``st.App`` in app.py).

Everything that happens to a request before Streamlit sees it, or to a response after, lives here:
extra routes (the light view), and middleware (compression, budgets on websockets and uploads,
headers, the first HTML). ``make run``, the deployment (deploy/) and the tests serve this same edge.
"""
