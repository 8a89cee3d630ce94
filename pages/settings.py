"""设置: the province, documents, base map, the data directory and its backups, demo data, reference tables."""

import streamlit as st

import ui
from ui import auth, reference_tables
from core import (backup, basemap, campaigns, config, db as dbmod, demo, inspections, pdf, reference, regions,
                  registry, settings)
from core.exports import chinese_time
from ui.text import code, plain

database = ui.db()
here = ui.province(database)

st.title("设置")
ui.show_flash()

st.subheader("本省")
st.write("省份用于检查矿山坐标、列出地市和县，并写在每一份报表和报告的标题中。")
provinces = {r.code: r.name for r in regions.provinces()}
chosen = st.selectbox("省（区、市）", list(provinces), index=list(provinces).index(here.code),
                      format_func=lambda code: f"{provinces[code]}（{code}）")
if chosen != here.code:
    others = registry.count_mines(database)
    if others:
        st.warning(f"名录库中已有 {others} 座{here.name}的矿山。更改省份后，编辑这些矿山时会提示“不属于本省”。")
    if st.button(f"保存为{provinces[chosen]}", type="primary"):
        settings.set_province(database, chosen, ui.actor())
        ui.flash(f"本省已设为{provinces[chosen]}。")
        st.rerun()

st.subheader("抽查与文档")
c1, c2, c3, c4 = st.columns([1, 1, 1, 3])
floor = c1.number_input("抽查比例下限（%）", 1, 100, int(round(campaigns.ratio_floor(database) * 100)),
                        help="核查任务的抽查比例不能低于此值。2023 年通知要求 20%，2024 年规定为不低于 10%。")
distance = c2.number_input("照片距矿山提示距离（公里）", 0.1, 100.0, inspections.max_photo_distance_km(database), 0.5,
                           help="核查影像的GPS位置距矿山坐标超过此距离时，在记录上提示（不影响提交）。")
minutes = c3.number_input("登录超时（分钟）", 5, 480, auth.session_minutes(database), 5,
                          help="超过此时间未操作，须重新登录。")
font_help = "服务器上中文字体文件的完整路径；字体集（.ttc）可在路径后写 #序号。留空则自动查找。"
f1, f2 = c4.columns(2)
font_setting = f1.text_input("PDF 正文字体文件（可选，宋体/仿宋类）", settings.get(database, "pdf_font") or "",
                             placeholder="留空则自动查找",
                             help=font_help + "如 Windows 服务器的仿宋 C:\\Windows\\Fonts\\simfang.ttf。")
heading_font_setting = f2.text_input("PDF 标题字体文件（可选，黑体类）", settings.get(database, "pdf_heading_font") or "",
                                     placeholder="留空则自动查找",
                                     help=font_help + "如 Windows 服务器的黑体 C:\\Windows\\Fonts\\simhei.ttf。")
unit_setting = st.text_input("报告单位（本省自然资源主管部门全称）", settings.get(database, "reporting_unit") or "",
                             placeholder=f"如 {here.name}自然资源厅",
                             help="核查报告的作者和落款、移出建议报送函的报送单位默认用此名称；各任务的报告中仍可修改。")
try:
    found_fonts = pdf.find_fonts(font_setting or None, heading_font_setting or None)
    st.caption("PDF 中文字体：已找到" + ("" if found_fonts.body != found_fonts.heading else
                                      "（未找到宋体/仿宋类字体，正文也用标题字体；Linux 服务器可安装 fonts-noto-cjk）")
               + "。字体文件的位置见本页末尾的“技术信息”。")
except pdf.FontMissing as exc:
    found_fonts = None
    st.warning(plain(exc))
if st.button("保存抽查与文档设置"):
    settings.put(database, "sampling_ratio_floor", floor / 100, ui.actor())
    settings.put(database, "pdf_font", font_setting.strip(), ui.actor())
    settings.put(database, "pdf_heading_font", heading_font_setting.strip(), ui.actor())
    settings.put(database, "evidence_max_distance_km", float(distance), ui.actor())
    settings.put(database, "session_minutes", int(minutes), ui.actor())
    settings.put(database, "reporting_unit", unit_setting.strip(), ui.actor())
    ui.flash("已保存抽查与文档设置。")
    st.rerun()

st.subheader("地图底图")
st.write("内网环境下地图不访问互联网。默认不加载底图，只标出各市（州）驻地；如单位内网有瓦片服务（如政务网天地图），"
         "或有本地瓦片文件，可在此启用。")
current_base = basemap.load(database)
kind = st.radio("底图", list(basemap.KINDS), format_func=basemap.KINDS.get, horizontal=True,
                index=list(basemap.KINDS).index(current_base.kind))
