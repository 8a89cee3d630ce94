"""抽取核查矿山: the campaign's rules, the strata with the priority categories, and the verifiable draw."""

import json
from datetime import date

import streamlit as st

import ui
from core import campaigns, draw_record, exports, inspectors, pdf, registry, sampling, teams
from core.exports import chinese_time
from core.labels import LEVELS, METHODS
from ui.text import plain

database = ui.db()
here = ui.province(database)

st.title("抽取核查矿山")
st.caption("“双随机、一公开”：冻结名录并公布承诺值 → 见证人现场提供输入 → 按公开算法抽取，任何人可凭抽签记录复核。")
ui.show_flash()

if registry.count_mines(database) == 0:
    st.info("名录库中还没有矿山，无法抽取。请先导入名录，或在“设置”中载入演示数据。")
    ui.page_link("pages/register_import.py", label="去导入名录")
    st.stop()

all_campaigns = campaigns.list_campaigns(database)
CHOSEN = "campaign_id"  # the campaign shown, by id, kept across reruns
POLICIES = {"all": "全部纳入（重点核查）", "ratio": "按比例抽取"}


def follow_year(form: str) -> None:
    """When the year changes, the title and the deadline that were the previous year's defaults follow it;
    a title or deadline the user typed is kept."""
    before, year = st.session_state[f"{form}_year_shown"], st.session_state[f"{form}_year"]
    if st.session_state[f"{form}_title"] == campaigns.default_title(here.name, before):
        st.session_state[f"{form}_title"] = campaigns.default_title(here.name, year)
    if st.session_state[f"{form}_deadline"] == campaigns.default_deadline(before):
        st.session_state[f"{form}_deadline"] = campaigns.default_deadline(year)
    st.session_state[f"{form}_year_shown"] = year


def basis_input(form: str, campaign: campaigns.Campaign | None) -> list[dict]:
    """The documents the campaign rests on: the known ones to choose, others typed as 文件名称｜文号."""
    presets = {campaigns.citation(d): d for d in campaigns.BASIS_PRESETS}
    current = campaign.basis if campaign else []
    chosen = st.multiselect("核查依据文件（报告、抽签记录和公开名单引用的文件）", list(presets),
                            [campaigns.citation(d) for d in current if campaigns.citation(d) in presets],
                            key=f"{form}_basis", placeholder="请选择依据文件",
                            help="选择后按文件要求检查抽查比例：自然资办函〔2023〕1017号不低于 20%，自然资规〔2024〕1号不低于 10%。")
    others = st.text_area("其他依据文件（每行一个：文件名称｜文号；文号可空）",
                          "\n".join(f"{d['title']}｜{d['number']}" for d in current
                                    if campaigns.citation(d) not in presets),
                          key=f"{form}_basis_other", height=68, placeholder="如：湖北省自然资源厅关于开展……的通知｜鄂自然资函〔2023〕…号")
    typed = []
    for line in others.splitlines():
        if line.strip():
            title, _, number = line.replace("|", "｜").partition("｜")
            typed.append({"title": title.strip(), "number": number.strip()})
    return [presets[label] for label in chosen] + typed


