"""核查结果与报告: the summary table (附表), the provincial report (附件2) as PDF, the package for the
ministry (报部材料) and the public results (一公开).

Every file is built in the script run when the user asks for it (a "生成…" button), kept in the session
for the campaign and the choices it was built from, and offered by a download button that does not rerun
the page. A download that reruns the page, or a file whose bytes change from run to run, is a file the
server may already have dropped when the browser asks for it: Streamlit forgets a download's file after
two runs that did not draw its button, and clicks in a row interrupt runs before they get there."""

import json
import logging
from datetime import date

import streamlit as st

import ui
from core import access, audit, campaigns, package, pdf, regions, reports
from core.exports import chinese_time
from core.labels import CONCLUSIONS, DRAFT, LEVELS
from ui.text import plain

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABS = ["结果汇总表（附表）", "核查报告（附件2）", "报部材料", "公开结果（一公开）"]
# The 附表 on screen: chosen columns, long text wrapped (Streamlit wraps cells when rows are taller than
# 4rem), widths that keep 矿山名称, 处理结论 and 备注 on a 1366-pixel screen.
SHOWN_BY_DEFAULT = ["序号", "入库级别", "矿山名称", "开采矿种", "存在的主要问题", "处理结论", "备注"]
WIDTHS = {"序号": 44, "入库级别": 64, "采矿许可证号": 190, "矿山名称": 200, "开采矿种": 96, "开采方式": 80,
          "生产规模": 96, "存在的主要问题": 230, "处理结论": 64, "备注": 170}
ROW_HEIGHT = 72
FITS = 900  # pixels of the table beside the sidebar on a 1366-pixel screen (tests/e2e/test_reports.py)
REFUSALS = (access.Denied, reports.ReportError, package.PackageError, pdf.FontMissing)


def file_on_request(label: str, key: str, what: str, basis, build, disabled: bool = False) -> bytes | None:
    """A "生成…" button that builds a file in this run and keeps it for the session, as long as ``basis``
    (campaign, filters, text …) stays the same; the file's bytes, or None before. A failure is said in
    Chinese on the page (and logged in full for the administrator), never lost."""
    slot = f"{key}__file"
    if st.button(label, key=key, disabled=disabled):
        st.session_state.pop(slot, None)
        try:
            with st.spinner(f"正在生成{what}…"):
                st.session_state[slot] = (basis, build())
        except REFUSALS as refused:
            st.error(f"未能生成{what}：{plain(refused)}")
        except Exception:
            log.exception("building %s failed", what)
            st.error(f"生成{what}时出错，文件没有生成。请重试；如仍出错，请告知系统管理员（服务器日志中有详细记录）。")
    kept = st.session_state.get(slot)
    return kept[1] if kept and kept[0] == basis else None


def logged(what: str, data: bytes) -> bytes:
    """The file, with its export in the audit trail (when it is built: a download does not reach the server)."""
    audit.log(database, ui.actor(), f"导出：{what}", f"核查任务 {campaign.id}")
    return data


database = ui.db()
here = ui.province(database)

st.title("核查结果与报告")
st.caption("核查结束后报部的材料：结果汇总表（附表）、绿色矿山核查报告（附件2）、国家级绿色矿山核查记录表及影像；"
           "以及可向社会公开的核查结果。")
ui.show_flash()

campaign = ui.drawn_campaign(database, "rep_campaign", "还没有完成抽取的核查任务，暂无核查结果。请先抽取核查矿山和核查组，"
                                                       "再由核查组填写核查记录。")

rows = reports.result_rows(database, campaign)  # once per run: every view below is built from it
everything = reports.summary_table(database, campaign, include_drafts=True, rows=rows)
submitted = int((everything["提交状态"] != DRAFT).sum())
drafts = int((everything["提交状态"] == DRAFT).sum())
drawn = len(rows)
if submitted == 0:
    st.info(f"本任务抽中 {drawn} 座矿山，还没有已提交的核查记录。核查组提交记录后，结果会出现在这里。")
    ui.page_link("pages/inspections.py", label="去填写核查记录")
columns = st.columns(4)
columns[0].metric("抽中矿山", f"{drawn} 座")
columns[1].metric("已提交核查记录", f"{submitted} 座")
columns[2].metric("草稿（未计入）", f"{drafts} 座")
columns[3].metric("尚未核查", f"{drawn - submitted - drafts} 座")

