"""The settings page's section 正式参考表: what of the official texts the app holds, and loading what it
does not from the province's own copy (indicator items, the 14 removal situations, GB standard numbers).

Called from pages/settings.py as ``reference_tables.section(database)``.
"""

from __future__ import annotations

import streamlit as st
from sqlite_utils import Database

import ui
from core import access, importer, indicators, reference, reference_tables
from core.indicators import IndicatorSet
from ui.text import plain


def section(database: Database) -> None:
    st.subheader("正式参考表")
    st.write("评价指标、移出情形和标准编号须与正式文件一致。本系统只收录已核实的内容；"
             "未核实的部分请按本省所存的正式文本，下载模板填写后载入（先检查，全部无误才保存）。")
    may = access.may(ui.actor(), access.SETTINGS)
    if not may:
        st.info("载入正式参考表须由系统管理员操作，当前账号只能查看。")
    for indicator_set in reference_tables.indicator_sets(database).values():
        _indicator_set(database, indicator_set, may)
    _removal_situations(database, may)
    _standards(database, may)


def _upload(key: str, label: str):
    return st.file_uploader(label, type=["xlsx", "xls", "csv"], key=key, max_upload_size=importer.MAX_IMPORT_MB)


def _show_plan(plan: reference_tables.TablePlan, key: str) -> bool:
    """Show what a checked table holds and its problems; True when it may be stored."""
    errors = [p for p in plan.problems if p.is_error]
    st.write(f"读到 {len(plan.rows)} 行，错误 {len(errors)} 个，提醒 {len(plan.problems) - len(errors)} 个。")
    ui.show_problems(plan.problems_frame(), key=f"{key}_problems")
    if not plan.ok:
        st.error("表格有错误，本次不能载入，已保存的内容没有任何改动。请按“修改方法”改好后重新上传。")
    return plan.ok


def _indicator_set(database: Database, indicator_set: IndicatorSet, may: bool) -> None:
    code = indicator_set.code
    loaded = reference_tables.loaded_indicator_items(database, code)
    state = "已载入正式指标表" if loaded else "条目未核实，待载入正式文本"
    with st.expander(f"评价指标：{plain(indicator_set.name)}（{state}）"):
        st.caption(f"来源：{plain(indicator_set.source)}")
        if loaded:
            st.success(f"正式指标表：{plain(indicator_set.items_source)}")
        else:
            st.warning(plain(indicators.confirmation_note(indicator_set)))
        if indicator_set.structure:
            st.dataframe([{"一级指标": g.name, "已核实的二级指标": "、".join(g.subgroups) or "（未核实）",
                           "满分": "未核实" if g.points is None else f"{g.points:g}"} for g in indicator_set.structure],
                         hide_index=True, width="stretch", key=f"ref_structure_{code}")
        rules = []
        if indicator_set.total_points is not None:
            rules.append(f"满分 {indicator_set.total_points:g} 分")
        if indicator_set.pass_total is not None:
            rules.append(f"通过线 {indicator_set.pass_total:g} 分")
        if indicator_set.pass_share is not None:
            rules.append(f"每个一级指标不低于其满分的 {indicator_set.pass_share:.0%}")
        if rules:
            st.write("计分规则：" + "，".join(rules) + "。")
        if indicator_set.items:
            st.dataframe([{"编号": i.id, "类别": i.kind, "一级指标": i.group, "二级指标": i.subgroup, "评价内容": i.text,
                           "分值": "" if i.points is None else f"{i.points:g}", "来源": i.source}
                          for i in indicator_set.items], hide_index=True, width="stretch", key=f"ref_items_{code}")
        if not may:
            return
        st.download_button("下载正式指标表导入模板（.xlsx）", reference_tables.indicator_template(indicator_set),
                           file_name=ui.download_name(database, f"{indicator_set.name}导入模板", "xlsx"),
                           key=f"ref_template_{code}")
        upload = _upload(f"ref_upload_{code}", "选择填好的正式指标表")
        if upload is not None:
            try:
                plan = reference_tables.plan_indicator_items(indicator_set, upload.getvalue(), upload.name)
            except importer.ImportFileError as exc:
                st.error(f"{plain(exc)} 已保存的内容没有任何改动。")
            else:
                if _show_plan(plan, f"ref_items_{code}") and st.button(
                        f"确认载入（{len(plan.rows)} 项）", type="primary", key=f"ref_save_{code}"):
                    count = reference_tables.save_indicator_items(database, indicator_set, plan, ui.actor())
                    ui.flash(f"已载入《{indicator_set.name}》正式指标表 {count} 项。")
                    st.rerun()
        if loaded and ui.confirmed("删除已载入的指标表", f"ref_clear_{code}",
                                   f"删除后《{indicator_set.name}》只保留已核实的前提条件和结构，核查记录中按已载入条目所作的"
                                   "判定仍保存在记录中，但不再显示。确定删除吗？", confirm_label="确认删除"):
            reference_tables.clear_indicator_items(database, code, ui.actor())
            ui.flash(f"已删除《{indicator_set.name}》的已载入指标表。")
            st.rerun()