chosen_base = basemap.Basemap(kind=kind, max_zoom=current_base.max_zoom)
if kind == "tiles":
    chosen_base.url = st.text_input("瓦片地址模板", current_base.url,
                                    help="含 {z}、{x}、{y}（可含 {s}）的内网瓦片服务地址；天地图的密钥（tk）写在地址中。")
    chosen_base.label_url = st.text_input("注记图层地址模板（可选）", current_base.label_url)
    c1, c2, c3 = st.columns(3)
    chosen_base.subdomains = c1.text_input("子域名（{s} 的取值，可选）", current_base.subdomains, placeholder="如 01234567")
    chosen_base.attribution = c2.text_input("底图来源说明", current_base.attribution, placeholder="如 天地图·湖北")
    chosen_base.max_zoom = int(c3.number_input("最大缩放级别", 1, 22, current_base.max_zoom))
elif kind == "local":
    st.write("请信息技术人员把按“级别/列/行”组织的瓦片文件复制到服务器数据目录的瓦片文件夹（位置见本页末尾的“技术信息”），"
             "再点击“发布本地瓦片”。")
    c1, c2 = st.columns(2)
    suffixes = ("png", "jpg", "jpeg", "webp")
    chosen_base.suffix = c1.selectbox("瓦片格式", suffixes, index=suffixes.index(current_base.suffix))
    chosen_base.attribution = c2.text_input("底图来源说明", current_base.attribution or "本地瓦片")
    if st.button("发布本地瓦片"):
        with st.spinner("正在发布本地瓦片…"):
            count = basemap.publish_local_tiles(database, ui.actor())
        (st.success if count else st.warning)(f"已发布 {count} 张瓦片。" if count else "瓦片文件夹中没有找到瓦片文件。")
if st.button("保存底图设置", type="primary"):
    try:
        basemap.save(database, chosen_base, ui.actor())
    except basemap.BasemapError as exc:
        st.error(plain(exc))
    else:
        ui.flash("底图设置已保存。")
        st.rerun()

st.markdown("**行政区边界**（可选）：上传本省审定的行政区边界 GeoJSON（经纬度坐标），在地图上显示省界和市界。本系统不附带任何边界数据。")
if basemap.load_boundary() is not None:
    st.caption("已上传行政区边界，地图上显示省界和市界。")
    if ui.confirmed("删除边界", "remove_boundary", "确认删除已上传的行政区边界？", confirm_label="确认删除"):
        basemap.remove_boundary(database, ui.actor())
        ui.flash("已删除行政区边界。")
        st.rerun()
st.caption("如需在无底图时显示本省轮廓，请从本省审定的标准地图（带审图号）导出省界，在 GIS 软件中另存为 GeoJSON"
           "（WGS-84/CGCS2000 经纬度坐标，UTF-8 编码，面或线要素，建议简化到 5 万个顶点以内），在此上传并点“保存边界”。"
           "上传后地图打开时按省界范围显示并绘出省界。")
boundary_file = st.file_uploader("上传边界文件", type=["geojson", "json"], key="boundary_upload",
                                 max_upload_size=basemap.MAX_BOUNDARY_MB)
if boundary_file is not None and st.button("保存边界"):
    try:
        warnings = basemap.save_boundary(database, boundary_file.getvalue(), ui.actor())
    except basemap.BasemapError as exc:
        st.error(plain(exc))
    else:
        ui.flash("已保存行政区边界。" + "".join(warnings))
        st.rerun()

st.subheader("数据备份与检查")
st.caption("备份包含数据库（在线备份，程序运行时也是同一时刻的完整数据）、全部核查影像和上传的边界，保存在服务器的数据目录中。"
           "请定期请信息技术人员把备份文件复制到另一台机器或介质上。")
b1, b2, _ = st.columns([1, 1, 2])
if b1.button("立即备份", type="primary", key="backup_now"):
    progress = st.progress(0.0, text="正在备份…")
    made = ui.make_backup(lambda share, text: progress.progress(share, text=plain(text)))
    st.success(f"备份完成：{plain(made['path'].name)}（{made['path'].stat().st_size / 2**20:.1f} MB；矿山 {made['counts'].get('mines', 0)} 座、"
               f"核查记录 {made['counts'].get('records', 0)} 份、影像 {made['counts'].get('evidence_rows', 0)} 个）")
    for warning in made["warnings"]:
        st.warning(plain(warning))
if b2.button("检查当前数据", key="check_data"):
    with st.spinner("正在检查数据库、核查影像原件和审计日志…"):
        report = backup.check_data(config.db_path(), config.data_dir())
    for error in report.errors:
        st.error(plain(error))
    for note in report.notes:
        st.info(plain(note))
    if report.ok:
        st.success("数据完好：" + "、".join(report.checks) + "均通过检查。")
found = backup.list_backups(config.data_dir())
if found:
    st.dataframe([{"备份文件": item["path"].name, "备份时间": chinese_time(item.get("created_at", "")),
                   "矿山": item.get("counts", {}).get("mines"), "核查记录": item.get("counts", {}).get("records"),
                   "影像": item.get("counts", {}).get("evidence_rows"), "大小（MB）": round(item["size"] / 2**20, 1),
                   "说明": item.get("error", "")} for item in found], hide_index=True, width="stretch", key="backup_list")
    chosen = st.selectbox("检查备份文件", [item["path"] for item in found], format_func=lambda p: p.name,
                          key="backup_chosen")
    if st.button("检查所选备份", key="backup_check"):
        with st.spinner("正在逐个文件核对…"):
            problems = backup.check_backup(chosen)
        if problems:
            st.error("该备份有问题，不能用于恢复：\n" + "\n".join(f"- {plain(p)}" for p in problems))
        else:
            st.success(f"备份完好：{plain(chosen.name)}")