def rules_form(campaign: campaigns.Campaign | None) -> None:
    """Create a campaign, or change the rules of one before its draw."""
    form = f"rules_{campaign.id}" if campaign else "rules_new"
    if f"{form}_year" not in st.session_state:
        year = campaign.year if campaign else date.today().year
        st.session_state.update({
            f"{form}_year": year, f"{form}_year_shown": year,
            f"{form}_title": campaign.title if campaign else campaigns.default_title(here.name, year),
            f"{form}_deadline": campaign.deadline if campaign else campaigns.default_deadline(year)})
    c1, c2, c3 = st.columns([1, 3, 1])
    year = int(c1.number_input("年度", 2018, 2100, key=f"{form}_year", on_change=follow_year, args=(form,)))
    title = c2.text_input("任务名称", key=f"{form}_title")
    deadline = c3.date_input("完成时限", key=f"{form}_deadline", format="YYYY-MM-DD",
                             help="默认为当年 11 月 30 日；已过时为 30 天后。不能选择已经过去的日期。")
    rules = campaign.rules if campaign else sampling.Rules()
    floor = campaigns.ratio_floor(database)
    c1, c2 = st.columns([1, 3])
    ratio = c1.number_input("抽查比例（%）", int(floor * 100), 100, int(round(rules.ratio * 100)),
                            key=f"{form}_ratio",
                            help=f"通知要求不低于 20%；下限 {floor:.0%} 可在“设置”中调整。") / 100
    levels = c2.multiselect("纳入抽查的入库级别", LEVELS, list(rules.levels), key=f"{form}_levels",
                            placeholder="请选择入库级别")
    tags = sorted(set(campaigns.mine_tags(database)) | set(rules.extra_categories()))
    extra = st.multiselect("本省增加的重点核查类别（名录中“其他重点核查类别”一栏的标签）", tags,
                           default=list(rules.extra_categories()), key=f"{form}_extra",
                           placeholder="无") if tags else []
    categories_in_order = (*sampling.CATEGORIES[:2], *extra, sampling.CATEGORIES[2])
    policy = {}
    cols = st.columns(len(categories_in_order))
    for column, name in zip(cols, categories_in_order):
        current = rules.policy.get(name, sampling.ALL)
        kind = column.selectbox(plain(name), list(POLICIES), format_func=POLICIES.get,
                                index=0 if current == sampling.ALL else 1, key=f"{form}_{name}")
        if kind == "all":
            policy[name] = sampling.ALL
        else:
            policy[name] = column.number_input(
                f"{plain(name)}抽取比例（%）", 1, 100, int(round(float(current) * 100)) if current != sampling.ALL else 10,
                key=f"{form}_{name}_ratio",
                help="先从该类别中按此比例抽取，其余由随机抽取补足到总体比例。") / 100
    national = {m["licence_no"]: f"{m['name']}（{m['city']}）" for m in campaigns.national_mines(database)}
    direct = st.multiselect("部直接核查的国家级绿色矿山（不参加本省抽取）", list(national),
                            default=[x for x in (campaign.ministry_direct if campaign else []) if x in national],
                            format_func=national.get, key=f"{form}_direct",
                            placeholder="无（部里未直接核查本省矿山时留空）")
    open_pit = st.multiselect("计为“露天开采”的开采方式", METHODS, list(rules.open_pit_methods), key=f"{form}_open_pit",
                              placeholder="请选择开采方式",
                              help="露天-地下联合开采的矿山也进行露天开采，默认计入“露天开采”重点核查类别。本规则记入抽签记录。")
    note = st.text_area("规则说明（为什么这样设置，记入抽签记录）", rules.note, key=f"{form}_note", height=80,
                        placeholder="如：露天开采矿山占名录七成，全部纳入将使抽取失去随机性，故按 10% 优先抽取，其余随机抽取")
    basis = basis_input(form, campaign)
    current_areas = campaign.photo_areas if campaign else list(campaigns.DEFAULT_PHOTO_AREAS)
    photo_areas = st.multiselect(
        "核查记录必须拍摄的重点区域（每个区域至少一张照片才能提交）",
        list(dict.fromkeys([*campaigns.DEFAULT_PHOTO_AREAS, "重点设备", *current_areas])), current_areas,
        key=f"{form}_photo_areas", placeholder="请选择重点区域", accept_new_options=True,
        help="通知要求对矿容矿貌、开采区、生态修复区等重点区域和重点设备如实记录并同步记录核查影像；可输入其他区域名称。")
    new_rules = sampling.Rules(ratio=ratio, levels=tuple(levels), policy=policy, open_pit_methods=tuple(open_pit),
                               note=note.strip())
    label = "保存任务设置" if campaign else "创建核查任务"
    if st.button(label, type="primary", key=f"{form}_save"):
        try:
            if campaign:
                campaigns.update_rules(database, campaign.id, title, deadline, new_rules, direct, campaign.version,
                                       ui.actor(), year=year, basis=basis, photo_areas=photo_areas)
                ui.flash("任务设置已保存。")
            else:
                st.session_state[CHOSEN] = campaigns.create(database, year, title, deadline, new_rules, direct,
                                                            ui.actor(), basis=basis, photo_areas=photo_areas)
                for name in ("year", "year_shown", "title", "deadline"):  # the next new campaign starts afresh
                    st.session_state.pop(f"{form}_{name}", None)
                ui.flash(f"已创建核查任务“{title.strip()}”。")
        except campaigns.CampaignError as exc:
            st.error(plain(exc))
        else:
            st.rerun()


