"""整改与移出: the rectification cases opened by 整改 records, their re-checks, and the removals from the list
(provincial mines approved here; national mines proposed to the ministry, removed on its decision)."""

from datetime import date

import streamlit as st

import ui
from core import campaigns, evidence, exports, followup, pdf, registry, removal_proposal
from core.exports import chinese_date, chinese_time
from core.followup import FollowUpError, Upload
from core.labels import STATUS_REMOVED
from core.registry import RegistryError
from ui.text import plain

database = ui.db()
today = date.today()

st.title("整改与移出")
st.caption("督促存在问题的矿山加强整改，对不符合标准要求的及时移出名录。核查结论为“整改”的记录提交后自动建立整改案件，"
           "每个问题一项，可逐项销号；整改期限已过仍未通过复核的显示为逾期。核查结论为“移出”、复核未通过或逾期的矿山进入移出程序："
           "省级、市级、县级矿山经审核后在名录中标记移出；国家级矿山由省里提出移出建议，记录自然资源部的决定后才更新名录。"
           "未结案的整改在下一年度冻结名录时自动标记“回头看整改要求”，优先抽查。")
ui.show_flash()

frame = followup.cases(database, today)
counts = followup.attention(database, today, frame)
c1, c2, c3, c4 = st.columns(4)
c1.metric("整改中", counts["open"])
c2.metric(f"{followup.DUE_SOON_DAYS} 天内到期", counts["due_soon"])
c3.metric("逾期", counts["overdue"])
c4.metric("待处理的移出", counts["removals"])

view = st.radio("查看", ("整改跟踪", "移出", "已移出矿山"), horizontal=True, key="fu_view", label_visibility="collapsed")


def refused(write, message: str) -> None:
    ui.write_then_rerun(write, message, FollowUpError, RegistryError)


# --- rectification ---------------------------------------------------------------------------

def rectification() -> None:
    if frame.empty:
        st.info("还没有整改案件。核查结论为“整改”的核查记录提交后，会在这里自动建立整改案件。")
        ui.page_link("pages/inspections.py", label="去现场核查记录")
        return
    shown_choices = [followup.OVERDUE, followup.DUE_SOON, followup.OPEN, followup.MATERIALS, followup.FAILED,
                     followup.PASSED]
    chosen = st.multiselect("状态", shown_choices, default=shown_choices[:4], key="fu_status", placeholder="全部状态")
    listed = frame[frame["shown"].isin(chosen)] if chosen else frame
    st.dataframe(listed.assign(
        期限=listed["deadline"].map(lambda d: chinese_date(date.fromisoformat(d)) if d else "—"),
        剩余天数=listed["days_left"], 事项=listed["done"].astype(str) + "/" + listed["items"].astype(str)).rename(columns={
            "name": "矿山名称", "level": "入库级别", "city": "市（州）", "year": "核查年度", "shown": "状态",
            "contact": "责任人"})[["矿山名称", "入库级别", "市（州）", "核查年度", "期限", "剩余天数", "状态", "事项", "责任人"]],
        hide_index=True, width="stretch", height=min(360, 38 + 35 * len(listed)), key="fu_cases",
        column_config={"事项": st.column_config.TextColumn(help="已完成/全部整改事项")})
    # Labels that do not change with the case's status: the browser knows the chosen option by its label.
    labels = {int(r.id): f"{r.name}（{r.level}·{r.city}·{r.year}年核查）" for r in listed.itertuples()}
    case_id = st.selectbox("选择整改案件", list(labels), index=None, format_func=labels.get, key="fu_case",
                           placeholder="请选择矿山")
    if case_id is None:
        st.info("从上面的列表中选择一座矿山，查看和记录它的整改情况。")
        return
    case_page(followup.get_case(database, case_id))