else:
    st.info("还没有备份。点“立即备份”；信息技术人员也可以在服务器上设置每天自动备份（见“技术信息”）。")
st.caption("恢复备份须先停止程序，由信息技术人员在服务器上执行（见“技术信息”）：恢复前会逐个文件检查备份，当前数据先另存一份，可以撤销。")

if demo.only_demo_data(database):
    st.subheader("演示数据")
    st.write(f"用于演示和培训：清空名录库、核查任务和核查记录，写入 {demo.DEFAULT_MINES} 座虚构的"
             f"{regions.region_by_code(demo.DEFAULT_PROVINCE).name}绿色矿山（名称均含“示例”字样）和 45 名虚构的核查人员。"
             "名录库中有非演示数据（如导入了本省名录）时，本节不再显示。")
    st.checkbox("同时建立进行中的演示核查任务（已抽取矿山和核查组，约一半核查记录已提交）", value=True,
                key="reset_demo_campaign")
    typed = st.text_input(f"请输入本省名称“{here.name}”以确认", key="reset_demo_province",
                          placeholder=here.name)
    if ui.confirmed("重置为演示数据", "reset_demo",
                    f"确认清空名录库中的全部 {registry.count_mines(database)} 座矿山及其修改记录、全部核查任务和抽取记录，"
                    "并写入演示数据？此操作不能撤销。",
                    confirm_label="确认重置", disabled=typed.strip() != here.name):
        progress = st.progress(0.0, text="正在写入演示数据…")
        count = demo.load_demo(database, progress=lambda share: progress.progress(share * 0.5, text="正在写入演示数据…"),
                               actor=ui.actor())
        if st.session_state.get("reset_demo_campaign"):
            demo.demo_campaign(database, progress=lambda share: progress.progress(0.5 + share / 2,
                                                                                  text="正在生成演示核查任务和核查记录…"))
        ui.flash(f"已载入 {count} 座演示矿山" + ("，并建立了进行中的演示核查任务。" if st.session_state.get("reset_demo_campaign") else "。"))
        st.rerun()

st.subheader("参考数据")
st.write("以下对照表保存在项目的 `data/` 目录中（CSV 文件，可用 Excel 或文本编辑器修改，修改后重启生效）。")
with st.expander("开采矿种 → 适用行业标准（data/mineral_standards.csv）"):
    st.dataframe([{"开采矿种": m.name, "适用行业标准": m.standard, "规模分类类别": m.scale_category}
                  for m in {m.name: m for m in reference.minerals().values()}.values()],
                 hide_index=True, width="stretch")
with st.expander("生产规模分类（data/scale_classes.csv）"):
    st.dataframe([{"类别": r.category, "开采方式": r.method or "不限", "单位": r.unit, "大型不低于": r.large_min,
                   "中型不低于": r.medium_min} for r in reference.scale_rules()], hide_index=True, width="stretch")
reference_tables.section(database)

with st.expander("技术信息（供信息技术人员）"):
    db_file = config.db_path()
    st.markdown(
        f"- 数据目录（数据库、照片、生成的文件）：{code(config.data_dir())}（由{config.data_dir_source()}决定）；"
        f"更换时在启动前设置环境变量 `{config.ENV_DATA_DIR}`，或在项目目录的 `{config.SETTINGS_FILE.name}` 中写 "
        "`data_dir = \"路径\"`。\n"
        f"- 数据库文件 {code(db_file.name)}：{db_file.stat().st_size / 1024 / 1024:.1f} MB，结构版本 {dbmod.schema_version(database)}。\n"
        + "".join(f"- PDF {role}字体文件：{code(face.path)}" + (f"（第 {face.index} 号字体）" if face.index else "") + "\n"
                  for role, face in (("正文", found_fonts.body), ("标题", found_fonts.heading)) if found_fonts)
        + f"- 本地瓦片文件夹：{code(basemap.tiles_source())}（按 `{{z}}/{{x}}/{{y}}.png` 组织）。\n"
        + (f"- 行政区边界文件：{code(basemap.boundary_path())}。\n" if basemap.load_boundary() is not None else "")
        + f"- 备份文件夹：{code(config.data_dir() / 'backups')}。\n"
        "- 备份、检查、恢复的命令（在项目目录执行；恢复前须先停止程序）：\n"
    )
    st.code(".venv/bin/python -m core.backup create            # 备份（可用定时任务每天执行）\n"
            ".venv/bin/python -m core.backup check 备份文件      # 检查备份\n"
            ".venv/bin/python -m core.backup restore 备份文件    # 恢复\n"
            ".venv/bin/python -m core.backup verify            # 检查当前数据\n"
            ".venv/bin/python -m core.demo --reset --campaign  # 重置为演示数据", language="bash")
