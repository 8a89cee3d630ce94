// The browser's side of the record's autosave (pages/inspections.py, ui/record_autosave.py).
// Streamlit saves a text field when it loses focus or on Enter; until then the text is only in the browser.
// This script shows each text field's state (未保存 / 保存中 / 已保存), warns at once when the connection to
// the server drops, keeps unsaved text in localStorage (per record and field) until the server has it, and
// after a reconnect or a reload puts that text back and saves it. Installed once per browser tab; each run
// of the record hands it the values the server holds through lvkuangRecord.receive(state).
(() => {
  const api = (window.lvkuangRecord = window.lvkuangRecord || {});
  if (api.installed) return;
  api.installed = true;

  const PREFIX = "lvkuang:record:";
  const LABELS = { saved: "已保存", saving: "保存中", unsaved: "未保存" };
  let state = api.state || null; // {record, locked, fields: {widgetKey: [field, serverValue]}}
  let received = 0; // when the last run's state arrived
  const committed = {}; // widgetKey -> [text sent with blur/Enter, when]
  let wasOffline = false;
  let reconnected = false; // the connection came back: text sent while it was down must be sent again
  let resyncTimer = null;
  const tried = new Set(); // restorations already sent

  const app = () => document.querySelector('[data-testid="stApp"]');
  const onRecordPage = () => state && document.querySelector(".st-key-rec_resync");
  const offline = () => {
    const connection = app() && app().dataset.testConnectionState;
    return navigator.onLine === false || (connection !== undefined && connection !== "CONNECTED" && connection !== "INITIAL");
  };
  const running = () => ["running", "rerunRequested"].includes(app() && app().dataset.testScriptState);
  const storeKey = (field) => `${PREFIX}${state.record}:${field}`;
  const stored = (field) => {
    try { return JSON.parse(localStorage.getItem(storeKey(field)) || "null"); } catch (e) { return null; }
  };
  const forget = (field) => { try { localStorage.removeItem(storeKey(field)); } catch (e) { /* storage off */ } };
  const keep = (field, text, was) => {
    try { localStorage.setItem(storeKey(field), JSON.stringify({ text, was, at: new Date().toISOString() })); }
    catch (e) { /* storage full or off: the field still holds the text */ }
  };
  const container = (widgetKey) => document.querySelector(`.st-key-${CSS.escape(widgetKey)}`);
  const input = (widgetKey) => { const box = container(widgetKey); return box && box.querySelector("textarea, input"); };
  const tracked = (element) => {
    if (!state || !element || !element.closest) return null;
    const box = element.closest('[class*="st-key-"]');
    if (!box) return null;
    const widgetKey = [...box.classList].find((c) => c.startsWith("st-key-"))?.slice(7);
    return widgetKey && state.fields[widgetKey] ? widgetKey : null;
  };

  // Typing: the text goes to localStorage at once (with the server's value it replaces).
  document.addEventListener("input", (event) => {
    const widgetKey = tracked(event.target);
    if (!widgetKey) return;
    const [field, server] = state.fields[widgetKey];
    const text = event.target.value;
    if (text === server) forget(field);
    else keep(field, text, (stored(field) || { was: server }).was);
    refresh();
  }, true);

  // Streamlit sends a text field on blur, on Enter (text input) and on Ctrl/Cmd+Enter (text area).
  const sent = (event) => {
    const widgetKey = tracked(event.target);
    if (!widgetKey || offline()) return;
    if (event.target.value !== state.fields[widgetKey][1]) committed[widgetKey] = [event.target.value, Date.now()];
    setTimeout(refresh, 0);
  };
  document.addEventListener("focusout", sent, true);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    if (event.target.tagName === "TEXTAREA" && !(event.ctrlKey || event.metaKey)) return;
    sent(event);
  }, true);

  // Put text into a field the way typing does (React sees the change, the field becomes "dirty").
  const type = (element, text) => {
    const proto = element.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, "value").set.call(element, text);
    element.dispatchEvent(new Event("input", { bubbles: true }));
  };

  // After a reconnect or a reload: text kept here that the server lacks goes back into its field, and is
  // saved when the server still holds what it held when the typing began (else the user decides).
  const restore = () => {
    if (!onRecordPage() || offline() || state.locked) return;
    for (const [widgetKey, [field, server]] of Object.entries(state.fields)) {
      const kept = stored(field);
      if (!kept) continue;
      if (kept.text === server) { forget(field); continue; }
      const element = input(widgetKey);
      if (!element || element.disabled) continue;
      if (kept.was !== server) {
        if (element.value !== kept.text && document.activeElement !== element) type(element, kept.text);
        continue;
      }
      if (document.activeElement === element || committed[widgetKey]) continue; // their blur saves it
      // Still in the field and no connection lost: the user's own blur or Enter saves it.
      if (element.value === kept.text && !reconnected) continue;
      const attempt = `${state.record}:${field}:${server}:${kept.text}`;
      if (tried.has(attempt)) continue; // once: a save refused (a conflict) is the user's to settle
      tried.add(attempt);
      // The field shows the server's value (a reload): the text goes back in, and the blur sends it. The
      // field still holds the text (a reconnect): the blur sends it if it was never sent.
      element.focus({ preventScroll: true });
      if (element.value !== kept.text) type(element, kept.text);
      committed[widgetKey] = [kept.text, Date.now()];
      blurWhenTaken(widgetKey, kept.text, 0);
    }
  };

  // React takes typed text in its next render: a blur before that finds the field "clean" and Streamlit
  // sends nothing. So the blur waits until the field shows the text (a render has happened).
  const blurWhenTaken = (widgetKey, text, tries) => {
    setTimeout(() => {
      const element = input(widgetKey);
      if (!element || element.disabled || offline()) { delete committed[widgetKey]; return; }
      if (element.value !== text && tries < 40) { blurWhenTaken(widgetKey, text, tries + 1); return; }
      if (document.activeElement !== element) element.focus({ preventScroll: true });
      element.blur();
      committed[widgetKey] = [text, Date.now()];
      resyncSoon();
    }, 50);
  };

  // A text sent while the connection was down is lost, yet Streamlit believes it sent it: a rerun of
  // the record sends every field again.
  const resyncSoon = () => {
    if (resyncTimer) return;
    resyncTimer = setTimeout(() => {
      resyncTimer = null;
      const stillUnsaved = Object.entries(state.fields).some(([, [field, server]]) => {
        const kept = stored(field);
        return kept && kept.text !== server && kept.was === server;
      });
      const button = document.querySelector(".st-key-rec_resync button");
      if (stillUnsaved && button && !running() && !offline()) button.click();
    }, 800);
  };

  const banner = () => {
    let element = document.getElementById("gm-connection-banner");
    if (!element) {
      element = document.createElement("div");
      element.id = "gm-connection-banner";
      element.setAttribute("role", "alert");
      document.body.appendChild(element);
    }
    return element;
  };

  const refresh = () => {
    const down = offline();
    if (!onRecordPage()) {
      const old = document.getElementById("gm-connection-banner");
      if (old) old.hidden = true;
      return;
    }
    // A field drawn after the run's state arrived (another tab opened) is restored on the next tick.
    if (wasOffline && !down) reconnected = true;
    wasOffline = down;
    if (!down) { restore(); reconnected = false; }
    let unsaved = 0;
    for (const [widgetKey, [field, server]] of Object.entries(state.fields)) {
      const box = container(widgetKey);
      const element = input(widgetKey);
      if (!box || !element) continue;
      const pending = committed[widgetKey];
      if (pending && (pending[0] === server || (!running() && received > pending[1] + 50)
                      || Date.now() - pending[1] > 15000)) delete committed[widgetKey];
      const kept = stored(field);
      if (kept && kept.text === server) forget(field);
      let label = "saved";
      if (element.value !== server) {
        label = !down && committed[widgetKey] && committed[widgetKey][0] === element.value ? "saving" : "unsaved";
        unsaved += 1;
      }
      let badge = box.querySelector(":scope > .gm-save-state");
      if (state.locked) { if (badge) badge.remove(); continue; }
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "gm-save-state";
        badge.setAttribute("aria-live", "polite");
        box.appendChild(badge);
      }
      if (badge.dataset.state !== label) {
        badge.dataset.state = label;
        badge.textContent = LABELS[label];
        badge.title = label === "unsaved" ? "这段输入还没有保存到服务器（已暂存在本机浏览器）。按回车或点击别处即保存。" : "";
      }
    }
    const notice = banner();
    if (down) {
      notice.dataset.kind = "offline";
      notice.textContent = unsaved
        ? "与服务器的连接已断开，刚才的输入尚未保存，请勿关闭页面。输入的内容已暂存在本机浏览器，连接恢复后自动保存。"
        : "与服务器的连接已断开，正在重新连接。连接恢复前的修改无法保存，请勿关闭页面。";
      notice.hidden = false;
    } else if (unsaved && (resyncTimer || Object.keys(committed).length)) {
      notice.dataset.kind = "saving";
      notice.textContent = "连接已恢复，正在保存刚才的输入…";
      notice.hidden = false;
    } else {
      notice.hidden = true;
    }
  };

  api.receive = (next) => {
    state = next;
    received = Date.now();
    restore();
    refresh();
  };
  window.addEventListener("offline", refresh);
  window.addEventListener("online", refresh);
  setInterval(refresh, 250);
  if (state) api.receive(state);
})();