def case_page(case: followup.Case) -> None:
    mine = registry.get_mine(database, case.mine_id)
    shown = case.shown_status(today)
    st.subheader(plain(mine["name"]))
    deadline = date.fromisoformat(case.deadline) if case.deadline else today
    st.write(f"采矿许可证号 {plain(mine['licence_no'])} · {mine['level']} · {plain(mine['city'] + mine['county'])} · "
             f"状态：**{shown}** · 整改期限 {chinese_date(deadline)}"
             + (f"（已逾期 {(today - deadline).days} 天）" if shown == followup.OVERDUE else ""))
    editable = case.status in followup.STILL_OPEN
    with st.expander("整改措施（核查记录原文）"):
        st.write(plain(case.measures, lines=True) or "—")

    st.markdown("**整改事项**（核查记录中的每个问题一项，逐项销号）")
    for item in followup.items(database, case.id):
        left, middle, right = st.columns([5, 3, 1])
        # Words, not emoji: an intranet machine may have no emoji font.
        mark = ":green[已销号]" if item["done_at"] else ":orange[未销号]"
        left.markdown(f"**{item['seq']}. {plain(item['problem'])}** {mark}"
                      + (f"  \n{plain(item['area'])}" if item["area"] else "")
                      + (f"  \n措施：{plain(item['measure'])}" if item["measure"] else ""))
        note = middle.text_input("销号说明", item["note"], key=f"fu_note_{item['id']}", disabled=not editable,
                                 placeholder="如：见整改报告第3页", label_visibility="collapsed")
        if editable and right.button("撤销" if item["done_at"] else "销号", key=f"fu_item_{item['id']}"):
            refused(lambda i=item, n=note: followup.complete_item(database, i["id"], not i["done_at"], n, ui.actor()),
                    f"第 {item['seq']} 项已" + ("撤销销号。" if item["done_at"] else "销号。"))

    if editable:
        with st.expander("责任人与整改期限"):
            c1, c2, c3 = st.columns(3)
            contact = c1.text_input("矿山整改责任人", case.contact, key=f"fu_contact_{case.id}")
            phone = c2.text_input("联系电话", case.phone, key=f"fu_phone_{case.id}")
            new_deadline = c3.date_input("整改期限", deadline, key=f"fu_deadline_{case.id}", format="YYYY-MM-DD")
            reason = st.text_input("调整期限的理由（调整期限时必填）", key=f"fu_reason_{case.id}")
            if st.button("保存", key=f"fu_save_{case.id}"):
                refused(lambda: followup.update_case(database, case.id, contact, phone, new_deadline, case.version,
                                                     ui.actor(), reason), "已保存。")
        step_form(case, shown)
    history(case)


