"""名录导入与导出: the import template, importing a register file with a preview, and exporting the register."""

import streamlit as st

import ui
from core import exports, importer, registry
from core.labels import FIELD_BY_KEY
from ui.text import plain

database = ui.db()
here = ui.province(database)

st.title("名录导入与导出")
ui.show_flash()

st.subheader("一、下载导入模板")
st.write("模板含表头、下拉选项和填表说明。已有名录表也可直接上传，系统会识别常见的列名写法。")
ui.download_button(st, "下载导入模板（.xlsx）", lambda _: exports.import_template(here),
                   file_name=ui.download_name(database, "绿色矿山名录导入模板", "xlsx"), mime=exports.XLSX_MIME,
                   key="import_template")

st.subheader("二、上传名录文件")
st.write(f"支持 Excel（.xlsx、.xls）和 CSV（UTF-8 或 Excel 另存的 GB18030 编码），不超过 {importer.MAX_IMPORT_MB} MB。"
         "上传后先检查并预览，确认后才写入；已在名录库中的采矿许可证号会更新该矿山，不会重复添加。")
upload_key = f"upload_{st.session_state.get('upload_round', 0)}"
uploaded = st.file_uploader("选择名录文件", type=["xlsx", "xls", "csv"], key=upload_key,
                            max_upload_size=importer.MAX_IMPORT_MB)

if uploaded is not None:
    content = uploaded.getvalue()
    file_key = (uploaded.name, len(content), hash(content))
    # Headings the user said hold a missing field, for this file only (a new file starts without any).
    if st.session_state.get("import_overrides_file") != file_key:
        st.session_state["import_overrides_file"] = file_key
        st.session_state["import_overrides"] = {}
    overrides = st.session_state["import_overrides"]
    plan_key = (*file_key, tuple(sorted(overrides.items())))
    if st.session_state.get("import_plan_key") != plan_key:
        progress = st.progress(0.0, text="正在读取并检查文件…")
        try:
            plan = importer.plan_import(database, content, uploaded.name,
                                        progress=lambda share: progress.progress(share, text="正在检查…"),
                                        column_overrides=overrides)
        except importer.ImportFileError as exc:
            plan = None
            st.session_state["import_file_error"] = exc
        else:
            st.session_state.pop("import_file_error", None)
        progress.empty()
        st.session_state["import_plan"] = plan
        st.session_state["import_plan_key"] = plan_key
    plan = st.session_state.get("import_plan")
    if plan is None:
        problem = st.session_state.get("import_file_error")
        st.error(plain(problem) if problem else "无法读取该文件。")
        if isinstance(problem, importer.MissingColumnsError) and problem.unused:
            with st.form("column_mapping"):
                st.write("如果文件中有这些列，只是列名写法不同，请指出是哪一列，本次导入即按此读取（不修改文件）：")
                chosen = {}
                for key in problem.missing:
                    suggestion = problem.suggestions.get(key)
                    chosen[key] = st.selectbox(
                        f"“{FIELD_BY_KEY[key].label}”在文件中是哪一列？", problem.unused,
                        index=problem.unused.index(suggestion) if suggestion in problem.unused else None,
                        placeholder="请选择文件中的列", key=f"map_{key}_{hash(file_key)}")
                if st.form_submit_button("按所选的列重新检查", type="primary"):
                    picked = [h for h in chosen.values() if h]
                    if len(picked) != len(set(picked)):
                        st.error("同一列不能同时作为两个字段，请重新选择。")
                    elif not picked:
                        st.error("请至少为一个缺少的列选择文件中的对应列。")
                    else:
                        st.session_state["import_overrides"] = {**overrides, **{k: h for k, h in chosen.items() if h}}
                        st.rerun()
        st.caption("名录库没有任何改动。")
    else:
        st.caption(plain(f"表头在{plan.header_rows}；识别的列：{'、'.join(plan.columns.values())}"
                         + (f"；未使用的列：{'、'.join(plan.ignored_columns)}" if plan.ignored_columns else "")))
        if overrides:
            st.caption("本次导入按您的指定读取：" + "、".join(
                f"“{plain(heading)}”作为“{FIELD_BY_KEY[key].label}”" for key, heading in overrides.items()))
            if st.button("撤销指定的列"):
                st.session_state["import_overrides"] = {}
                st.rerun()
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
        if plan.skipped:
            st.info(f"表格中有 {len(plan.skipped)} 行不是矿山（表尾签字栏、注释或合计行），已跳过，不会导入。"
                    "如其中有矿山，请补填采矿许可证号后重新上传。")
            st.dataframe(plan.skipped_frame(), hide_index=True, width="stretch",
                         column_config={"行号": st.column_config.Column(width=56)})
        if plan.new or plan.changed:
            st.markdown(f"**将要导入的矿山**（新增 {len(plan.new)} 座，更新 {len(plan.changed)} 座）")
            normalised = plan.normalised_cells()
            if normalised:
                st.caption(f"有 {len(normalised)} 个单元格按规范写法导入（如露采 → 露天开采、度分秒 → 十进制度、"
                           "全角数字 → 半角数字），请核对：")
                st.dataframe(plan.normalised_frame(), hide_index=True, width="stretch",
                             column_config={"行号": st.column_config.Column(width=56)})
            st.caption("全部将要写入的矿山（按规范写法改动的单元格写作“文件中的写法 → 导入后的值”）：")
            st.dataframe(plan.preview_frame(), hide_index=True, width="stretch",
                         column_config={"行号": st.column_config.Column(pinned=True),
                                        "矿山名称": st.column_config.Column(pinned=True)})
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
                    st.error(f"{plain(exc)} 名录库没有任何改动。")
                else:
                    ui.flash(f"导入完成：新增 {created} 座，更新 {updated} 座。")
                    for key in ("import_plan", "import_plan_key", "import_overrides", "import_overrides_file"):
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
    ui.download_button(c1, "导出 Excel（.xlsx）",
                       lambda db: exports.register_xlsx(ui.all_mines(db), f"{here.name}绿色矿山名录"),
                       file_name=ui.download_name(database, "绿色矿山名录", "xlsx", dated=True), mime=exports.XLSX_MIME,
                       key="register_xlsx", export=("绿色矿山名录 Excel", f"{total} 座"))
    ui.download_button(c2, "导出 CSV", lambda db: exports.register_csv(ui.all_mines(db)),
                       file_name=ui.download_name(database, "绿色矿山名录", "csv", dated=True), mime="text/csv",
                       key="register_csv", export=("绿色矿山名录 CSV", f"{total} 座"))

log = importer.recent_imports(database)
if not log.empty:
    st.subheader("最近的导入")
    st.dataframe(log, hide_index=True, width="stretch")