if not all_campaigns:
    st.info("还没有核查任务。先创建本年度的核查任务，设定抽查比例和重点核查对象的处理方式。")
    rules_form(None)
    st.stop()

opening = campaigns.to_open_for_the_draw(database, ui.actor())
if len(all_campaigns) == 1:
    campaign = all_campaigns[0]
    st.caption(f"当前核查任务：{plain(campaigns.choice_labels(database, all_campaigns)[campaign.id])}")
else:
    campaign = ui.choose_campaign(database, all_campaigns, opening, CHOSEN)
current = campaigns.current_draw(database, campaign)
pending = campaigns.pending_draw(database, campaign.id)

with st.expander("任务设置（抽取前确定）", expanded=current is None and pending is None):
    rules_form(campaign)
with st.expander("新建另一个核查任务"):
    rules_form(None)
if current is None:
    with st.expander("删除本核查任务（建错或重复建立时）"):
        st.caption("只能删除尚未抽取的任务；名录已冻结的，先作废冻结。任务设置、任务历史和删除理由记入审计日志。")
        delete_reason = st.text_input("删除理由", key=f"delete_reason_{campaign.id}")
        if ui.confirmed("删除本核查任务", f"delete_campaign_{campaign.id}",
                        f"确认删除核查任务“{campaign.title}”？删除后不能恢复。", confirm_label="确认删除",
                        disabled=not delete_reason.strip()):
            ui.write_then_rerun(lambda: campaigns.delete(database, campaign.id, delete_reason, ui.actor()),
                                f"已删除核查任务“{campaign.title}”。", campaigns.CampaignError)

st.subheader("一、抽取范围与分层")
st.caption(f"每个入库级别按重点核查类别分层：问题线索、“回头看”整改要求、本省增加的类别、露天开采（橙色；计入的开采方式："
           f"{plain('、'.join(campaign.rules.open_pit_methods))}），其余为一般矿山；一座矿山同时属于多个重点类别时计入靠前的一类。"
           "下表是按当前规则将抽取的结果（数量与随机数无关，冻结前即可确定）。")
table = campaigns.strata_table(database, campaign)
st.dataframe(
    table.style.map(lambda _: "background-color: #fff3e0; font-weight: 600", subset=list(campaign.rules.categories())),
    hide_index=True, width="stretch",
)
outcomes = campaigns.preview(database, campaign)
listed_total, drawn_total = sum(o.listed for o in outcomes), sum(o.drawn for o in outcomes)
c1, c2, c3, c4 = st.columns(4)
c1.metric("将抽取", f"{drawn_total} 座", help=f"按比例至少 {sum(o.required for o in outcomes)} 座")
c2.metric("占纳入范围", f"{drawn_total / listed_total:.0%}" if listed_total else "—",
          help=f"纳入范围 {listed_total} 座；规定的最低比例 {campaign.rules.ratio:.0%}")
c3.metric("其中随机抽取", f"{sum(o.random for o in outcomes)} 座",
          help=f"从未列入重点核查的 {sum(o.pool for o in outcomes)} 座矿山中随机抽取")
