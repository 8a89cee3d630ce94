"""A headless Streamlit client: one browser tab's session, in Streamlit's own websocket protocol.

Load benchmarks drive many sessions from one process without a browser (20 chromium contexts saturate
a 2-core machine). What the browser does in Streamlit 1.67, and so what this client does:

- ``GET /_stcore/health`` sets the ``_streamlit_xsrf`` cookie. The websocket ``/_stcore/stream`` is
  opened with the subprotocols ``streamlit, <xsrf cookie>``; the server runs nothing until asked.
- Every interaction is a ``BackMsg.rerun_script`` carrying a ``ClientState``: the page (its
  ``page_script_hash``; when a link is opened, its URL path as ``page_name``) and the values of the
  widgets the tab holds (``WidgetStates``; a click is a one-off ``trigger_value``). Values typed into a
  form are held back until the form is submitted.
- The server answers with ``ForwardMsg``s: ``new_session`` when a script run starts (session id),
  ``navigation`` (the pages of ``st.navigation`` and the one shown), ``delta``s (an element or a block
  at a ``delta_path``), ``script_finished`` when the run ends. A run that ends early for a rerun
  (``st.rerun``) is followed by another; the tab has settled when a run finishes otherwise.
- Elements of 10 kB or more come once; the tab then lists their hashes in ``cached_message_hashes`` and
  the server sends a ``ref_hash`` instead while they are unchanged.
- ``st.file_uploader``: a ``file_urls_request`` BackMsg is answered by a ``file_urls_response`` (an
  upload URL per file); each file is PUT as multipart form data to ``/_stcore/upload_file/<session>/<file>``
  with the XSRF token in ``X-Xsrftoken``; the uploader's widget value then lists the files.
- No ForwardMsg has to be acknowledged in 1.67: ``heartbeat_ack`` only answers a heartbeat, which
  the browser sends to detect a dead connection and a short session does not need.

Usage::

    async with Session("http://127.0.0.1:8501") as tab:
        await tab.open("inspections")
        label = next(o for o in tab.find("rec_mine").options if o.startswith("某某矿"))
        run = await tab.change("rec_mine", label)
        assert not run.errors, run.errors
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileUploaderState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

XSRF_COOKIE = "_streamlit_xsrf"
ID_PREFIX = "$$ID-"  # widget ids are "$$ID-<hash>-<user key>" ("None" when created without a key)

# The WidgetState field that carries each kind of widget's value (value_type in streamlit/elements/).
VALUE_FIELDS = {
    "text_input": "string_value", "text_area": "string_value", "selectbox": "string_value",
    "radio": "string_value", "tab_container": "string_value", "color_picker": "string_value",
    "checkbox": "bool_value", "number_input": "double_value",
    "date_input": "string_array_value", "multiselect": "string_array_value",
    "file_uploader": "file_uploader_state_value",
    "button": "trigger_value", "download_button": "trigger_value",
}
ALERTS = {1: "error", 2: "warning", 3: "info", 4: "success"}  # Alert.Format


class StreamlitError(Exception):
    """The session cannot go on: no answer in time, a widget that is not on the page, a refused upload."""


@dataclass
class Element:
    """An element or block of the tab's last run, at ``path`` (the delta path: 0 main, 1 sidebar, …)."""

    kind: str  # the Element or Block field: "text_area", "alert", "button", "form", "tab_container", …
    proto: Any  # that field's message: TextArea, Alert, Block.Form, …
    path: tuple[int, ...]
    tabs: list[str] = field(default_factory=list)  # a tab container's labels

    @property
    def id(self) -> str:
        return getattr(self.proto, "id", "")

    @property
    def key(self) -> str | None:
        """The key the widget was created with; None without one (and for elements)."""
        if not self.id.startswith(ID_PREFIX):
            return None
        key = self.id.split("-", 2)[2]
        return None if key == "None" else key

    @property
    def form_id(self) -> str:
        return getattr(self.proto, "form_id", "")

    @property
    def label(self) -> str:
        return getattr(self.proto, "label", "")

    @property
    def options(self) -> list[str]:
        """The labels a selectbox, radio or multiselect offers, or a tab container's tabs."""
        return self.tabs if self.kind == "tab_container" else list(getattr(self.proto, "options", []))

    @property
    def default(self) -> Any:
        """The value the script gave the widget as its default."""
        p = self.proto
        if self.kind in ("selectbox", "radio"):
            return p.options[p.default] if p.HasField("default") and p.default < len(p.options) else None
        if self.kind == "tab_container":
            return self.tabs[p.default_tab_index] if p.default_tab_index < len(self.tabs) else None
        if self.kind in ("date_input", "multiselect"):
            return list(p.default)
        return getattr(p, "default", None)

    @property
    def value(self) -> Any:
        """The value the server shows: the default, unless the script set another (``st.session_state``)."""
        p = self.proto
        if not getattr(p, "set_value", False):
            return self.default
        if self.kind in ("selectbox", "radio"):
            return p.raw_value if p.HasField("raw_value") else None
        if self.kind in ("date_input", "multiselect"):
            return list(p.value)
        return p.value


