"""核查结果与报告: the summary table (附表), the provincial report (附件2) as PDF, the package for the
ministry (报部材料) and the public results (一公开)."""

from datetime import date

import streamlit as st

import ui
from core import pdf, regions, reports
from core.exports import chinese_time
from core.labels import CONCLUSIONS, DRAFT, LEVELS

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

tab_table, tab_report, tab_package, tab_public = st.tabs(
    ["结果汇总表（附表）", "核查报告（附件2）", "报部材料", "公开结果（一公开）"], key="rep_tabs", on_change="rerun")

# --- 附表 ---------------------------------------------------------------------------------------

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
        styled = table.style.apply(
            lambda row: ["background-color: #fff3e0" if row["提交状态"] == DRAFT else "" for _ in row], axis=1)
        st.dataframe(styled, hide_index=True, width="stretch", key="rep_table", height=min(520, 38 + 35 * len(table)),
                     column_config={"存在的主要问题": st.column_config.TextColumn(width="large"),
                                    "矿山名称": st.column_config.TextColumn(width="medium")})
        st.markdown("**合计**" + ("（含草稿）" if include_drafts else "（已提交的核查记录）"))
        st.dataframe(reports.totals(table), hide_index=True, key="rep_totals")
        stem = reports.file_stem(here.name, campaign, "绿色矿山抽查核查结果汇总表")
        d1, d2, _ = st.columns([1, 1, 2])
        d1.download_button("下载汇总表（Excel）", reports.summary_xlsx(table, here.name), file_name=f"{stem}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="rep_xlsx",
                           on_click=ui.logged_export(database, "结果汇总表 Excel", f"核查任务 {campaign.id}"))
        d2.download_button("下载汇总表（CSV）", reports.summary_csv(table), file_name=f"{stem}.csv", mime="text/csv",
                           key="rep_csv", on_click=ui.logged_export(database, "结果汇总表 CSV", f"核查任务 {campaign.id}"))

# --- 附件2 ---------------------------------------------------------------------------------------

with tab_report:
    stats = reports.statistics(database, campaign, rows=rows)
    saved = reports.saved_sections(database, campaign.id)
    text = reports.report_sections(database, campaign, stats)
    version = saved["version"] if saved else 0
    st.caption("统计数字由系统按已提交的核查记录计算；各部分文字先由系统根据核查记录起草，请审改后保存，保存的文字随任务保存。"
               + (f"最近保存：{saved['updated_by']}，{chinese_time(saved['updated_at'])}（第 {version} 版）。" if saved
                  else "尚未保存过，以下为系统起草的文字。"))
    u1, u2 = st.columns([3, 1])
    unit = u1.text_input("报告单位", text["unit"], key=f"rep_unit_v{version}")
    day = u2.date_input("报告日期", date.fromisoformat(text["date"]), key=f"rep_date_v{version}", format="YYYY-MM-DD")
    edited = {"unit": unit, "date": day.isoformat()}
    for name, heading in reports.SECTIONS.items():
        edited[name] = st.text_area(heading, text[name], key=f"rep_{name}_v{version}", height=220)
    b1, b2, _ = st.columns([1, 1, 2])
    if b1.button("保存报告文字", type="primary", key="rep_save"):
        ui.write_then_rerun(lambda: reports.save_sections(database, campaign.id, edited, version, ui.actor()),
                            "报告文字已保存", reports.ReportError)
    with b2:
        if ui.confirmed("按最新核查记录重新起草", key="rep_redraft",
                        question="将用系统按最新核查记录起草的文字替换已保存的四部分文字（原文字不保留）。确定吗？",
                        confirm_label="确认重新起草"):
            ui.write_then_rerun(lambda: reports.save_sections(
                database, campaign.id, {**reports.draft_sections(stats), "unit": unit, "date": day.isoformat()},
                version, ui.actor()), "已按最新核查记录重新起草", reports.ReportError)
    try:
        font = ui.pdf_font(database)
    except pdf.FontMissing as missing:
        st.warning(str(missing))
    else:
        if st.button("生成核查报告（PDF）", key="rep_make_pdf"):
            with st.spinner("正在生成核查报告…"):
                st.session_state["rep_pdf"] = ui.report_pdf_bytes(campaign.id, edited, font)
        if "rep_pdf" in st.session_state:
            st.download_button("下载核查报告（PDF）", st.session_state["rep_pdf"],
                               file_name=f"{reports.file_stem(here.name, campaign, '绿色矿山核查报告')}.pdf",
                               mime="application/pdf", key="rep_pdf_download", on_click="ignore")

# --- 报部材料 -------------------------------------------------------------------------------------

with tab_package:
    national = int(((everything["入库级别"] == LEVELS[0]) & (everything["提交状态"] != DRAFT)).sum())
    st.markdown(f"一个压缩包：核查报告（PDF）、结果汇总表（Excel）、**{national} 座**国家级绿色矿山的核查记录表（PDF）"
                "及其核查影像原件，以及文件清单（每个文件的 SHA-256、任务、生成时间、抽签记录哈希）。")
    try:
        font = ui.pdf_font(database)
    except pdf.FontMissing as missing:
        st.warning(str(missing))
    else:
        if st.button("生成报部材料", type="primary", key="rep_make_package", disabled=submitted == 0):
            progress = st.progress(0.0, text="正在准备…")
            path = ui.build_package(campaign, font, lambda share, message: progress.progress(share, text=message))
            st.session_state["rep_package"] = str(path)
            progress.progress(1.0, text="报部材料已生成")
        if "rep_package" in st.session_state:
            ui.package_download(st.session_state["rep_package"])

# --- 一公开 -------------------------------------------------------------------------------------

with tab_public:
    st.caption("可向社会公开的核查结果：矿山名称、入库级别、所在市（州）、处理结论和存在的主要问题；"
               "不含备注、整改期限、核查人员和签字等内部信息或个人信息。仅含已提交的核查记录。")
    public = reports.public_results(database, campaign, rows)
    if public.empty:
        st.info("还没有已提交的核查记录。")
    else:
        st.dataframe(public, hide_index=True, width="stretch", key="rep_public",
                     column_config={"存在的主要问题": st.column_config.TextColumn(width="large")})
        name = reports.file_stem(here.name, campaign, "绿色矿山抽查核查结果（公开）")
        st.download_button("下载公开结果（Excel）", reports.public_xlsx(public, name), file_name=f"{name}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="rep_public_xlsx",
                           on_click=ui.logged_export(database, "公开结果 Excel", f"核查任务 {campaign.id}"))
