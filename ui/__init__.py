"""Pieces of the interface shared by the pages: the database of this run, the acting user, filters,
problem lists and download names. Domain logic stays in ``core/``; this module only draws."""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlite_utils import Database

from core import (access, audit, backup, campaigns, config, followup, inspections, maps, package, pdf, record_pdf, regions,
                  registry, report_pdf, settings)
from core import db as dbmod
from core.exports import chinese_date, chinese_time
from core.labels import FLAGS, LEVELS, METHODS, STATUSES, STATUS_LISTED
from ui import auth
from ui.text import plain

ICON = Path(__file__).resolve().parent.parent / "static" / "icon.png"
STYLE = Path(__file__).resolve().parent / "style.css"
ZH_SCRIPT = Path(__file__).resolve().parent / "zh.js"


@st.cache_resource(show_spinner=False)
def _migrated(path: str) -> bool:
    """Create or migrate the database once per server process and data directory; then open the follow-up
    cases of records submitted before the follow-up existed."""
    database = dbmod.connect(path)
    try:
        followup.open_missing(database, access.System("系统（升级）"))
    finally:
        database.close()
    return True


_thread = threading.local()


def db() -> Database:
    """A connection of this thread. Not one per session: when a user acts while a run is still going,
    Streamlit starts the next run in a new thread before the old one has stopped, and two threads must
    never share a connection (their transactions would mix)."""
    path = str(config.db_path())
    _migrated(path)
    if getattr(_thread, "path", None) != path:
        _thread.db = dbmod.connect(path, migrate_schema=False)
        _thread.path = path
    return _thread.db


def all_mines(database: Database) -> list[dict]:
    """Every mine, as rows (for documents built when a download button is clicked)."""
    return registry.list_mines(database).to_dict("records")


def mines_by_licence(database: Database) -> dict[str, dict]:
    """Every mine keyed by licence number (for documents built when a download button is clicked)."""
    return {mine["licence_no"]: mine for mine in all_mines(database)}


def pdf_font(database: Database) -> pdf.Fonts:
    """The faces of PDF documents, body and headings (raises pdf.FontMissing with what to install)."""
    return pdf.find_fonts(settings.get(database, "pdf_font"), settings.get(database, "pdf_heading_font"))


def drawn_campaign(database: Database, key: str, missing: str) -> "campaigns.Campaign":
    """The campaign a page works on: one with drawn mines, at first the one in progress for this user
    (:func:`campaigns.in_progress`); a choice when there are several, latest first, else named in a line.
    With none, says ``missing`` with a link to the draw and stops the page."""
    ready = campaigns.with_draws(database)
    if not ready:
        st.info(missing)
        page_link("pages/sampling.py", label="去抽取核查矿山")
        st.stop()
    if len(ready) == 1:
        st.caption(f"当前核查任务：{plain(ready[0].title)}")
        return ready[0]
    return choose_campaign(database, ready, campaigns.in_progress(database, actor()), key)


def choose_campaign(database: Database, choices: list, default, key: str) -> "campaigns.Campaign":
    """A selector of ``choices`` (campaigns) opening on ``default``. The choice is kept by id in
    ``st.session_state[key]``: the browser names an option by its label, which changes when the campaign
    is renamed or drawn, and two old campaigns may share a title; the label says number and state."""
    ids = [c.id for c in choices]
    if st.session_state.get(key) not in ids:
        st.session_state[key] = default.id if default is not None and default.id in ids else ids[0]
    widget = f"{key}__select"
    st.session_state[widget] = st.session_state[key]

    def keep() -> None:  # a label the browser kept from before a rename is no choice
        if st.session_state.get(widget) in ids:
            st.session_state[key] = st.session_state[widget]

    labels = campaigns.choice_labels(database, choices)
    st.selectbox("核查任务", ids, format_func=lambda i: labels.get(i, str(i)), key=widget, on_change=keep)
    return next(c for c in choices if c.id == st.session_state[key])


def record_pdf_bytes(record_id: int, font: pdf.Faces, who: str) -> bytes:
    """One inspection record as PDF, read on a connection of its own (built outside the script run)."""
    database = dbmod.connect(config.db_path(), migrate_schema=False)
    try:
        record = inspections.get(database, record_id)
        audit.log(database, who, "导出：核查记录 PDF", record.licence_no, new={"version": record.version})
        return record_pdf.record_pdf(database, record, font)
    finally:
        database.close()