@dataclass
class Run:
    """What the server did for one interaction, from the request until the tab settled."""

    seconds: float = 0.0
    runs: int = 0  # script runs it took (an st.rerun adds one)
    exceptions: list[str] = field(default_factory=list)  # shown on the page: "Type: message"
    alerts: list[tuple[str, str]] = field(default_factory=list)  # ("error"|"warning"|"info"|"success", text)

    @property
    def errors(self) -> list[str]:
        """Exceptions and st.error texts of every run: what a user would take for a failure."""
        return [*self.exceptions, *(text for kind, text in self.alerts if kind == "error")]


def widget_state(element: Element, value: Any) -> WidgetState:
    """The WidgetState a browser sends when ``value`` is entered in the widget: a label for a
    selectbox, radio or tab container, a ``date`` (or ISO text) for a date input, a FileUploaderState
    for an uploader. ``None`` clears the widget back to its default."""
    state = WidgetState(id=element.id)
    kind = VALUE_FIELDS.get(element.kind)
    if kind is None:
        raise StreamlitError(f"{element.kind} is not a widget this client can set")
    if value is None:
        return state
    if element.options and kind == "string_value" and value not in element.options:
        raise StreamlitError(f"{value!r} is not an option of {element.key or element.id}: {element.options}")
    if kind == "string_array_value":
        values = [value] if isinstance(value, (str, date)) else list(value)
        state.string_array_value.data.extend(v.isoformat() if isinstance(v, date) else str(v) for v in values)
    elif kind == "file_uploader_state_value":
        state.file_uploader_state_value.CopyFrom(value)
    else:
        setattr(state, kind, value)
    return state