def step_form(case: followup.Case, shown: str) -> None:
    st.markdown("**记录整改材料或复核**")
    kind = st.radio("类型", followup.STEPS, horizontal=True, key=f"fu_kind_{case.id}")
    c1, c2 = st.columns([1, 3])
    on = c1.date_input("日期", today, key=f"fu_on_{case.id}", format="YYYY-MM-DD")
    people = c2.text_input("复核人员" if kind != followup.SENT else "报送单位或人员", key=f"fu_people_{case.id}")
    text = st.text_area("整改材料内容" if kind == followup.SENT else "复核情况", key=f"fu_text_{case.id}",
                        placeholder="如：报送整改报告及复绿前后对比照片" if kind == followup.SENT else "如：现场查看东侧边坡已复绿")
    passed = None
    if kind != followup.SENT:
        passed = st.radio("复核结论", ("通过", "未通过"), horizontal=True, key=f"fu_passed_{case.id}") == "通过"
    uploads = st.file_uploader(
        f"附件：整改报告（pdf、doc、docx、xls、xlsx、ofd、zip，不超过 {followup.MAX_DOCUMENT_BYTES // 2**20} MB）、"
        f"照片（不超过 {evidence.MAX_PHOTO_BYTES // 2**20} MB）或视频（不超过 {evidence.MAX_VIDEO_BYTES // 2**20} MB）",
        accept_multiple_files=True, key=f"fu_files_{case.id}", max_upload_size=evidence.MAX_VIDEO_BYTES // 2**20)
    files = [Upload(u.getvalue(), u.name) for u in uploads or []]

    def write() -> None:
        followup.add_step(database, case.id, kind, on, people, text, ui.actor(), files, passed, case.version)

    if kind == followup.SENT:
        if st.button("保存整改材料", type="primary", key=f"fu_step_{case.id}"):
            refused(write, "已记录整改材料，案件状态为“已报送整改材料”。")
    else:
        question = ("复核通过后案件结案，不能再修改。确定吗？" if passed else
                    "复核未通过后案件结案，并对该矿山提出移出。确定吗？")
        if ui.confirmed("保存复核结论", key=f"fu_recheck_{case.id}", question=question):
            refused(write, "已记录复核，案件已结案。" + ("" if passed else "已对该矿山提出移出，请到“移出”中处理。"))
    if shown == followup.OVERDUE and ui.confirmed(
            "逾期未整改，提出移出", key=f"fu_overdue_{case.id}",
            question="整改期限已过且未通过复核。将结束该整改案件，并对该矿山提出移出。确定吗？"):
        refused(lambda: followup.propose_overdue(database, case.id, today, ui.actor()), "已对该矿山提出移出。")


def history(case: followup.Case) -> None:
    recorded = followup.steps(database, case.id)
    if not recorded:
        return
    st.markdown("**跟踪记录**")
    for step in recorded:
        result = f"（{step['result']}）" if step["result"] else ""
        st.markdown(f"- {chinese_date(date.fromisoformat(step['on_date']))} **{plain(step['kind'] + result)}**："
                    f"{plain(step['text'])}" + (f"（{plain(step['people'])}）" if step["people"] else "")
                    + f"  \n  {plain(step['actor'])}记录于{chinese_time(step['at'])}"
                    + "".join(f"  \n  附件：{plain(f['filename'])}（{f['size'] / 1024:.0f} KB）" for f in step["files"]))
        photos = [f for f in step["files"] if f["kind"] == "照片"]
        if photos:
            st.image([str(evidence.thumbnail_path(followup.files_root(), f["sha256"])) for f in photos], width=160)


# --- removals ---------------------------------------------------------------------------------

def proposal() -> None:
    """The national mines of a campaign proposed for removal, their situations, the cover letter, the files."""
    ready = campaigns.with_draws(database)
    if not ready:
        return
    campaign = ready[0] if len(ready) == 1 else ui.choose_campaign(
        database, ready, campaigns.in_progress(database, ui.actor()), "fu_campaign")
    items = removal_proposal.proposals(database, campaign)
    st.markdown(f"**国家级绿色矿山移出建议**（{plain(campaign.title)}）")
    if not items:
        st.caption("本任务没有待自然资源部决定移出的国家级绿色矿山。")
        return
    st.write(f"{len(items)} 座国家级绿色矿山待自然资源部决定。移出建议名单写明每座矿山的移出情形和事实"
             "（核查发现的问题、核查时间及核查组、整改情况），与报送函一起放入报部材料。")
    st.dataframe([{"矿山名称": p.name, "移出情形": p.situation_text, "核查时间及核查组": p.inspected, "提出原因": p.source}
                  for p in items], hide_index=True, width="stretch", key="fu_proposals",
                 column_config={"矿山名称": st.column_config.TextColumn(width=240),
                                "移出情形": st.column_config.TextColumn(width=300)})
    unmatched = [p.name for p in items if not p.situation]
    if unmatched:
        st.warning(f"{len(unmatched)} 座矿山的移出原因尚未对应移出情形列表中的情形（{plain('、'.join(unmatched))}）。"
                   "请在下方选择该矿山的移出案件，选定移出情形。")
    outstanding = removal_proposal.outstanding_national(database, campaign)
    if outstanding:
        st.info(f"另有 {outstanding} 座抽取的国家级绿色矿山尚未提交核查记录，名单中未列入。")
    sent = letter_form(campaign, items)
    c1, c2, c3 = st.columns(3)
    province = ui.province(database).name
    name = removal_proposal.title(province)
    # Built when clicked, each on a connection of its own, from the data as it is then.
    ui.download_button(c1, "下载移出建议名单（Excel）", lambda db: removal_proposal.proposal_xlsx(
        removal_proposal.proposals(db, campaign), province, sent, outstanding),
        file_name=ui.download_name(database, "国家级绿色矿山移出建议名单", "xlsx", dated=True),
        mime=exports.XLSX_MIME, key="fu_prop_xlsx", export=("移出建议名单 Excel", f"{len(items)} 座"))
    try:
        font = ui.pdf_font(database)
    except pdf.FontMissing as exc:
        c2.warning(plain(exc))
        return
    ui.download_button(c2, "下载移出建议名单（PDF）", lambda db: removal_proposal.proposal_pdf(
        removal_proposal.proposals(db, campaign), province, sent, font, outstanding),
        file_name=ui.download_name(database, "国家级绿色矿山移出建议名单", "pdf", dated=True),
        mime="application/pdf", key="fu_prop_pdf", export=("移出建议名单 PDF", f"{len(items)} 座"))
    ui.download_button(c3, "下载报送函（PDF）", lambda _: removal_proposal.letter_pdf(sent, province, font),
                       file_name=f"{removal_proposal.letter_title(province)}.pdf", mime="application/pdf",
                       key="fu_letter_pdf", export=("移出建议报送函 PDF", name))


def letter_form(campaign, items: list[removal_proposal.Proposal]) -> removal_proposal.Letter:
    """The cover letter (报送函), drafted from the data and edited here; returns it as saved (or drafted)."""
    sent = removal_proposal.letter(database, campaign, items, today)
    k = f"fu_letter_{campaign.id}"
    with st.expander("报送函" + ("（已保存）" if sent.saved else "（草稿，请核改后保存）"), expanded=not sent.saved):
        if not sent.saved:
            st.caption("以下为系统根据核查数据起草的报送函。请填写本单位全称、联系人和联系电话，核改正文后保存；"
                       "未保存时，报送函标注为草稿。")
        elif sent.stale(items):
            st.warning(f"保存报送函时名单有 {sent.count} 座矿山，现在有 {len(items)} 座，请核对正文后重新保存。")
        unit = st.text_input("报送单位（全称）", sent.unit, key=f"{k}_unit")
        c1, c2, c3 = st.columns(3)
        contact = c1.text_input("联系人", sent.contact, key=f"{k}_contact")
        phone = c2.text_input("联系电话", sent.phone, key=f"{k}_phone")
        on = c3.date_input("成文日期", sent.on, key=f"{k}_on", format="YYYY-MM-DD")
        body = st.text_area(f"正文（主送{removal_proposal.MINISTRY_OFFICE}）", sent.body, height=160, key=f"{k}_body")
        if st.button("保存报送函", key=f"{k}_save"):
            refused(lambda: removal_proposal.save_letter(
                database, campaign, removal_proposal.Letter(unit, contact, phone, on, body), items, ui.actor()),
                "报送函已保存。")
    return sent


def removals() -> None:
    frame = followup.removals(database)
    proposal()
    if frame.empty:
        st.info("还没有移出案件。核查结论为“移出”的记录提交后、整改复核未通过或逾期时，会在这里建立移出案件。")
        return
    st.dataframe(frame.rename(columns={"name": "矿山名称", "level": "入库级别", "city": "市（州）", "source": "提出原因",
                                       "reason": "移出情形", "status": "状态", "document_no": "文号"})[
        ["矿山名称", "入库级别", "市（州）", "提出原因", "移出情形", "状态", "文号"]],
        hide_index=True, width="stretch", height=min(320, 38 + 35 * len(frame)), key="fu_removals")
    open_ones = frame[frame["status"].isin(followup.REMOVAL_OPEN)]
    if open_ones.empty:
        return
    labels = {int(r.id): f"{r.name}（{r.level}·{r.source}）" for r in open_ones.itertuples()}
    removal_id = st.selectbox("选择待处理的移出案件", list(labels), index=None, format_func=labels.get, key="fu_removal",
                              placeholder="请选择矿山")
    if removal_id is None:
        return
    removal = followup.get_removal(database, removal_id)
    st.write(f"提出原因：{plain(removal['source'])} · 移出情形：{plain(removal['reason']) or '—'}")
    if removal["status"] == followup.PENDING:
        reasons = [g.reason for g in removal_proposal.grounds(database)]
        c1, c2 = st.columns([2, 1])
        picked = c1.selectbox("移出情形", [*reasons, "其他（自行填写）"], key=f"fu_reason_pick_{removal_id}",
                              index=reasons.index(removal["reason"]) if removal["reason"] in reasons else len(reasons))
        reason = picked if picked in reasons else c1.text_input("移出情形（自行填写）", removal["reason"],
                                                                 key=f"fu_reason_text_{removal_id}")
        on = c2.date_input("移出日期", today, key=f"fu_removed_on_{removal_id}", format="YYYY-MM-DD")
        document_no = st.text_input("移出文件文号", key=f"fu_doc_{removal_id}", placeholder="如：鄂自然资函〔2024〕12号")
        if ui.confirmed("批准移出", key=f"fu_approve_{removal_id}",
                        question="批准后名录中该矿山标记为“已移出”，不再参加以后的抽取（需要时可凭理由恢复在册）。确定吗？"):
            refused(lambda: followup.approve_removal(database, removal_id, on, document_no, reason, removal["version"],
                                                     ui.actor()), "已批准移出，名录已更新。")
        keep_reason = st.text_input("不予移出的理由", key=f"fu_keep_{removal_id}")
        if st.button("不予移出", key=f"fu_keep_btn_{removal_id}"):
            refused(lambda: followup.keep_listed(database, removal_id, keep_reason, removal["version"], ui.actor()),
                    "已记录不予移出。")
        return
    situation_form(removal)
    if removal["status"] == followup.TO_MINISTRY:
        reported = st.date_input("报部日期", today, key=f"fu_reported_{removal_id}", format="YYYY-MM-DD")
        if st.button("标记为已报部", key=f"fu_report_{removal_id}"):
            refused(lambda: followup.mark_reported(database, [removal_id], reported, ui.actor()), "已标记为已报部。")
    st.markdown("**记录自然资源部的决定**（记录“移出”后才更新名录）")
    c1, c2, c3 = st.columns([1, 2, 1])
    decision = c1.radio("决定", ("移出", "保留"), horizontal=True, key=f"fu_decision_{removal_id}")
    number = c2.text_input("公告（文件）文号", key=f"fu_announce_{removal_id}", placeholder="如：自然资源部公告2024年第8号")
    decided = c3.date_input("决定日期", today, key=f"fu_decided_{removal_id}", format="YYYY-MM-DD")
    if ui.confirmed("保存部里的决定", key=f"fu_decide_{removal_id}",
                    question=f"记录自然资源部决定“{decision}”。" + ("名录中该矿山将标记为“已移出”。" if decision == "移出" else "")
                    + "确定吗？"):
        refused(lambda: followup.record_decision(database, removal_id, decision == "移出", number, decided,
                                                 removal["version"], ui.actor()), "已记录部里的决定。")


def situation_form(removal: dict) -> None:
    """The official situation a national proposal rests on (the name list states it)."""
    grounds = [g.reason for g in removal_proposal.grounds(database)]
    if not grounds:
        return
    c1, c2 = st.columns([3, 1])
    situation = c1.selectbox("移出情形（写入移出建议名单）", grounds, key=f"fu_situation_{removal['id']}",
                             index=grounds.index(removal["reason"]) if removal["reason"] in grounds else None,
                             placeholder="请选择移出情形")
    if c2.button("保存移出情形", key=f"fu_situation_save_{removal['id']}", disabled=situation is None):
        refused(lambda: followup.set_situation(database, removal["id"], situation, grounds, removal["version"],
                                               ui.actor()), "已保存移出情形。")


def removed_mines() -> None:
    gone = registry.list_mines(database, registry.Filters(statuses=[STATUS_REMOVED]))
    if gone.empty:
        st.info("名录中没有已移出的矿山。")
        return
    st.dataframe(gone.rename(columns={"name": "矿山名称", "level": "入库级别", "city": "市（州）", "removed_date": "移出日期",
                                      "removed_reason": "移出原因"})[["矿山名称", "入库级别", "市（州）", "移出日期", "移出原因"]],
                 hide_index=True, width="stretch", height=min(320, 38 + 35 * len(gone)), key="fu_gone")
    labels = {int(r.id): f"{r.name}（{r.level}）" for r in gone.itertuples()}
    mine_id = st.selectbox("恢复在册（如移出决定被撤销）", list(labels), index=None, format_func=labels.get,
                           key="fu_restore_pick", placeholder="请选择矿山")
    if mine_id is None:
        return
    reason = st.text_input("恢复理由（必填，记入该矿山的修改记录）", key=f"fu_restore_reason_{mine_id}")
    if ui.confirmed("恢复在册", key=f"fu_restore_{mine_id}", question="该矿山将恢复为“在册”，参加以后的抽取。确定吗？"):
        refused(lambda: followup.restore(database, mine_id, reason, ui.actor()), "已恢复在册。")


{"整改跟踪": rectification, "移出": removals, "已移出矿山": removed_mines}[view]()