def download_button(container, label: str, data, file_name: str, mime: str, key: str,
                    export: tuple[str, str] | None = None) -> None:
    """A download button that never reruns the page, so a click never takes away the file behind another
    button clicked just after it (a rerun replaces every button's file). ``data`` is bytes, or a function of a
    database connection of its own, called when the button is clicked (outside the script run); ``export``
    (what, target) goes into the audit trail under the user who was shown the page. A failure to build the file
    is shown beside the button (in Chinese, by the frame's script)."""
    if not callable(data) and export is None:
        container.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click="ignore")
        return
    who = st.session_state.get(auth.USER)

    def build() -> bytes:
        database = dbmod.connect(config.db_path(), migrate_schema=False)
        try:
            content = data(database) if callable(data) else data
            if export:
                audit.log(database, who, f"导出：{export[0]}", export[1])
            return content
        finally:
            database.close()

    container.download_button(label, build, file_name=file_name, mime=mime, key=key, on_click="ignore")


def report_pdf_bytes(campaign_id: int, sections: dict, font: pdf.Faces, who: access.User) -> bytes:
    """The provincial report of this campaign with this text (the page's, for that campaign) as PDF, read on
    a connection of its own; uses no session state, so it runs in any thread. Logged as an export once built."""
    database = dbmod.connect(config.db_path(), migrate_schema=False)
    try:
        built = report_pdf.report_pdf(database, campaigns.get(database, campaign_id), font, sections)
        audit.log(database, who, "导出：核查报告 PDF", f"核查任务 {campaign_id}")
        return built
    finally:
        database.close()


PACKAGE_DOWNLOAD_LIMIT = 300 * 1024 * 1024  # larger packages are fetched from the server's disk


def build_package(campaign, font: pdf.Faces, progress) -> Path:
    """Write the ministry package into the data directory's ``exports/`` and return its path."""
    database = dbmod.connect(config.db_path(), migrate_schema=False)
    try:
        interim = bool(package.outstanding(database, campaign))
        target = config.data_dir() / "exports" / package.package_name(province(database).name, campaign, interim)
        target.parent.mkdir(parents=True, exist_ok=True)
        manifest = package.build_package(database, campaign, font, target, progress)
        audit.log(database, actor(), "导出：报部材料", f"核查任务 {campaign.id}",
                  new={"file": target.name, "counts": manifest.get("counts")})
        return target
    finally:
        database.close()


def package_download(path: str) -> None:
    """A download button for the package, or where to find it on the server when it is very large."""
    target = Path(path)
    if not target.is_file():
        return
    size = target.stat().st_size
    if size <= PACKAGE_DOWNLOAD_LIMIT:
        st.download_button(f"下载报部材料（{size / 2**20:.1f} MB）", target.read_bytes(), file_name=target.name,
                           mime="application/zip", key="package_download", on_click="ignore")
    else:
        st.info(f"报部材料共 {size / 2**30:.2f} GB，超过网页下载上限，已保存在服务器：{plain(target)}。请由管理员复制。")


def make_backup(progress) -> dict:
    """A backup of the database and the evidence into the data directory's ``backups/``."""
    target = backup.default_target(config.data_dir())
    manifest = backup.create_backup(config.db_path(), config.data_dir(), target, progress, actor())
    return {"path": target, "counts": manifest["counts"], "warnings": manifest["warnings"]}


def evidence_caption(photo: dict) -> str:
    """What the page says under a photo: area, caption, capture time, position, distance, uploader."""
    taken = chinese_time(photo["taken_at"]) if photo["taken_at"] else "无拍摄时间"
    where = (f"{photo['lat']:.5f}, {photo['lon']:.5f}" if photo["lat"] is not None else "无GPS")
    distance = f" · 距矿山 {photo['distance_km']:.1f} 公里" if photo["distance_km"] is not None else ""
    return (f"{plain(photo['caption'] or photo['filename'])}  \n拍摄：{taken} · {where}{distance}  \n"
            f"{plain(photo['device']) or '设备未知'} · {plain(photo['uploaded_by'])}上传于{chinese_time(photo['uploaded_at'])}  \n"
            f"SHA-256 {photo['sha256'][:16]}…")


def page_link(path: str, label: str) -> None:
    """A link to another page, shown only when the user's role lets them open it."""
    if path in st.session_state.get(auth.PAGES, ()):
        st.page_link(path, label=label)