tab_table, tab_report, tab_package, tab_public = st.tabs(TABS, key="rep_tabs", on_change="rerun")

# --- 附表 ---------------------------------------------------------------------------------------

if tab_table.open:  # only the open tab is drawn
    with tab_table:
        prefectures = {r.code: r.name for r in regions.prefectures(here.code)}
        f1, f2, f3, f4 = st.columns([1, 1, 1, 1])
        levels = f1.multiselect("入库级别", LEVELS, key="rep_levels", placeholder="全部级别")
        cities = f2.multiselect("市（州）", list(prefectures), format_func=prefectures.get, key="rep_cities",
                                placeholder="全部地市")
        conclusions = f3.multiselect("处理结论", CONCLUSIONS, key="rep_conclusions", placeholder="全部结论")
        include_drafts = f4.toggle("包含草稿", key="rep_drafts",
                                   help="默认只统计已提交的核查记录；包含时草稿在“备注”中注明。")
        table = reports.summary_table(database, campaign, include_drafts, levels, cities, conclusions, rows)
        if table.empty:
            st.info("没有符合条件的核查结果。")
        else:
            shown = st.multiselect("显示的列", reports.COLUMNS, default=SHOWN_BY_DEFAULT, key="rep_columns",
                                   placeholder="选择要显示的列",
                                   help="只影响页面上的表格；下载的汇总表始终包含附表的全部列。")
            shown = [c for c in reports.COLUMNS if c in shown] or SHOWN_BY_DEFAULT
            wide = sum(WIDTHS[c] for c in shown) > FITS  # scrolls sideways: the name stays in view
            styled = table[[*shown, "提交状态"]].style.apply(
                lambda row: ["background-color: #fff3e0" if row["提交状态"] == DRAFT else "" for _ in row], axis=1)
            st.dataframe(styled, hide_index=True, width="stretch", key="rep_table", row_height=ROW_HEIGHT,
                         height=min(560, 38 + ROW_HEIGHT * len(table)),
                         column_order=shown,
                         column_config={c: st.column_config.Column(width=WIDTHS[c], pinned=c == "矿山名称" and wide)
                                        for c in shown})
            st.markdown("**合计**" + ("（含草稿）" if include_drafts else "（已提交的核查记录）"))
            st.dataframe(reports.totals(table), hide_index=True, key="rep_totals")
            stem = reports.file_stem(here.name, campaign, "绿色矿山抽查核查结果汇总表")
            choice = (campaign.id, table.to_json(force_ascii=False))  # the file holds what the table shows
            files = file_on_request("生成汇总表（Excel、CSV）", "rep_make_table", "结果汇总表", choice, lambda: (
                logged("结果汇总表 Excel、CSV", reports.summary_xlsx(table, here.name)), reports.summary_csv(table)))
            if files:
                d1, d2, _ = st.columns([1, 1, 2])
                d1.download_button("下载汇总表（Excel）", files[0], file_name=f"{stem}.xlsx", mime=XLSX,
                                   key="rep_xlsx", on_click="ignore")
                d2.download_button("下载汇总表（CSV）", files[1], file_name=f"{stem}.csv", mime="text/csv",
                                   key="rep_csv", on_click="ignore")

# --- 附件2 ---------------------------------------------------------------------------------------

