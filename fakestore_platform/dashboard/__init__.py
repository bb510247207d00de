"""The analysts' dashboard: Streamlit pages over the marts, read as fakestore_reader."""