def actor() -> access.User:
    """The logged-in user: who acts, for every write and its audit entry (core checks their role).

    Checked again at each call, because a widget's callback runs before the router: a session idle
    too long, logged out elsewhere or stopped is refused here (:class:`access.Denied`), not written
    under the name of whoever left the screen open; a role changed meanwhile counts at once."""
    return auth.acting_user(db())


def province(database: Database) -> regions.Region:
    return settings.province(database)


def download_name(database: Database, what: str, suffix: str, dated: bool = False) -> str:
    """Chinese file name after what the file holds: '湖北省绿色矿山名录（2026年11月28日）.xlsx'."""
    stamp = f"（{chinese_date(date.today())}）" if dated else ""
    return f"{province(database).name}{what}{stamp}.{suffix}"


def mine_table(mines: pd.DataFrame, key: str, selectable: bool = False):
    """The register's table of mines (Chinese headings, scale with its unit, flags as ticks)."""
    table = pd.DataFrame({
        "采矿许可证号": mines["licence_no"],
        "矿山名称": mines["name"],
        "入库级别": mines["level"],
        "市（州）": mines["city"],
        "县（市、区）": mines["county"],
        "开采矿种": mines["mineral"],
        "开采方式": mines["method"],
        "生产规模": mines["scale_value"].map(registry.as_text) + mines["scale_unit"],
        "规模类型": mines["scale_class"],
        "问题线索": mines["flag_problem"].astype(bool),
        "回头看整改": mines["flag_rectify"].astype(bool),
        "状态": mines["status"],
    })
    return st.dataframe(
        table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)), key=key,
        on_select="rerun" if selectable else "ignore", selection_mode="single-row",
        column_config={"矿山名称": st.column_config.TextColumn(width="large")},
    )