if tab_report.open:
    with tab_report:
        stats = reports.statistics(database, campaign, rows=rows)
        saved = reports.saved_sections(database, campaign.id)
        text = reports.report_sections(database, campaign, stats)
        version = saved["version"] if saved else 0
        # The campaign in every key: the boxes of another campaign (or of an older save) keep their own text.
        keyed = f"c{campaign.id}_v{version}"
        st.caption("统计数字由系统按已提交的核查记录计算；各部分文字先由系统根据核查记录起草，请审改后保存，保存的文字随任务保存。"
                   + (f"最近保存：{plain(saved['updated_by'])}，{chinese_time(saved['updated_at'])}（第 {version} 版）。" if saved
                      else "尚未保存过，以下为系统起草的文字。"))
        if not stats.final:
            st.warning(f"核查尚未完成：抽取的 {sum(stats.drawn.values())} 座矿山中，尚有 {len(stats.outstanding)} 座未提交核查记录。"
                       "此时生成的报告和报部材料是阶段性报告，封面和每页页眉都注明“阶段性报告”，并列出未完成的矿山。"
                       "全部矿山提交核查记录（或登记未能核查的原因）后，报告才是正式报告。")
        with st.expander(f"未能核查的矿山（已登记 {len(stats.exempted)} 座）"):
            st.caption("抽取的矿山因停产、已关闭等原因确实无法实地核查的，在此登记原因；报告列出这些矿山及原因。")
            choices = {m["licence_no"]: f"{m['name']}（{m['level']}，{m['city']}，{m['status']}）" for m in stats.outstanding}
            e1, e2 = st.columns([2, 2])
            pick = e1.selectbox("矿山", list(choices), format_func=choices.get, key=f"exempt_mine_{campaign.id}",
                                index=None, placeholder="选择尚未提交核查记录的矿山")
            why = e2.text_input("未能核查的原因", key=f"exempt_reason_{campaign.id}", placeholder="如：停产、已关闭、正在整改无法进场")
            if st.button("登记", key=f"exempt_save_{campaign.id}", disabled=not pick or not why.strip()):
                ui.write_then_rerun(lambda: campaigns.record_exemption(database, campaign, pick, why, ui.actor()),
                                    "已登记未能核查的矿山。", campaigns.CampaignError)
            for mine in stats.exempted:
                r1, r2 = st.columns([4, 1])
                r1.write(f"{plain(mine['name'])}（{mine['level']}）：{plain(mine['reason'])}")
                if r2.button("撤销", key=f"exempt_undo_{campaign.id}_{mine['licence_no']}"):
                    ui.write_then_rerun(lambda: campaigns.remove_exemption(database, campaign, mine["licence_no"],
                                                                           ui.actor()),
                                        "已撤销登记。", campaigns.CampaignError)
        stale = reports.staleness(database, campaign, saved)
        if stale:
            st.warning(f"记录已更新，草稿可能过时：保存报告文字后，又有 {stale.records} 座矿山的核查记录提交或更正"
                       + (f"（{plain('；'.join(stale.changes))}）" if stale.changes else "")
                       + "。请核对文字中的数字，或按最新核查记录重新起草。")
        # Unsaved edits outlive a visit to another campaign or tab (Streamlit forgets a widget not drawn).
        edits = st.session_state.setdefault(f"rep_edits_{keyed}", {})
        text.update(edits)
        u1, u2 = st.columns([3, 1])
        unit = u1.text_input("报告单位", text["unit"], key=f"rep_unit_{keyed}")
        day = u2.date_input("报告日期", date.fromisoformat(text["date"]), key=f"rep_date_{keyed}", format="YYYY-MM-DD")
        edited = {"unit": unit, "date": day.isoformat()}
        for name, heading in reports.SECTIONS.items():
            edited[name] = st.text_area(heading, text[name], key=f"rep_{name}_{keyed}", height=220)
        edits.update(edited)
        unfinished = reports.unfinished_parts(edited)
        if unfinished:
            st.info("以下部分还需组织者填写（文中“【待填写：…】”处），系统不代为撰写：" + plain("；".join(unfinished)) + "。")
        b1, b2, _ = st.columns([1, 1, 2])
        if b1.button("保存报告文字", type="primary", key="rep_save"):
            ui.write_then_rerun(lambda: reports.save_sections(database, campaign.id, edited, version, ui.actor()),
                                "报告文字已保存", reports.ReportError)
        with b2:
            if ui.confirmed("按最新核查记录重新起草", key=f"rep_redraft_c{campaign.id}",
                            question="将用系统按最新核查记录起草的文字替换各部分文字（已保存和正在编辑的文字都不保留）。确定吗？",
                            confirm_label="确认重新起草"):
                ui.write_then_rerun(lambda: reports.save_sections(
                    database, campaign.id, {**reports.draft_sections(stats, unit=unit), "unit": unit, "date": day.isoformat()},
                    version, ui.actor()), "已按最新核查记录重新起草", reports.ReportError)
        try:
            font = ui.pdf_font(database)
        except pdf.FontMissing as missing:
            st.warning(plain(missing))
        else:
            built = file_on_request("生成核查报告（PDF）", "rep_make_pdf", "核查报告",
                                    (campaign.id, json.dumps(edited, ensure_ascii=False, sort_keys=True),
                                     everything.to_json(force_ascii=False)),
                                    lambda: ui.report_pdf_bytes(campaign.id, edited, font, ui.actor()))
            if built:
                st.download_button("下载核查报告（PDF）", built,
                                   file_name=package.report_name(here.name, campaign, not stats.final),
                                   mime="application/pdf", key="rep_pdf_download", on_click="ignore")
            elif st.session_state.get("rep_make_pdf__file"):
                st.caption("报告文字或核查任务已改变，请重新生成核查报告（PDF）。")

