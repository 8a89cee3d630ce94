"""名录导入与导出: the import template, importing a register file with a preview, and exporting the register."""

import streamlit as st

import ui
from core import exports, importer, registry

database = ui.db()
here = ui.province(database)

st.title("名录导入与导出")
ui.show_flash()

st.subheader("一、下载导入模板")
st.write("模板含表头、下拉选项和填表说明。已有名录表也可直接上传，系统会识别常见的列名写法。")
st.download_button("下载导入模板（.xlsx）", lambda: exports.import_template(here),
                   file_name=ui.download_name(database, "绿色矿山名录导入模板", "xlsx"),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader("二、上传名录文件")
st.write(f"支持 Excel（.xlsx、.xls）和 CSV（UTF-8 或 Excel 另存的 GB18030 编码），不超过 {importer.MAX_IMPORT_MB} MB。"
         "上传后先检查并预览，确认后才写入；已在名录库中的采矿许可证号会更新该矿山，不会重复添加。")
upload_key = f"upload_{st.session_state.get('upload_round', 0)}"
uploaded = st.file_uploader("选择名录文件", type=["xlsx", "xls", "csv"], key=upload_key)

if uploaded is not None:
    content = uploaded.getvalue()
    plan_key = (uploaded.name, len(content), hash(content))
    if st.session_state.get("import_plan_key") != plan_key:
        progress = st.progress(0.0, text="正在读取并检查文件…")
        try:
            plan = importer.plan_import(database, content, uploaded.name,
                                        progress=lambda share: progress.progress(share, text="正在检查…"))
        except importer.ImportFileError as exc:
            plan = None
            st.session_state["import_file_error"] = str(exc)
        else:
            st.session_state.pop("import_file_error", None)
        progress.empty()
        st.session_state["import_plan"] = plan
        st.session_state["import_plan_key"] = plan_key
    plan = st.session_state.get("import_plan")
    if plan is None:
        st.error(st.session_state.get("import_file_error", "无法读取该文件。"))
        st.caption("名录库没有任何改动。")
    else:
        st.caption(f"表头在第 {plan.header_row} 行；识别的列：{'、'.join(plan.columns.values())}"
                   + (f"；未使用的列：{'、'.join(plan.ignored_columns)}" if plan.ignored_columns else ""))
        cols = st.columns(5)
        cols[0].metric("新增矿山", len(plan.new))
        cols[1].metric("更新矿山", len(plan.changed))
        cols[2].metric("无变化", plan.unchanged)
        cols[3].metric("错误", len(plan.errors))
        cols[4].metric("提醒", len(plan.warnings))
        if plan.errors:
            st.error(f"发现 {len(plan.errors)} 处错误，本次不能导入，名录库没有任何改动。"
                     "请按“修改方法”改好文件后重新上传。")
        elif plan.warnings:
            st.warning(f"有 {len(plan.warnings)} 处提醒，不影响导入，建议核对。")
        if plan.problems:
            ui.show_problems(plan.problems_frame(), key="import_problems")
        if plan.changed:
            with st.expander(f"将要更新的内容（{len(plan.changed)} 座矿山）", expanded=not plan.new):
                st.dataframe(plan.changes_frame(), hide_index=True, width="stretch")
        if plan.ok and (plan.new or plan.changed):
            if st.button(f"确认导入（新增 {len(plan.new)} 座，更新 {len(plan.changed)} 座）", type="primary"):
                progress = st.progress(0.0, text="正在写入名录库…")
                try:
                    created, updated = importer.apply_import(
                        database, plan, ui.actor(), progress=lambda share: progress.progress(share, text="正在写入…"))
                except registry.RegistryError as exc:
                    progress.empty()
                    st.error(f"{exc} 名录库没有任何改动。")
                else:
                    ui.flash(f"导入完成：新增 {created} 座，更新 {updated} 座。")
                    for key in ("import_plan", "import_plan_key"):
                        st.session_state.pop(key, None)
                    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
                    st.rerun()
        elif plan.ok:
            st.info("文件中的矿山与名录库完全一致，无需导入。")

st.subheader("三、导出名录")
total = registry.count_mines(database)
if total == 0:
    st.info("名录库为空，暂无可导出的内容。")
else:
    st.write(f"导出全部 {total} 座矿山（含已移出），列名与导入模板一致，修改后可重新导入。")
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button("导出 Excel（.xlsx）", lambda: exports.register_xlsx(ui.all_mines(), f"{here.name}绿色矿山名录"),
                       file_name=ui.download_name(database, "绿色矿山名录", "xlsx", dated=True),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("导出 CSV", lambda: exports.register_csv(ui.all_mines()),
                       file_name=ui.download_name(database, "绿色矿山名录", "csv", dated=True), mime="text/csv")

log = importer.recent_imports(database)
if not log.empty:
    st.subheader("最近的导入")
    st.dataframe(log, hide_index=True, width="stretch")