class Session:
    """One browser tab: a websocket session, the widget values it holds and the elements of its last run.

    Use one action at a time (each waits until the tab has settled), as a user does; run many sessions
    side by side with asyncio.
    """

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout  # seconds to wait for the server to settle before giving up
        self.session_id = ""
        self.page_hash = ""  # the page shown
        self.pages: dict[str, str] = {}  # URL path and title → page script hash (from st.navigation)
        self.elements: dict[tuple[int, ...], Element] = {}
        self._http = requests.Session()
        self._ws: ClientConnection | None = None
        self._values: dict[str, WidgetState] = {}  # widget id → value held, sent with every rerun
        self._forms: dict[str, dict[str, WidgetState]] = {}  # form id → values typed, sent on submission
        self._cache: dict[str, ForwardMsg] = {}  # hash → large message, for ref_hash
        self._cache_used: set[str] = set()

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(self) -> None:
        health = await asyncio.to_thread(self._http.get, f"{self.base_url}/_stcore/health", timeout=self.timeout)
        health.raise_for_status()
        token = self._http.cookies.get(XSRF_COOKIE) or "PLACEHOLDER_AUTH_TOKEN"
        try:
            self._ws = await connect(f"ws{self.base_url.removeprefix('http')}/_stcore/stream",
                                     subprotocols=["streamlit", token], max_size=None, ping_interval=None,
                                     open_timeout=self.timeout)
        except WebSocketException as refused:
            raise StreamlitError(f"websocket refused: {refused}") from refused

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        self._http.close()

    # --- what a user does ---------------------------------------------------------------------

    async def open(self, url_path: str = "") -> Run:
        """Open the app at ``/url_path``, as a browser does with a link."""
        return await self._rerun(page_hash="", page_name=url_path)

    async def goto(self, page: str) -> Run:
        """Go to another page of ``st.navigation``, named by its URL path or its title."""
        if page not in self.pages:
            raise StreamlitError(f"no page {page!r}; the navigation has {sorted(self.pages)}")
        return await self._rerun(page_hash=self.pages[page])

    def set(self, key: str, value: Any) -> None:
        """Type or pick a value without leaving the field: it goes with the next rerun (in a form, with
        the form's submission)."""
        self._hold(self.find(key), value)

    async def change(self, key: str, value: Any) -> Run:
        """Set a widget and leave it (blur, Enter, a pick): the rerun that runs its ``on_change``."""
        self.set(key, value)
        return await self.rerun()

    async def click(self, key: str | None = None, *, label: str | None = None) -> Run:
        """Click a button, found by key or by label; a form's submit button submits the form."""
        button = self.find(key) if key is not None else self.button(label or "")
        form_id = button.form_id if button.proto.is_form_submitter else ""
        if form_id:
            self._values.update(self._forms.pop(form_id, {}))
        run = await self._rerun(triggers=[WidgetState(id=button.id, trigger_value=True)])
        form = next((e for e in self.elements.values() if e.kind == "form" and e.form_id == form_id), None)
        if form is not None and form.proto.clear_on_submit:
            # The browser puts the form's widgets back to their defaults, sent with its next submission.
            self._forms[form_id] = {e.id: WidgetState(id=e.id) for e in self.widgets()
                                    if e.form_id == form_id and e.kind not in ("button", "download_button")}
        return run

    async def upload(self, key: str, files: list[tuple[str, bytes, str]]) -> Run | None:
        """Choose ``files`` (name, content, MIME type) in an ``st.file_uploader``: they go to the server
        at once; outside a form the tab then reruns (that run is returned), in a form they wait for it."""
        uploader = self.find(key)
        request = BackMsg()
        request.file_urls_request.request_id = str(uuid.uuid4())
        request.file_urls_request.file_names.extend(name for name, _, _ in files)
        request.file_urls_request.session_id = self.session_id
        await self._send(request)
        answer = (await self._read_until(
            lambda m: m.WhichOneof("type") == "file_urls_response"
            and m.file_urls_response.response_id == request.file_urls_request.request_id)).file_urls_response
        if answer.error_msg:
            raise StreamlitError(f"upload refused: {answer.error_msg}")
        chosen = FileUploaderState()
        for (name, data, mime), urls in zip(files, answer.file_urls, strict=True):
            await asyncio.to_thread(self._put, urls.upload_url, name, data, mime)
            chosen.uploaded_file_info.add(name=name, size=len(data), file_id=urls.file_id, file_urls=urls)
        self._hold(uploader, chosen)
        return None if uploader.form_id else await self.rerun()

    async def rerun(self) -> Run:
        """Send the held widget values (what every interaction outside a form does)."""
        return await self._rerun()

    # --- what the page shows ------------------------------------------------------------------

    def widgets(self) -> list[Element]:
        return [e for e in self.elements.values() if e.id.startswith(ID_PREFIX)]

    def keys(self) -> list[str]:
        """The keys of the widgets on the page."""
        return [e.key for e in self.widgets() if e.key]

    def has(self, key: str) -> bool:
        return key in self.keys()

    def find(self, key: str) -> Element:
        """The widget created with ``key``."""
        found = next((e for e in self.widgets() if e.key == key), None)
        if found is None:
            raise StreamlitError(f"no widget {key!r} on the page; there are {self.keys()}")
        return found

    def button(self, label: str) -> Element:
        found = next((e for e in self.elements.values() if e.kind == "button" and e.label == label), None)
        if found is None:
            raise StreamlitError(f"no button {label!r} on the page")
        return found

    def value(self, key: str) -> Any:
        """The widget's value as the tab shows it: what was entered, else what the server sent."""
        element = self.find(key)
        held = self._forms.get(element.form_id, {}).get(element.id)
        if held is None:
            held = self._values.get(element.id)
        if held is None or held.WhichOneof("value") is None:
            return element.value
        kind = held.WhichOneof("value")
        if kind == "string_array_value":
            return list(held.string_array_value.data)
        if kind == "file_uploader_state_value":
            return [f.name for f in held.file_uploader_state_value.uploaded_file_info]
        return getattr(held, kind)

    def alerts(self, kind: str = "error") -> list[str]:
        """Texts of the st.error (``kind``: warning, info, success) boxes on the page."""
        return [e.proto.body for e in self.elements.values() if e.kind == "alert" and ALERTS.get(e.proto.format) == kind]

    # --- the protocol -------------------------------------------------------------------------

    def _hold(self, element: Element, value: Any) -> None:
        held = self._forms.setdefault(element.form_id, {}) if element.form_id else self._values
        held[element.id] = widget_state(element, value)

    async def _rerun(self, *, page_hash: str | None = None, page_name: str = "",
                     triggers: list[WidgetState] = ()) -> Run:
        message = BackMsg()
        state = message.rerun_script
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.page_name = page_name
        state.widget_states.widgets.extend([*self._values.values(), *triggers])
        state.cached_message_hashes.extend(self._cache)
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        started = time.perf_counter()
        await self._send(message)
        run = Run()
        self._cache_used.clear()
        await self._read_until(lambda m: m.WhichOneof("type") == "script_finished"
                               and m.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN, run)
        run.seconds = time.perf_counter() - started
        self._forget_what_is_gone()
        return run

    async def _send(self, message: BackMsg) -> None:
        if self._ws is None:
            raise StreamlitError("not connected")
        try:
            await self._ws.send(message.SerializeToString())
        except WebSocketException as closed:
            raise StreamlitError(f"connection lost: {closed}") from closed

    async def _read_until(self, done: Callable[[ForwardMsg], bool], run: Run | None = None) -> ForwardMsg:
        """Handle the server's messages until ``done`` says one is the last; returns that one."""
        run = run or Run()
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = self._resolve(ForwardMsg.FromString(await self._ws.recv()))
                    self._handle(message, run)
                    if done(message):
                        return message
        except TimeoutError:
            raise StreamlitError(f"the server did not finish within {self.timeout:.0f} s") from None
        except WebSocketException as closed:
            raise StreamlitError(f"connection lost: {closed}") from closed

    def _resolve(self, message: ForwardMsg) -> ForwardMsg:
        """The message itself for a ``ref_hash`` to one sent before; large messages are kept for that."""
        if message.WhichOneof("type") == "ref_hash":
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                raise StreamlitError(f"the server referred to a message never received ({message.ref_hash})")
            resolved = ForwardMsg()
            resolved.CopyFrom(cached)
            resolved.metadata.CopyFrom(message.metadata)  # same element, at this run's place
            self._cache_used.add(message.ref_hash)
            return resolved
        if message.metadata.cacheable:
            self._cache[message.hash] = message
            self._cache_used.add(message.hash)
        return message

    def _handle(self, message: ForwardMsg, run: Run) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
            self.page_hash = message.new_session.page_script_hash
            self.elements = {}  # the run draws the page again; what it does not draw is gone
            run.runs += 1
        elif kind == "navigation":
            self.page_hash = message.navigation.page_script_hash
            self.pages = {}
            for page in message.navigation.app_pages:
                self.pages[page.url_pathname] = self.pages[page.page_name] = page.page_script_hash
        elif kind == "delta":
            self._draw(tuple(message.metadata.delta_path), message.delta, run)
        elif kind == "page_not_found":
            run.exceptions.append(f"PageNotFound: {message.page_not_found.page_name}")
        elif kind == "session_event" and message.session_event.HasField("script_compilation_exception"):
            failure = message.session_event.script_compilation_exception
            run.exceptions.append(f"{failure.type}: {failure.message}")

    def _draw(self, path: tuple[int, ...], delta: Any, run: Run) -> None:
        if delta.HasField("new_element"):
            kind = delta.new_element.WhichOneof("type")
            proto = getattr(delta.new_element, kind)
            element = self.elements[path] = Element(kind, proto, path)
            if getattr(proto, "set_value", False) and kind in VALUE_FIELDS:
                self._hold(element, element.value)  # the script set the value: the browser now holds it
            if kind == "alert":
                run.alerts.append((ALERTS.get(proto.format, ""), proto.body))
            elif kind == "exception":
                if proto.is_warning:
                    run.alerts.append(("warning", f"{proto.type}: {proto.message}"))
                else:
                    run.exceptions.append(f"{proto.type}: {proto.message}")
        elif delta.HasField("add_block"):
            kind = delta.add_block.WhichOneof("type") or "block"
            proto = getattr(delta.add_block, kind) if kind != "block" else delta.add_block
            self.elements[path] = Element(kind, proto, path)
            parent = self.elements.get(path[:-1])
            if kind == "tab" and parent is not None and parent.kind == "tab_container":
                parent.tabs.append(proto.label)

    def _forget_what_is_gone(self) -> None:
        """Drop the values of widgets the last run did not draw, as the browser does, and the cached
        messages it did not use."""
        shown = {e.id for e in self.widgets()}
        self._values = {wid: state for wid, state in self._values.items() if wid in shown}
        self._forms = {form: {wid: s for wid, s in held.items() if wid in shown} for form, held in self._forms.items()}
        self._cache = {h: m for h, m in self._cache.items() if h in self._cache_used}

    def _put(self, url: str, name: str, data: bytes, mime: str) -> None:
        target = url if url.startswith("http") else f"{self.base_url}{url}"
        response = self._http.put(target, files={"file": (name, data, mime)}, timeout=self.timeout,
                                  headers={"X-Xsrftoken": self._http.cookies.get(XSRF_COOKIE) or ""})
        if response.status_code >= 300:
            raise StreamlitError(f"upload of {name} refused: HTTP {response.status_code} {response.text[:200]}")