# --- 报部材料 -------------------------------------------------------------------------------------

if tab_package.open:
    with tab_package:
        national = int(((everything["入库级别"] == LEVELS[0]) & (everything["提交状态"] != DRAFT)).sum())
        st.markdown(f"一个压缩包：核查报告（PDF）、结果汇总表（Excel）、**{national} 座**国家级绿色矿山的核查记录表（PDF）"
                    "及其核查影像原件，以及文件清单（每个文件的 SHA-256、任务、生成时间、抽签记录哈希）。")
        unfinished = package.outstanding(database, campaign)
        if unfinished:
            st.warning(f"尚有 {len(unfinished)} 座抽取的矿山未提交核查记录（其中国家级 "
                       f"{sum(m['level'] == LEVELS[0] for m in unfinished)} 座）：现在生成的是阶段性报部材料，"
                       "文件名、核查报告和文件清单都注明“阶段性”。")
        try:
            font = ui.pdf_font(database)
        except pdf.FontMissing as missing:
            st.warning(plain(missing))
        else:
            if st.button("生成报部材料", type="primary", key="rep_make_package", disabled=submitted == 0):
                st.session_state.pop(f"rep_package_{campaign.id}", None)
                progress = st.progress(0.0, text="正在准备…")
                try:
                    path = ui.build_package(campaign, font, lambda share, message: progress.progress(share, text=plain(message)))
                except REFUSALS as refused:
                    st.error(f"未能生成报部材料：{plain(refused)}")
                except Exception:
                    log.exception("building the ministry package failed")
                    st.error("生成报部材料时出错，压缩包没有生成。请重试；如仍出错，请告知系统管理员（服务器日志中有详细记录）。")
                else:
                    st.session_state[f"rep_package_{campaign.id}"] = str(path)
                    progress.progress(1.0, text="报部材料已生成")
            if f"rep_package_{campaign.id}" in st.session_state:
                ui.package_download(st.session_state[f"rep_package_{campaign.id}"])

# --- 一公开 -------------------------------------------------------------------------------------

if tab_public.open:
    with tab_public:
        st.caption("可向社会公开的核查结果：矿山名称、入库级别、所在市（州）、处理结论和存在的主要问题；"
                   "不含备注、整改期限、核查人员和签字等内部信息或个人信息。仅含已提交的核查记录；"
                   "尚待省级审定或自然资源部确定的移出写作“拟移出，待…”，决定后才写作“移出”。")
        public = reports.public_results(database, campaign, rows)
        if public.empty:
            st.info("还没有已提交的核查记录。")
        else:
            st.dataframe(public, hide_index=True, width="stretch", key="rep_public", row_height=ROW_HEIGHT,
                         height=min(560, 38 + ROW_HEIGHT * len(public)),
                         column_config={"序号": st.column_config.Column(width=44),
                                        "矿山名称": st.column_config.TextColumn(width=220),
                                        "存在的主要问题": st.column_config.TextColumn(width=360)})
            note = reports.public_note(reports.statistics(database, campaign, rows=rows))
            if note:
                st.caption(plain(note))
            name = reports.file_stem(here.name, campaign, "绿色矿山抽查核查结果（公开）")
            kept = file_on_request("生成公开结果（Excel）", "rep_make_public", "公开结果",
                                   (campaign.id, public.to_json(force_ascii=False), note),
                                   lambda: logged("公开结果 Excel", reports.public_xlsx(public, name, note)))
            if kept:
                st.download_button("下载公开结果（Excel）", kept, file_name=f"{name}.xlsx", mime=XLSX,
                                   key="rep_public_xlsx", on_click="ignore")