planned = int(c4.number_input("计划核查组数", 1, 50, max(1, -(-drawn_total // 25)), key=f"planned_teams_{campaign.id}",
                              help="用于估算每组工作量；核查组在抽取矿山后抽取。"))
st.caption(f"每组约 {drawn_total / planned:.1f} 座矿山（{planned} 个组）。"
           f"部直接核查 {len(campaign.ministry_direct)} 座不参加本省抽取。"
           + (f"规则说明：{plain(campaign.rules.note)}" if campaign.rules.note else ""))
for warning in sampling.warnings(outcomes, campaign.rules.ratio):
    st.warning(plain(warning))
if campaign.ministry_direct:
    with st.expander(f"部直接核查的国家级绿色矿山（{len(campaign.ministry_direct)} 座）"):
        ui.mine_table(campaigns.ministry_direct_mines(database, campaign), key="ministry_direct_table")

st.subheader("二、冻结名录，公布承诺值")
if pending:
    st.success(f"名录已于 {chinese_time(pending['frozen_at'])} 冻结（第 {pending['seq']} 次），共 "
               f"{len(json.loads(pending['snapshot']))} 座矿山。请在抽取前公布以下两个值：")
    st.code(f"名录快照 SHA-256：{pending['snapshot_sha256']}\n随机数承诺值：  {pending['commitment']}", language=None)
    reason = st.text_input("作废理由（如冻结后发现名录有误）", key="discard_reason")
    if ui.confirmed("作废本次冻结", "discard_freeze", "确认作废本次冻结？作废记录和随机数将记入任务历史。",
                    confirm_label="确认作废", disabled=not reason.strip()):
        ui.write_then_rerun(lambda: campaigns.discard(database, pending["id"], reason, ui.actor()),
                            "已作废本次冻结。", campaigns.CampaignError)
elif current is None:
    st.write("冻结后，抽取只依据冻结时的名录快照；承诺值用于事后证明随机数在抽取前已经确定、没有被更换。")
    if ui.confirmed("冻结名录并生成承诺值", "freeze", "确认冻结当前名录？冻结后到抽取前不能修改抽取规则。",
                    confirm_label="确认冻结"):
        ui.write_then_rerun(lambda: campaigns.freeze(database, campaign.id, ui.actor()),
                            "名录已冻结。请公布快照 SHA-256 和承诺值。", campaigns.CampaignError)
else:
    st.write(f"已完成第 {current['seq']} 次抽取（{chinese_time(current['confirmed_at'])}）。")

st.subheader("三、见证人输入并抽取")
if pending:
    witness = st.text_area("见证人现场提供的输入", key="witness_input",
                           placeholder="如：现场宣读的数字 83721 45129；或 福彩3D 第2023298期 开奖号码 5 6 1")
    if ui.confirmed("执行抽取", "do_draw", "抽取结果确认后不能修改或删除（如需重新抽取须书面说明理由）。确认执行抽取？",
                    confirm_label="确认抽取", disabled=not witness.strip()):
        with st.spinner("正在抽取…"):
            ui.write_then_rerun(lambda: campaigns.confirm(database, pending["id"], witness, ui.actor(), here.name),
                                "抽取完成，结果已锁定。", campaigns.CampaignError)
elif current is None:
    st.caption("请先冻结名录。")
else:
    st.caption(f"已按见证输入“{plain(current['witness_input'])}”完成抽取，结果见下方。")

if current is not None:
    st.subheader("四、抽取结果")
    record = json.loads(current["record"])
    cols = st.columns(len(record["levels"]) + 1)
    cols[0].metric("抽取矿山", f"{len(record['selections'])} 座")
    for column, level in zip(cols[1:], [lv for lv in LEVELS if lv in record["levels"]]):
        counts = record["levels"][level]
        column.metric(level, f"{counts['drawn']} / {counts['listed']}",
                      help=f"抽取 {counts['drawn']} 座，在册 {counts['listed']} 座，按比例至少 {counts['required']} 座")
    drawn = campaigns.drawn_mines(database, campaign)
    st.dataframe(drawn.rename(columns={
        "licence_no": "采矿许可证号", "name": "矿山名称", "level": "入库级别", "city": "市（州）", "county": "县（市、区）",
        "mineral": "开采矿种", "method": "开采方式", "category": "分层", "reason": "抽取方式", "ticket": "签号",
    })[["采矿许可证号", "矿山名称", "入库级别", "市（州）", "县（市、区）", "开采矿种", "开采方式", "分层", "抽取方式", "签号"]],
        hide_index=True, width="stretch")
    st.code(f"种子：{record['seed']}\n随机数：{record['nonce']}\n见证输入：{record['witness_input']}", language=None)
    team_draw = teams.latest_team_draw(database, campaign)
    team_rows = teams.teams_frame(database, team_draw["id"]).to_dict("records") if team_draw else []
    c1, c2, c3, c4 = st.columns(4)
    what = f"核查任务 {campaign.id} 第 {current['seq']} 次抽取"
    ui.download_button(c1, "下载抽签记录（JSON，可复核）", current["record"].encode("utf-8"),
                       file_name=f"{campaign.title}抽签记录（第{current['seq']}次）.json", mime="application/json",
                       key="draw_json", export=("抽签记录 JSON", what))
    try:
        font = ui.pdf_font(database)
    except pdf.FontMissing as exc:
        c2.error(plain(exc))
    else:
        ui.download_button(c2, "下载抽签记录（PDF）", lambda db: draw_record.record_pdf(record, ui.mines_by_licence(db), font),
                           file_name=f"{campaign.title}抽签记录（第{current['seq']}次）.pdf", mime="application/pdf",
                           key="draw_pdf", export=("抽签记录 PDF", what))
        ui.download_button(c3, "下载公开名单（PDF）", lambda db: draw_record.publication_pdf(
            record, ui.mines_by_licence(db), team_rows, f"{campaign.title}随机抽查名单", font),
            file_name=f"{campaign.title}随机抽查名单.pdf", mime="application/pdf",
            key="publication_pdf", export=("公开名单 PDF", what))
    ui.download_button(c4, "下载公开名单（xlsx）", lambda db: draw_record.drawn_xlsx(
        record, ui.mines_by_licence(db), f"{campaign.title}随机抽查名单", team_rows),
        file_name=f"{campaign.title}随机抽查名单.xlsx", mime=exports.XLSX_MIME,
        key="publication_xlsx", export=("公开名单 Excel", what))
    st.caption("复核方法：在本系统目录执行 `python -m core.sampling verify 抽签记录.json`，仅凭记录文件重新计算抽取结果。")
    with st.expander("重新抽取（须书面说明理由）"):
        reason = st.text_area("重新抽取的理由", key="redraw_reason")
        if ui.confirmed("冻结名录，准备重新抽取", "redraw", "确认重新抽取？原抽取结果保留并可查看，理由记入任务历史。",
                        confirm_label="确认重新抽取", disabled=not reason.strip()):
            ui.write_then_rerun(lambda: campaigns.freeze(database, campaign.id, ui.actor(), redraw_reason=reason),
                                "已冻结名录，请公布新的承诺值并组织重新抽取。", campaigns.CampaignError)

if current is not None:
    st.subheader("五、抽取核查组")
    team_draw = teams.latest_team_draw(database, campaign)
    pool = inspectors.list_inspectors(database, active_only=True)
    if team_draw is None:
        if not pool:
            st.info("核查人员名录为空。请先在“核查人员名录”页导入核查人员。")
            ui.page_link("pages/inspectors.py", label="去核查人员名录")
        else:
            st.caption(f"用本次抽取的同一种子，从 {len(pool)} 名可抽取人员中随机组成核查组；"
                       "组长须具备高级职称或处级及以上职级；同一组尽量覆盖不同专业；矿山按地市分配、工作量均衡。")
            drawn_count = len(record["selections"])
            c1, c2, c3, c4 = st.columns(4)
            planned = st.session_state.get(f"planned_teams_{campaign.id}", -(-drawn_count // 25))
            team_count = int(c1.number_input("核查组数", 1, max(1, len(pool) // 3), min(max(1, planned),
                                                                                  max(1, len(pool) // 3))))
            size = int(c2.selectbox("每组人数（含组长）", (3, 4, 5)))
            leader_rule = c3.selectbox("组长条件", list(inspectors.LEADER_RULES), format_func=inspectors.LEADER_RULES.get)
            recuse = c4.checkbox("本地人员回避本地矿山", True)
            team_rules = teams.TeamRules(team_count, size, recuse, leader_rule)
            try:
                load = teams.preview(database, campaign, team_rules)
            except teams.TeamError as exc:
                st.error(plain(exc))
                load = None
            else:
                st.markdown(f"**按上述设置各组的工作量**：每组 {load['核查矿山数'].min()}～{load['核查矿山数'].max()} 座矿山。"
                            "同一地市的矿山尽量由一个组核查，为使各组工作量均衡，矿山多的地市按县分给几个组。"
                            "各组人员在确认抽取后公布。")
                st.dataframe(load, hide_index=True, width="stretch", key="team_load")
            if ui.confirmed("抽取核查组", "draw_teams", "确认按上述设置抽取核查组？结果记入任务历史。", confirm_label="确认抽取核查组",
                            disabled=load is None):
                ui.write_then_rerun(lambda: teams.save_team_draw(database, campaign, team_rules, ui.actor()),
                                    "核查组已抽取。", teams.TeamError)
    else:
        st.dataframe(teams.teams_frame(database, team_draw["id"]), hide_index=True, width="stretch")
        ui.page_link("pages/inspections.py", label="下一步：各核查组到现场核查，填写核查记录")
        with st.expander("调换核查人员（须说明理由）"):
            members = teams.members(database, team_draw["id"])
            others = [p for p in pool if p["id"] not in {m["inspector_id"] for m in members}]
            c1, c2 = st.columns(2)
            out_id = c1.selectbox("换下", [m["inspector_id"] for m in members], key="swap_out",
                                  format_func=lambda i: next(f"第{m['team_no']}组{m['role']} {m['name']}" for m in members
                                                             if m["inspector_id"] == i))
            in_id = c2.selectbox("换上", [p["id"] for p in others], key="swap_in",
                                 format_func=lambda i: next(f"{p['name']}（{p['unit']}）" for p in others if p["id"] == i))
            swap_reason = st.text_input("调换理由", key="swap_reason")
            if st.button("调换", disabled=not swap_reason.strip() or in_id is None):
                ui.write_then_rerun(lambda: teams.swap_member(database, team_draw["id"], out_id, in_id, swap_reason,
                                                              ui.actor()),
                                    "已调换核查人员，记录已写入任务历史。", teams.TeamError)

earlier = [d for d in campaigns.draws(database, campaign.id) if d["status"] == campaigns.CONFIRMED
           and (current is None or d["id"] != current["id"])]
if earlier:
    with st.expander(f"以前的抽取结果（{len(earlier)} 次，已由重新抽取取代，保留备查）"):
        for old in earlier:
            old_record = json.loads(old["record"])
            st.markdown(f"**第 {old['seq']} 次**：{chinese_time(old['confirmed_at'])} 抽取 {len(old_record['selections'])} 座，"
                        f"见证输入“{plain(old['witness_input'])}”。")
            st.download_button(f"下载第 {old['seq']} 次抽签记录（JSON）", old["record"].encode("utf-8"),
                               file_name=f"{campaign.title}抽签记录（第{old['seq']}次）.json", mime="application/json",
                               key=f"old_record_{old['id']}")

with st.expander("任务历史"):
    st.dataframe(campaigns.history(database, campaign.id), hide_index=True, width="stretch")