def show_problems(frame: pd.DataFrame, key: str) -> None:
    """A list of problems (rows of Problem.as_dict()), errors first, in a table that fits the page.

    The columns together fit a 1366 px screen beside the menu, and long texts wrap inside their cells:
    every row is as high as its longest text needs, so 问题 and 修改方法 are read whole, not cut off.
    """
    if frame.empty:
        return
    # The page's content is about 900 px wide on a 1366 px screen with the menu open.
    widths = {"行号": 48, "级别": 48, "列": 100, "填写内容": 170, "问题": 240, "修改方法": 270}

    def lines(text: str, width: int) -> int:
        # Chinese characters are about 14 px wide at the table's font size, Latin letters and digits half that.
        pixels = sum(14 if ord(ch) > 0x2E80 else 7.5 for ch in text)
        return max(1, -int(-pixels // (width - 20)))

    needed = max(lines(str(value), widths.get(column, 150)) for column in frame.columns for value in frame[column])
    # Streamlit wraps cell text only in rows taller than 4rem; one line keeps the default height.
    row_height = max(68, 16 + 21 * min(needed, 10)) if needed > 1 else None
    st.dataframe(frame, hide_index=True, width="stretch", key=key, row_height=row_height,
                 column_config={column: st.column_config.Column(width=width)
                                for column, width in widths.items() if column in frame.columns})


def register_filters(database: Database, key: str = "reg") -> registry.Filters:
    """The filter bar of the register, shared by the register page and the map."""
    here = province(database)
    prefectures = {r.code: r.name for r in regions.prefectures(here.code)}
    row1 = st.columns([2, 1, 1, 1])
    search = row1[0].text_input("搜索矿山名称、采矿许可证号或采矿权人", key=f"{key}_search",
                                placeholder="输入名称或证号的一部分")
    levels = row1[1].multiselect("入库级别", LEVELS, key=f"{key}_levels", placeholder="全部级别")
    statuses = row1[2].multiselect("状态", STATUSES, default=[STATUS_LISTED], key=f"{key}_statuses",
                                   placeholder="全部状态")
    flags = row1[3].multiselect("重点核查类别", FLAGS, key=f"{key}_flags", placeholder="不限")
    row2 = st.columns(4)
    cities = row2[0].multiselect("市（州）", list(prefectures), format_func=prefectures.get,
                                 key=f"{key}_cities", placeholder="全部地市")
    county_choices = {r.code: r.name for code in (cities or list(prefectures))
                      for r in regions.counties(here.code, code)}
    counties = row2[1].multiselect("县（市、区）", list(county_choices), format_func=county_choices.get,
                                   key=f"{key}_counties", placeholder="全部县区")
    minerals = row2[2].multiselect("开采矿种", registry.distinct_values(database, "mineral"),
                                   key=f"{key}_minerals", placeholder="全部矿种")
    methods = row2[3].multiselect("开采方式", METHODS, key=f"{key}_methods", placeholder="全部方式")
    return registry.Filters(levels=levels, city_codes=cities, county_codes=counties, minerals=minerals,
                            methods=methods, statuses=statuses, flags=flags, search=search)


@st.cache_data(max_entries=16, show_spinner=False)
def _cached_points(path: str, version: tuple, filters: registry.Filters, dimension: str):
    database = dbmod.connect(path, migrate_schema=False)
    try:
        mines = registry.list_mines(database, filters, registry.LIST_COLUMNS)
        if dimension == "核查进度":
            campaign = inspections.current_campaign(database)
            progress = inspections.progress_by_licence(database, campaign) if campaign else {}
            mines["progress"] = mines["licence_no"].map(progress)
        if dimension == "整改跟踪":
            mines["followup"] = mines["licence_no"].map(followup.status_by_licence(database, date.today()))
        return maps.point_rows(mines, dimension)
    finally:
        database.close()


def map_points(database: Database, filters: registry.Filters, dimension: str):
    """The map's points for these filters, computed once per change of the register (or of the records,
    when coloured by the campaign's progress)."""
    version = registry.data_version(database)
    if dimension == "核查进度":
        version += inspections.data_version(database)
    if dimension == "整改跟踪":  # due soon and overdue change with the day too
        version += followup.data_version(database) + (date.today().isoformat(),)
    return _cached_points(str(config.db_path()), version, filters, dimension)


def frame(database: Database, pages: list[tuple] = ()) -> None:
    """What every page shows: Chinese in place of Streamlit's English widget texts (the CSS for what is drawn
    by style, the script for texts, tooltips and what screen readers announce); in the sidebar the menu of
    ``pages`` (the router's rows: section, file, title, …) by section, and the province."""
    st.html(STYLE)
    st.html(f"<script>{ZH_SCRIPT.read_text(encoding='utf-8')}</script>", unsafe_allow_javascript=True)
    with st.sidebar:
        section = None
        for page_section, path, title, *_ in pages:
            if page_section != section:
                section = page_section
                st.caption(section)
            st.page_link(path, label=title)
        if pages:
            st.divider()
        st.caption(f"{province(database).name} · 绿色矿山实地抽查核查")


LOG = logging.getLogger("lvkuang")


def run_page(navigation) -> None:
    """Run the page the user asked for. A refusal core raises (:class:`access.Denied`: no right, or a
    session that ended meanwhile) reaches the user as its Chinese message; anything unexpected as a polite
    Chinese message with a reference the administrator finds in the server's log, which alone holds the
    details (with ``client.showErrorDetails = "none"`` no stack trace reaches a browser)."""
    try:
        navigation.run()
    except access.Denied as refused:
        st.error(plain(refused))
    except Exception:
        reference = datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        LOG.exception("page failed, reference %s", reference)
        st.error(f"系统出错，本页没有完整显示；刚才的操作如没有提示成功，则没有执行。"
                 f"请把出错编号 {reference} 告诉系统管理员（详情已记入服务器日志）。")


def confirmed(label: str, key: str, question: str, confirm_label: str = "确认", disabled: bool = False) -> bool:
    """A button that asks before doing anything irreversible; True on the run the user confirms. The
    question is plain text (it may quote names): it is shown as typed."""
    asking = f"{key}__asking"
    if st.button(label, key=key, disabled=disabled):
        st.session_state[asking] = True
    if not st.session_state.get(asking):
        return False
    st.warning(plain(question))
    yes, no, _ = st.columns([1, 1, 4])
    if yes.button(confirm_label, key=f"{key}__yes", type="primary"):
        st.session_state[asking] = False
        return True
    if no.button("取消", key=f"{key}__no"):
        st.session_state[asking] = False
        st.rerun()
    return False


def write_then_rerun(write, message: str, *refusals: type[Exception]) -> None:
    """Run a write; if core refuses it (one of ``refusals``), say why; else announce it after a rerun. Both
    core's message and ``message`` are plain text (they quote names): shown as typed."""
    try:
        write()
    except refusals as exc:
        st.error(plain(exc))
        return
    flash(message)
    st.rerun()


def flash(message: str) -> None:
    """A success message shown once, after the rerun that follows a write (plain text, shown as typed)."""
    st.session_state["_flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("_flash", None)
    if message:
        st.success(plain(message))
