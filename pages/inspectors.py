"""核查人员名录: the inspector register (执法检查人员名录库) the teams are drawn from."""

import streamlit as st

import ui
from core import importer, inspectors, regions
from ui.text import plain

database = ui.db()
here = ui.province(database)

st.title("核查人员名录")
st.caption("“双随机”中的随机抽取核查人员从本名录中进行。核查组由熟悉绿色矿山标准政策的管理人员、业务支撑人员及专家等组成；"
           "组长应具备高级技术职称或处级及以上行政职级。")
ui.show_flash()

people = inspectors.list_inspectors(database)
cols = st.columns(3)
cols[0].metric("核查人员", f"{len(people)} 名")
cols[1].metric("可任组长", sum(inspectors.is_leader_qualified(p) for p in people))
cols[2].metric("可参加抽取", sum(p["active"] for p in people))
if people:
    st.dataframe(inspectors.frame(database), hide_index=True, width="stretch")
else:
    st.info("名录中还没有核查人员。请下载模板填写后导入，或在下方逐个添加。")

st.subheader("导入核查人员")
st.download_button("下载核查人员导入模板（.xlsx）", inspectors.template(),
                   file_name=ui.download_name(database, "核查人员名录导入模板", "xlsx"))
upload = st.file_uploader("选择核查人员名录文件", type=["xlsx", "xls", "csv"], key="inspector_upload",
                          max_upload_size=importer.MAX_IMPORT_MB)
if upload is not None:
    try:
        plan = inspectors.plan_import(database, upload.getvalue(), upload.name)
    except importer.ImportFileError as exc:
        st.error(f"{plain(exc)} 名录没有任何改动。")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric("新增", plan.new)
        c2.metric("更新", plan.updated)
        c3.metric("问题", len(plan.problems))
        if plan.problems:
            ui.show_problems(plan.problems_frame(), key="inspector_problems")
        if plan.skipped:
            st.info(f"表格中有 {len(plan.skipped)} 行不是人员（表尾签字栏、注释或合计行），已跳过，不会导入。")
            st.dataframe(importer.skipped_frame(plan.skipped), hide_index=True, width="stretch")
        if not plan.ok:
            st.error("文件有错误，本次不能导入，名录没有任何改动。请按“修改方法”改好后重新上传。")
        elif st.button(f"确认导入（新增 {plan.new} 名，更新 {plan.updated} 名）", type="primary"):
            created, updated = inspectors.apply_import(database, plan, ui.actor())
            ui.flash(f"导入完成：新增 {created} 名，更新 {updated} 名。")
            st.rerun()

st.subheader("添加或修改核查人员")
by_id = {p["id"]: p for p in people}
chosen = st.selectbox("选择人员", [None, *by_id], format_func=lambda i: "（新增人员）" if i is None else
                      f"{by_id[i]['name']}（{by_id[i]['unit']}）", key="inspector_pick")
current = by_id.get(chosen, {})
k = f"insp_{chosen}_{current.get('version', 0)}"
c1, c2, c3 = st.columns([1, 2, 1])
raw = {"name": c1.text_input("姓名", current.get("name", ""), key=f"{k}_name"),
       "unit": c2.text_input("工作单位", current.get("unit", ""), key=f"{k}_unit")}
person_types = ("", *inspectors.kinds())
raw["kind"] = c3.selectbox("人员类型", person_types, person_types.index(current["kind"])
                           if current.get("kind") in person_types else 0, key=f"{k}_kind",
                           format_func=lambda kind: kind or "（未填）",
                           help="通知要求：选择熟悉绿色矿山标准政策的管理人员、业务支撑人员及专家等，组成核查组")
c1, c2, c3, c4 = st.columns(4)
raw["title"] = c1.selectbox("职称", inspectors.TITLES, inspectors.TITLES.index(current.get("title", "中级")), key=f"{k}_title")
raw["rank"] = c2.selectbox("职级", inspectors.RANKS, inspectors.RANKS.index(current.get("rank", "无")), key=f"{k}_rank")
specialties = inspectors.SPECIALTIES
raw["specialty"] = c3.selectbox("专业", specialties, specialties.index(current["specialty"])
                                if current.get("specialty") in specialties else 0, key=f"{k}_spec")
cities = [""] + [r.name for r in regions.prefectures(here.code)]
raw["prefecture"] = c4.selectbox("所在市（州）", cities, cities.index(current["prefecture"])
                                 if current.get("prefecture") in cities else 0, key=f"{k}_city",
                                 format_func=lambda n: n or "（省直单位）")
raw["conflicts"] = st.text_input("回避单位或矿山（多个用“；”分隔）", current.get("conflicts", ""), key=f"{k}_conf")
raw["active"] = "是" if st.checkbox("可参加抽取", bool(current.get("active", 1)), key=f"{k}_active") else "否"
if st.button("保存人员信息", type="primary", key=f"{k}_save"):
    values, problems = inspectors.validate(raw, here)
    errors = [p for p in problems if p.is_error]
    if errors:
        st.error(plain("；".join(f"{p.column}：{p.message}" for p in errors)))
    else:
        try:
            inspectors.save(database, values, chosen, current.get("version"), actor=ui.actor())
        except ValueError as exc:
            st.error(plain(exc))
        else:
            ui.flash(f"已保存 {values['name']} 的信息。")
            st.rerun()
