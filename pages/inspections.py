"""现场核查记录: the team's mines, and for each the record of 附件1 — saved as the inspectors type,
confirmed by every member, submitted and locked, amended only with a reason."""

from datetime import date

import streamlit as st

import ui
from ui import record_autosave
from ui.text import plain
from core import evidence, indicators, inspections, limits, pdf, record_pdf, reference_tables
from core.access import Denied
from core.exports import chinese_date, chinese_time
from core.inspections import FIELDS, InspectionError, RecordConflict, RecordLocked, area_key
from core.labels import AREAS, CONCLUSIONS, FINDINGS, NO, NONE_FOUND, RECTIFY, REMOVE, YES
from core.teams import LEADER

database = ui.db()

# The record's free-text fields (saved when the field loses focus or on Enter): their save state is shown.
TEXT_FIELDS = [area_key(index, part) for index in range(len(AREAS)) for part in ("problems", "checked")] + [
    "opinions", "main_problems", "rectify_measures", "removal_reason", "remarks"] + [
    f"{field}_note" for field, _ in inspections.LEGALITY]

st.title("现场核查记录")
st.caption("核查组对照附件1《国家级绿色矿山核查记录表》逐项填写；每项修改即时保存为草稿，换设备或刷新页面后内容仍在。"
           "全组成员确认、组长最后签字后提交，提交后记录锁定，只能附理由更正。")
ui.show_flash()

campaign = ui.drawn_campaign(database, "rec_campaign", "还没有完成抽取的核查任务。请先在“抽取核查矿山与核查组”页"
                                                       "抽取矿山和核查组，再来填写核查记录。")
mines = inspections.campaign_records(database, campaign)

# --- which mines: a team's, or all of them for the coordinator ---------------------------------

team_numbers = sorted(int(n) for n in mines["team_no"].dropna().unique())
own_teams = inspections.teams_of(database, campaign, ui.actor())
if not team_numbers:
    st.warning("本任务尚未抽取核查组。核查记录由核查组填写，请先抽取核查组。")
    if own_teams is None:
        ui.page_link("pages/sampling.py", label="去抽取核查组")
    st.stop()
if own_teams is not None and not own_teams:
    st.info(f"您（{plain(ui.actor().name)}）不在“{plain(campaign.title)}”的任何核查组中，没有要填写的核查记录。"
            "如分组有误，请联系组织者。")
    st.stop()
leaders = {m["team_no"]: m["name"] for m in inspections.team_leaders(database, campaign)}
scopes = [None, *team_numbers] if own_teams is None else own_teams
scope = st.selectbox("查看范围", scopes, key="rec_scope",
                     format_func=lambda n: "全部抽中矿山（组织者）" if n is None else f"第{n}组（组长 {leaders.get(n, '—')}）")
shown = mines if scope is None else mines[mines["team_no"] == scope]

counts = shown["progress"].value_counts()
columns = st.columns(len(inspections.PROGRESS) + 1)
columns[0].metric("矿山", len(shown))
for column, label in zip(columns[1:], inspections.PROGRESS):
    column.metric(label, int(counts.get(label, 0)))

# With a record open the list folds away: the form comes first, and each save's rerun skips the table.
listing = st.session_state.get("rec_mine") is None or st.toggle("显示矿山列表", key="rec_show_list")
if listing:
    st.dataframe(
        shown.assign(team=shown["team_no"].map(lambda n: f"第{int(n)}组" if n == n else "未分组"),
                     saved=shown["updated_at"].map(lambda s: chinese_time(s) if s else "")).rename(columns={
            "team": "核查组", "name": "矿山名称", "level": "入库级别", "city": "市（州）", "method": "开采方式",
            "category": "重点核查类别", "progress": "进度", "saved": "最后保存"})[
            ["核查组", "矿山名称", "入库级别", "市（州）", "开采方式", "重点核查类别", "进度", "最后保存"]],
        hide_index=True, width="stretch", height=min(320, 38 + 35 * len(shown)), key="rec_list")