def _removal_situations(database: Database, may: bool) -> None:
    loaded = reference_tables.loaded_removal_situations(database)
    state = "已载入附件2" if loaded else "附件2的14种情形待载入"
    with st.expander(f"移出名录的情形（{state}）"):
        if loaded:
            st.success(plain(f"{reference_tables.REMOVAL_DOCUMENT}：{loaded.text}。"))
        else:
            st.warning(f"{reference_tables.REMOVAL_DOCUMENT}所列的 {reference_tables.REMOVAL_COUNT} 种移出情形原文尚未载入。"
                       "现只列已核实的移出情形；请按模板载入正式文本。")
        st.dataframe([{"移出情形": r.reason, "来源": r.source} for r in reference_tables.removal_reasons(database)],
                     hide_index=True, width="stretch", key="ref_removal_list")
        if not may:
            return
        st.download_button("下载移出情形导入模板（.xlsx）", reference_tables.removal_template(),
                           file_name=ui.download_name(database, "移出情形导入模板", "xlsx"), key="ref_removal_template")
        upload = _upload("ref_removal_upload", "选择填好的移出情形表")
        if upload is not None:
            try:
                plan = reference_tables.plan_removal_situations(upload.getvalue(), upload.name)
            except importer.ImportFileError as exc:
                st.error(f"{plain(exc)} 已保存的内容没有任何改动。")
            else:
                if _show_plan(plan, "ref_removal") and st.button(
                        f"确认载入（{len(plan.rows)} 种情形）", type="primary", key="ref_removal_save"):
                    count = reference_tables.save_removal_situations(database, plan, ui.actor())
                    ui.flash(f"已载入移出情形 {count} 种。")
                    st.rerun()
        if loaded and ui.confirmed("删除已载入的移出情形", "ref_removal_clear",
                                   "删除后只保留已核实的移出情形，已填写的移出原因不受影响。确定删除吗？",
                                   confirm_label="确认删除"):
            reference_tables.clear_removal_situations(database, ui.actor())
            ui.flash("已删除已载入的移出情形。")
            st.rerun()


def _standards(database: Database, may: bool) -> None:
    rows = reference_tables.standards(database)
    with st.expander("绿色矿山建设规范（行业标准与国家标准）"):
        st.dataframe([{"标准编号": s.code or "（待填）", "标准名称": s.name, "行业或部分": s.industry,
                       "所属系列": s.series, "实施日期": s.in_force, "来源": s.source} for s in rows],
                     hide_index=True, width="stretch", key="ref_standards")
        if not may:
            return
        open_rows = [s for s in reference.standard_rows() if not s.code]
        if not open_rows:
            return
        current = {s.industry: s.code for s in rows}
        filled = sum(1 for s in open_rows if current.get(s.industry))
        st.caption("国家标准《绿色矿山建设规范》各部分的标准编号未收录，请按正式文本填写（留空表示尚未取得）。"
                   f"已填写 {filled}/{len(open_rows)} 个。")
        entered = {}
        columns = st.columns(2)
        for index, standard in enumerate(open_rows):
            entered[standard.industry] = columns[index % 2].text_input(
                plain(f"{standard.name}（{standard.industry}）标准编号"), current.get(standard.industry, ""),
                key=f"ref_std_{standard.industry}", placeholder="如 GB/T 12345—2026")
        if st.button("保存标准编号", key="ref_std_save"):
            problems = reference_tables.save_standard_numbers(database, entered, ui.actor())
            if problems:
                st.error(plain("；".join(f"{p.column}：{p.message}（{p.fix}）" for p in problems)))
            else:
                ui.flash("已保存国家标准编号。")
                st.rerun()
