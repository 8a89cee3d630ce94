"""The browser's side of the record's autosave (static/record/autosave.js): each text field shows
未保存 / 保存中 / 已保存, a lost connection is announced at once in Chinese, and text typed but not yet saved
is kept in the browser (localStorage, per record and field) and saved after a reconnect or a reload.

The script and its style are inlined into the page: nothing is fetched from anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

FOLDER = Path(__file__).resolve().parent.parent / "static" / "record"
SCRIPT = FOLDER / "autosave.js"
STYLE = FOLDER / "record.css"
RESYNC = "rec_resync"


def install() -> None:
    """The record page's style (tabs that wrap on a tablet, the save states, the banner) and the script."""
    st.html(STYLE)
    st.html(f"<script>{SCRIPT.read_text(encoding='utf-8')}</script>", unsafe_allow_javascript=True)


def report(record_id: int, fields: dict[str, tuple[str, str]], locked: bool) -> None:
    """Tell the script what the server holds after this run: ``fields`` maps a widget key to (record
    field, stored text). Also draws the hidden button the script presses after a reconnect: its rerun
    sends every field again (Streamlit drops what was sent while the connection was down)."""
    st.button("重新发送未保存的输入", key=RESYNC)
    runs = st.session_state[f"{RESYNC}_runs"] = st.session_state.get(f"{RESYNC}_runs", 0) + 1
    state = json.dumps({"record": record_id, "locked": locked, "run": runs,
                        "fields": {k: list(v) for k, v in fields.items()}}, ensure_ascii=False)
    state = state.replace("<", "\\u003c")  # typed text cannot close the script element
    st.html("<script>(() => { const api = (window.lvkuangRecord = window.lvkuangRecord || {});"
            f" const state = {state}; if (api.receive) api.receive(state); else api.state = state; }})();</script>",
            unsafe_allow_javascript=True)