# The label stays the same as the record moves on (the browser knows an option by its label: a label
# changed by the first save would drop the choice); the progress is in the table above.
labels = {int(row.id): f"{row.name}（{row.level}·{row.city}）" for row in shown.itertuples()}
mine_id = st.selectbox("选择矿山，填写或查看核查记录", list(labels), index=None, format_func=labels.get,
                       key="rec_mine", placeholder="请选择矿山")
if mine_id is None:
    st.info("从上面的列表中选择一座矿山，打开它的核查记录。第一次打开时自动建立草稿。")
    st.stop()

mine_row = mines[mines["id"] == mine_id].iloc[0]


# The record is a fragment: a field saved reruns the record alone, not the campaign's list of mines above it
# (with a thousand drawn mines that list made each save wait a second). What changes the list (a new
# draft, a submission) reruns the whole page through st.rerun().
@st.fragment
def record_form(campaign, mine_id: int, mine_row) -> None:
    database = ui.db()  # each run has a thread of its own, and its own connection
    record = inspections.open_record(database, campaign, mine_id, ui.actor())

    # --- autosave and conflicts -------------------------------------------------------------------

    state = st.session_state.setdefault(f"rec{record.id}", {"base": record.version, "gen": 0})
    conflict_key = f"rec{record.id}_conflict"
    if conflict_key not in st.session_state and record.version != state["base"]:
        # Someone else (or this user on another device) saved; nothing of ours is unsaved: show theirs.
        state.update(base=record.version, gen=state["gen"] + 1)
        st.toast(f"已载入{plain(record.updated_by)}最新保存的内容")


    def key(field: str) -> str:
        return f"r{record.id}g{state['gen']}_{field}"


    def save(patch: dict) -> None:
        """Save fields of the draft; a save over someone else's keeps both for the user to choose."""
        pending = st.session_state.get(conflict_key)
        if pending is not None:
            pending.mine.update(patch)
            return
        try:
            state["base"] = inspections.save_draft(database, record.id, patch, state["base"], ui.actor())
        except RecordConflict as conflict:
            st.session_state[conflict_key] = conflict
        except InspectionError as refused:  # locked meanwhile, or a date outside the campaign
            st.session_state["rec_error"] = str(refused)
            state["gen"] += 1  # the fields show again what is stored
        except Denied as refused:  # the session ended or the user left the team meanwhile: nothing written
            st.session_state["rec_error"] = str(refused)


    def autosave(field: str, convert=lambda v: v or "") -> None:
        patch = {field: convert(st.session_state[key(field)])}
        too_long = limits.too_long(inspections.FIELDS[field], patch[field], limits.TEXT)
        if too_long:  # refused by core too; said here so that the field keeps what was typed, to shorten it
            st.session_state["rec_error"] = too_long
            return
        if field == "conclusion" and patch[field] == RECTIFY and not record.content["rectify_deadline"]:
            patch["rectify_deadline"] = inspections.default_deadline(record.content, date.today()).isoformat()
        save(patch)


    def as_iso(value) -> str:
        return value.isoformat() if value else ""


    conflict = st.session_state.get(conflict_key)
    if conflict is not None:
        st.error(plain(conflict))
        st.dataframe(inspections.conflict_rows(conflict), hide_index=True, width="stretch", key="rec_conflict_rows")
        mine_wins, theirs_win, _ = st.columns([1, 1, 2])
        if mine_wins.button("保留我的修改", type="primary", key="rec_keep_mine"):
            latest = inspections.get(database, record.id)
            del st.session_state[conflict_key]
            state["base"] = inspections.save_draft(database, record.id, conflict.mine, latest.version, ui.actor())
            ui.flash("已保存您的修改（覆盖了对方对这些内容的修改）")
            st.rerun()
        if theirs_win.button("放弃我的修改，载入最新版本", key="rec_take_theirs"):
            del st.session_state[conflict_key]
            latest = inspections.get(database, record.id)
            state.update(base=latest.version, gen=state["gen"] + 1)
            st.rerun()
    if "rec_error" in st.session_state:
        st.error(plain(st.session_state.pop("rec_error")))

    locked = record.locked
    content = record.content
    st.subheader(plain(mine_row["name"]))
    status_line = (f"已提交（{plain(record.submitted_by)}，{chinese_time(record.submitted_at)}），记录已锁定" if locked
                   else "草稿 · 每项修改即时保存")
    st.caption(f"{status_line} · 第 {record.version} 版 · 最后保存：{plain(record.updated_by)}，"
               f"{chinese_time(record.updated_at)}")

    team = inspections.team_of(database, record)
    tabs = st.tabs(["基本信息", "六个方面核查情况", "评价指标（可选）", "结论与处理", "核查影像", "签字与提交", "版本与更正"],
                   key="rec_tabs", on_change="rerun")

    # --- 基本信息 ------------------------------------------------------------------------------------

    with tabs[0]:
        if tabs[0].open:  # only the open tab is drawn: a save reruns one tab, not seven
            mine = inspections.mine_facts(database, record)
            st.dataframe(mine, hide_index=True, width="stretch", key="rec_facts", height=38 + 35 * len(mine),
                         column_config={"项目": st.column_config.TextColumn(width="small")})
            st.caption("名录信息按采矿许可证填写，此处只读；如有变化请在“备注”中说明，并在名录库中更正。")
            first_day, last_day = inspections.inspection_window(database, campaign)
            d1, d2 = st.columns(2)
            d1.date_input("核查开始日期", date.fromisoformat(content["date_from"]) if content["date_from"] else None,
                          key=key("date_from"), on_change=autosave, args=("date_from", as_iso), disabled=locked,
                          format="YYYY-MM-DD")
            d2.date_input("核查结束日期", date.fromisoformat(content["date_to"]) if content["date_to"] else None,
                          key=key("date_to"), on_change=autosave, args=("date_to", as_iso), disabled=locked,
                          format="YYYY-MM-DD")
            st.caption(f"本任务的核查期：{chinese_date(first_day)}（抽取结果确认）至{chinese_date(last_day)}（完成时限）。")
            with st.container(border=True):
                st.markdown("**合法合规性**（逐项核实，选择“否”时写明情况）")
                for field, text in inspections.LEGALITY:
                    answer, note = st.columns([2, 3])
                    answer.radio(text, (YES, NO), horizontal=True, key=key(field),
                                 index=(YES, NO).index(content[field]) if content[field] in (YES, NO) else None,
                                 on_change=autosave, args=(field,), disabled=locked)
                    note.text_input(f"{text}：情况说明", content[f"{field}_note"], key=key(f"{field}_note"),
                                    on_change=autosave, args=(f"{field}_note",), disabled=locked,
                                    placeholder="例：采矿许可证有效期至2028年5月" if field == "legal_licence" else "")
            if team:
                st.markdown("**核查组**（随机抽取）")
                st.dataframe([{"角色": m["role"], "姓名": m["name"], "单位": m["unit"], "职称": m["title"],
                               "专业": m["specialty"]} for m in team], hide_index=True, width="stretch", key="rec_team")
            else:
                st.warning("该矿山尚未分配核查组，无法签字提交。")

    # --- 六个方面 ------------------------------------------------------------------------------------

    with tabs[1]:
        if tabs[1].open:
            st.caption("对照行业标准、评价指标等要求，如实填写存在的问题与不足；没有问题时请明确选择“未发现问题”。"
                       "写明核查方式：查阅了哪些资料、查看了哪些地点、询问了哪些人员。")
            for index, area in enumerate(AREAS):
                finding_field = area_key(index, "finding")
                with st.container(border=True):
                    st.markdown(f"**{index + 1}. {area}**")
                    finding = st.radio(f"{area}：核查结果", FINDINGS, horizontal=True, key=key(finding_field),
                                       index=FINDINGS.index(content[finding_field]) if content[finding_field] else None,
                                       on_change=autosave, args=(finding_field,), disabled=locked,
                                       label_visibility="collapsed")
                    if finding != NONE_FOUND:
                        st.text_area("存在的问题与不足", content[area_key(index, "problems")], key=key(area_key(index, "problems")),
                                     on_change=autosave, args=(area_key(index, "problems"),), disabled=locked, height=90,
                                     placeholder="例：排土场东侧约2亩边坡未复绿，裸露岩面有落石隐患")
                    st.text_input("核查方式（资料、地点、人员）", content[area_key(index, "checked")],
                                  key=key(area_key(index, "checked")), on_change=autosave, args=(area_key(index, "checked"),),
                                  disabled=locked, placeholder="例：查阅土地复垦方案；现场查看排土场；询问安全环保部负责人")

    # --- 评价指标 -----------------------------------------------------------------------------------

    with tabs[2]:
        if tabs[2].open:
            sets = reference_tables.indicator_sets(database)  # with the official items the province loaded
            codes = ["", *sets]
            chosen_code = st.selectbox("评价指标", codes, index=codes.index(content["indicator_set"])
                                       if content["indicator_set"] in codes else 0,
                                       format_func=lambda c: sets[c].name if c else "不使用评价指标（可选）",
                                       key=key("indicator_set"), on_change=autosave, args=("indicator_set",), disabled=locked)
            if chosen_code:
                chosen = sets[chosen_code]
                if indicators.confirmation_note(chosen):
                    st.info(plain(indicators.confirmation_note(chosen)))
                elif chosen.items_source:
                    st.caption(plain(chosen.items_source))
                checklist = content["checklist"]
                # No points column for a set without official points: nothing unconfirmed is shown as the ministry's.
                table = [{"类别": item.group if item.kind == indicators.INDICATOR else item.kind, "评价内容": item.text,
                          **({"分值": item.points} if chosen.has_points else {}),
                          "结论": checklist.get(item.id, {}).get("mark"),
                          "说明": checklist.get(item.id, {}).get("note", "")} for item in chosen.items]
                # Keyed by version: after a save the editor starts again from what is stored.
                edited = st.data_editor(table, key=f"r{record.id}v{record.version}_checklist",
                                        disabled=locked or ["类别", "评价内容", "分值"], hide_index=True, width="stretch",
                                        column_config={"结论": st.column_config.SelectboxColumn(options=list(indicators.MARKS)),
                                                       "评价内容": st.column_config.TextColumn(width="large"),
                                                       "分值": st.column_config.NumberColumn(format="%g")})
                marked = inspections.checklist_from_rows([item.id for item in chosen.items],
                                                         [(row["结论"], row["说明"]) for row in edited])
                stored = inspections.checklist_from_rows(list(checklist), [(e.get("mark"), e.get("note")) for e in checklist.values()])
                if not locked and marked != stored and conflict_key not in st.session_state:
                    save({"checklist": marked})
                    if conflict_key not in st.session_state:  # saved: show the editor again from what is stored
                        st.rerun()
                result = indicators.score(chosen, {k: v.get("mark", "") for k, v in checklist.items() if v.get("mark")})
                if result.vetoes or result.passed is False:
                    st.error(plain(indicators.summary_text(chosen, result)))
                else:
                    st.info(plain(indicators.summary_text(chosen, result)))
                if result.groups:
                    st.dataframe([{"一级指标": g.group, "得分": g.earned, "满分（不含不适用）": g.maximum,
                                   "得分率": "—" if g.share is None else f"{g.share:.1%}",
                                   "是否达标": {True: "达标", False: "未达标", None: "—"}[g.passed]} for g in result.groups],
                                 hide_index=True, width="stretch", key="rec_scores")

    # --- 结论与处理 ----------------------------------------------------------------------------------

    with tabs[3]:
        if tabs[3].open:
            st.text_area("意见建议", content["opinions"], key=key("opinions"), on_change=autosave, args=("opinions",),
                         disabled=locked, placeholder="对相关问题提出意见建议")
            st.text_area("存在的主要问题（简要，填入结果汇总表）", content["main_problems"], key=key("main_problems"),
                         on_change=autosave, args=("main_problems",), disabled=locked, height=80)
            c1, c2 = st.columns(2)
            c1.radio("核查结论：是否符合绿色矿山标准", (YES, NO), horizontal=True, key=key("compliant"),
                     index=(YES, NO).index(content["compliant"]) if content["compliant"] else None,
                     on_change=autosave, args=("compliant",), disabled=locked,
                     help="核查结束时由核查组商定，明确该矿山是否存在明显不符合绿色矿山标准的问题。")
            c2.radio("处理结论", CONCLUSIONS, horizontal=True, key=key("conclusion"),
                     index=CONCLUSIONS.index(content["conclusion"]) if content["conclusion"] else None,
                     on_change=autosave, args=("conclusion",), disabled=locked)
            if content["conclusion"] == RECTIFY:
                st.text_area("整改措施", content["rectify_measures"], key=key("rectify_measures"), on_change=autosave,
                             args=("rectify_measures",), disabled=locked, placeholder="逐条写明需要整改的问题和措施")
                st.date_input("整改期限（默认核查后6个月）",
                              date.fromisoformat(content["rectify_deadline"]) if content["rectify_deadline"] else None,
                              key=key("rectify_deadline"), on_change=autosave, args=("rectify_deadline", as_iso),
                              disabled=locked, format="YYYY-MM-DD")
            if content["conclusion"] == REMOVE:
                reasons = reference_tables.removal_reason_texts(database)
                other = "其他（自行填写）"
                current = content["removal_reason"]
                picked = st.selectbox("移出原因", [*reasons, other], key=key("removal_pick"), disabled=locked,
                                      index=reasons.index(current) if current in reasons else (len(reasons) if current else None),
                                      placeholder="请选择移出情形", on_change=lambda: save(
                                          {"removal_reason": "" if st.session_state[key("removal_pick")] == other
                                           else st.session_state[key("removal_pick")]}))
                if picked == other or (current and current not in reasons):
                    st.text_input("移出原因（自行填写）", current, key=key("removal_reason"), on_change=autosave,
                                  args=("removal_reason",), disabled=locked)
            st.text_area("备注", content["remarks"], key=key("remarks"), on_change=autosave, args=("remarks",),
                         disabled=locked, placeholder="如矿山名称、采矿权人等自入库以来发生的变化", height=70)

    # --- 核查影像 -----------------------------------------------------------------------------------

    with tabs[4]:
        if tabs[4].open:
            photos = inspections.evidence_of(database, record)
            missing = inspections.missing_photo_areas(database, record)
            st.markdown("**重点区域影像**（每个重点区域至少一张现场照片，缺少时不能提交）")
            st.markdown("　".join(f"✓ {plain(area)}（{sum(1 for p in photos if p['area'] == area)}）" if area not in missing
                                 else f"✗ {plain(area)}（缺）" for area in campaign.photo_areas))
            if missing:
                st.warning(f"还缺少以下重点区域的照片：{plain('、'.join(missing))}")
            if not locked:
                with st.form(f"r{record.id}_upload", clear_on_submit=True, border=True):
                    st.markdown("**上传照片或视频**")
                    u1, u2 = st.columns([1, 2])
                    area = u1.selectbox("所属区域或方面", inspections.photo_areas(campaign), key="rec_upload_area",
                                        index=inspections.photo_areas(campaign).index(missing[0]) if missing else 0)
                    caption = u2.text_input("说明", key="rec_upload_caption", placeholder="例：排土场东侧边坡，未复绿区域")
                    files = st.file_uploader(
                        "照片（jpg、png、heic）或短视频（mp4、mov）", accept_multiple_files=True, key="rec_upload_files",
                        type=[e.lstrip(".") for e in (*evidence.PHOTO_EXTENSIONS, *evidence.VIDEO_EXTENSIONS)],
                        help=f"照片不超过 {evidence.MAX_PHOTO_BYTES // 2**20} MB，视频不超过 {evidence.MAX_VIDEO_BYTES // 2**20} MB。"
                             "原始文件原样保存，请上传手机或相机拍摄的原图，以保留拍摄时间和位置。")
                    shot = st.camera_input("或用摄像头拍照", key="rec_camera") if st.session_state.get("rec_use_camera") else None
                    uploaded = st.form_submit_button("上传", type="primary")
                st.checkbox("使用摄像头拍照（浏览器允许时）", key="rec_use_camera")
                if uploaded:
                    incoming = [*(files or []), *([shot] if shot else [])]
                    if not incoming:
                        st.warning("请先选择要上传的文件")
                    added, refused = 0, []
                    progress = st.progress(0.0, text="正在保存影像…") if len(incoming) > 1 else None
                    for number, upload in enumerate(incoming, start=1):
                        try:
                            inspections.add_evidence(database, record.id, upload.getvalue(), upload.name, area, caption,
                                                     ui.actor())
                            added += 1
                        except (evidence.EvidenceError, InspectionError) as exc:
                            refused.append(str(exc))
                        if progress:
                            progress.progress(number / len(incoming), text=f"正在保存影像… {number}/{len(incoming)}")
                    for message in refused:
                        st.error(plain(message))
                    if added:
                        ui.flash(f"已上传 {added} 个影像文件")
                        if not refused:
                            st.rerun()
            if not photos:
                st.info("尚未上传核查影像。请按重点区域（" + plain("、".join(campaign.photo_areas)) + "）和重点设备上传现场照片，"
                        "照片应保留拍摄时间和GPS位置。")
            flagged = sum(1 for p in photos if p["warnings"])
            if flagged:
                st.warning(f"{flagged} 个影像有提示（不影响提交，供核对）：见各影像下方。")
            for area in dict.fromkeys([*inspections.photo_areas(campaign), *(p["area"] for p in photos)]):
                in_area = [p for p in photos if p["area"] == area]
                if not in_area:
                    continue
                st.markdown(f"**{plain(area)}**（{len(in_area)}）")
                cells = st.columns(3)
                for position, photo in enumerate(in_area):
                    with cells[position % 3].container(border=True):
                        thumb = inspections.thumbnail(photo)
                        if photo["kind"] == evidence.PHOTO and thumb.is_file():
                            st.image(str(thumb), width="stretch")
                        elif photo["kind"] == evidence.VIDEO:
                            st.video(str(inspections.original(photo)))
                        st.caption(ui.evidence_caption(photo))
                        for warning in photo["warnings"]:
                            st.warning(plain(warning))
                        if not locked and st.button("删除", key=f"rec_del_{photo['id']}"):
                            ui.write_then_rerun(lambda: inspections.remove_evidence(database, photo["id"], ui.actor()),
                                                f"已删除影像 {photo['filename']}", InspectionError)

    # --- 签字与提交 ---------------------------------------------------------------------------------

    with tabs[5]:
        if tabs[5].open:
            given = {s["inspector_id"]: s for s in inspections.signatures(database, record)}
            me = ui.actor()
            own = next((m for m in team if m["inspector_id"] == me.inspector_id), None)
            st.markdown("全组成员逐一登录本人账号确认记录内容，**组长最后签字**。确认之后记录又有修改的，需要重新确认。"
                        "现场共用一台设备时，可为其他成员“代签”，须写明原因，代签在记录、审计日志和PDF中注明。")
            if not locked and own is None:
                st.info("签字确认须由核查组成员本人登录后进行。")
            for member in team:
                signature = given.get(member["inspector_id"])
                line = st.columns([2, 3, 2])
                line[0].markdown(f"**{plain(member['name'])}**（{member['role']}）")
                if signature and signature["valid"]:
                    line[1].success(plain(inspections.proxy_note(signature)) or f"已确认 · {chinese_time(signature['signed_at'])}")
                    continue
                if signature:
                    line[1].warning("确认后记录有修改，需重新确认")
                if locked or own is None:
                    continue
                label = "组长签字" if member["role"] == LEADER else "确认"
                if member["inspector_id"] == own["inspector_id"]:
                    if line[2].button(f"本人{label}", key=f"rec_signbtn_{member['inspector_id']}", type="primary"):
                        ui.write_then_rerun(lambda: inspections.sign(database, record.id, member["inspector_id"], me),
                                            f"{member['name']}已确认核查记录", InspectionError)
                    continue
                with line[1].popover(f"为{plain(member['name'])}代签"):
                    reason = st.text_input("代签原因（必填）", key=f"rec_proxy_reason_{record.id}_{member['inspector_id']}",
                                           placeholder="例：现场共用一台平板，本人未带设备")
                    if st.button(f"代签（{label}）", key=f"rec_proxybtn_{member['inspector_id']}"):
                        ui.write_then_rerun(lambda: inspections.sign(database, record.id, member["inspector_id"], me,
                                                                     proxy_reason=reason),
                                            f"已为{member['name']}代签", InspectionError)
            if not locked:
                problems = inspections.submission_problems(database, record)
                for warning in inspections.consistency_warnings(record):
                    st.warning(plain(warning))
                if problems:
                    st.error("还不能提交：\n" + "\n".join(f"- {plain(p)}" for p in problems))
                if ui.confirmed("提交核查记录", key="rec_submit", disabled=bool(problems),
                                question="提交后记录锁定，之后只能附理由更正。确认提交吗？", confirm_label="确认提交"):
                    def submit() -> None:
                        inspections.submit(database, record.id, state["base"], ui.actor())
                        state["base"] = inspections.get(database, record.id).version

                    ui.write_then_rerun(submit, "核查记录已提交并锁定", InspectionError)
            try:
                font = ui.pdf_font(database)
            except pdf.FontMissing as missing:
                st.warning(plain(missing))
            else:
                who = ui.actor()
                left, right = st.columns(2)
                left.download_button("下载核查记录（PDF）", lambda: ui.record_pdf_bytes(record.id, font, who),
                                     file_name=record_pdf.filename(mine_row["name"], mine_row["level"]),
                                     mime="application/pdf", key="rec_pdf", on_click="ignore",
                                     help="电子版：签字栏为核查组成员的电子确认")
                ui.download_button(right, "下载打印签字版（PDF）",
                                   lambda db: record_pdf.record_pdf(db, inspections.get(db, record.id), font, printable=True),
                                   file_name=record_pdf.filename(mine_row["name"], mine_row["level"], printable=True),
                                   mime="application/pdf", key="rec_pdf_print",
                                   export=("核查记录 PDF（打印签字版）", record.licence_no))
                st.caption("打印签字版的签字栏留空，供打印后手写签字、扫描报送；电子确认情况另页附后。")

    # --- 版本与更正 ---------------------------------------------------------------------------------

    with tabs[6]:
        if tabs[6].open:
            history = inspections.versions(database, record.id)
            if history.empty:
                st.info("记录提交后，提交的版本和此后的每次更正（时间、操作人、理由、修改内容）都保存在这里。")
            else:
                st.dataframe(history, hide_index=True, width="stretch", key="rec_versions",
                             column_config={"修改内容": st.column_config.TextColumn(width="large")})
            if locked:
                st.markdown("**更正已提交的记录**（原版本保留，更正须写明理由）")
                amendable = [k for k in FIELDS if k not in ("checklist", "indicator_set")]
                field = st.selectbox("更正内容", amendable, format_func=FIELDS.get, key="rec_amend_field")
                old = content[field]
                if field.endswith("_finding"):
                    new = st.radio("更正为", FINDINGS, horizontal=True, key=f"rec_amend_value_{field}",
                                   index=FINDINGS.index(old) if old in FINDINGS else None)
                elif field == "compliant" or field in dict(inspections.LEGALITY):
                    new = st.radio("更正为", (YES, NO), horizontal=True, key=f"rec_amend_value_{field}",
                                   index=(YES, NO).index(old) if old in (YES, NO) else None)
                elif field == "conclusion":
                    new = st.radio("更正为", CONCLUSIONS, horizontal=True, key=f"rec_amend_value_{field}",
                                   index=CONCLUSIONS.index(old) if old in CONCLUSIONS else None)
                elif field in ("date_from", "date_to", "rectify_deadline"):
                    new = as_iso(st.date_input("更正为", date.fromisoformat(old) if old else None,
                                               key=f"rec_amend_value_{field}", format="YYYY-MM-DD"))
                else:
                    new = st.text_area("更正为", old, key=f"rec_amend_value_{field}")
                reason = st.text_input("更正理由", key="rec_amend_reason", placeholder="例：企业提供了名称变更的证明材料")
                if st.button("保存更正", key="rec_amend", type="primary"):
                    def amend() -> None:
                        state["base"] = inspections.amend(database, record.id, {field: new or ""}, reason, record.version,
                                                          ui.actor())

                    ui.write_then_rerun(amend, f"已更正：{FIELDS[field]}", InspectionError)

    st.caption(f"记录内容哈希（SHA-256）：{inspections.content_hash(database, record)}")
    # What the server holds of each text field: the browser shows 已保存 where the field shows the same.
    record_autosave.report(record.id, {key(field): (field, content[field]) for field in TEXT_FIELDS}, locked)


record_autosave.install()
record_form(campaign, mine_id, mine_row)
