"""A mine's panel on the register page: its facts, the edit form, its history, removal and restoring."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlite_utils import Database

import ui
from core import reference, regions, registry
from core.labels import COLUMN_LABELS, LEVELS, METHODS, SCALE_CLASSES, SCALE_UNITS, STATUS_REMOVED
from core.validation import Problem, has_errors, validate_mine
from ui.text import plain

AUTO_CLASS = "（按规模自动判定）"
COMMON_REMOVAL_REASONS = ("采矿许可证到期或注销", "发生较大及以上生产安全事故", "存在重大违法违规行为",
                          "资源枯竭关闭", "核查不符合绿色矿山标准且整改逾期")


def facts(mine: dict[str, Any]) -> None:
    """The mine's register data, as on the licence."""
    shown = {key: plain(value) for key, value in mine.items()}  # every field as typed, never as Markdown
    scale = f"{registry.as_text(mine['scale_value'])}{shown['scale_unit']}" if mine["scale_value"] else "未填写"
    left, right = st.columns(2)
    left.markdown(
        f"**采矿许可证号**：{shown['licence_no']}  \n**采矿权人**：{shown['owner'] or '未填写'}  \n"
        f"**入库级别**：{shown['level']}（{mine['listing_year'] or '年份未填'} · {shown['listing_batch'] or '批次未填'}）  \n"
        f"**所在地**：{shown['province']} {shown['city']} {shown['county']}  \n"
        f"**经纬度**：{_coords(mine)}"
    )
    right.markdown(
        f"**开采矿种**：{shown['mineral']}  \n**开采方式**：{shown['method']}  \n"
        f"**生产规模**：{scale}（{shown['scale_class'] or '规模类型未定'}）  \n"
        f"**适用行业标准**：{shown['standard'] or '未确定'} {plain(reference.standards().get(mine['standard'], ''))}  \n"
        f"**状态**：{shown['status']}" + (f"（{shown['removed_date']} 移出：{shown['removed_reason']}）"
                                         if mine["status"] == STATUS_REMOVED else "")
    )
    if mine["flag_problem"]:
        st.warning(f"问题线索：{shown['problem_desc'] or '未填写内容'}（来源：{shown['problem_source'] or '未填写'}）")
    if mine["flag_rectify"]:
        st.warning(f"“回头看”整改要求：{shown['rectify_demand'] or '未填写内容'}")


def _coords(mine: dict[str, Any]) -> str:
    if mine["lon"] is None or mine["lat"] is None:
        return "未填写（不在地图上显示）"
    return plain(f"东经 {mine['lon']:.6f}°，北纬 {mine['lat']:.6f}°")


def edit_form(database: Database, mine: dict[str, Any] | None) -> None:
    """Edit a mine (or add one when ``mine`` is None), with the import's validation.

    The widgets are keyed by the version the user started from, so that a save by someone else in
    between is detected (ConflictError) instead of silently overwritten.
    """
    here = ui.province(database)
    mine_key = mine["id"] if mine else "new"
    base_key = f"edit_base_{mine_key}"
    if mine and base_key not in st.session_state:
        st.session_state[base_key] = mine["version"]
    base = st.session_state.get(base_key, 0)
    k = f"m{mine_key}v{base}"
    current = mine or {}

    c1, c2, c3 = st.columns(3)
    raw: dict[str, Any] = {
        "licence_no": c1.text_input("采矿许可证号 *", current.get("licence_no", ""), key=f"{k}_licence"),
        "name": c2.text_input("矿山名称 *", current.get("name", ""), key=f"{k}_name"),
        "owner": c3.text_input("采矿权人", current.get("owner", ""), key=f"{k}_owner"),
    }
    c1, c2, c3 = st.columns(3)
    raw["level"] = c1.selectbox("入库级别 *", LEVELS, _index(LEVELS, current.get("level")), key=f"{k}_level",
                                 placeholder="请选择")
    raw["listing_year"] = c2.text_input("入库年份", registry.as_text(current.get("listing_year")), key=f"{k}_year")
    raw["listing_batch"] = c3.text_input("入库批次", current.get("listing_batch", ""), key=f"{k}_batch")

    prefectures = [r.name for r in regions.prefectures(here.code)]
    c1, c2, c3 = st.columns(3)
    raw["city"] = c1.selectbox("市（州） *", prefectures, _index(prefectures, current.get("city")), key=f"{k}_city",
                                placeholder="请选择")
    city = regions.find_prefecture(here.code, raw["city"] or "")
    county_names = [""] + [r.name for r in regions.counties(here.code, city.code)] if city else [""]
    if current.get("county") and current["county"] not in county_names:
        county_names.append(current["county"])
    raw["county"] = c2.selectbox("县（市、区）", county_names, _index(county_names, current.get("county")),
                                 key=f"{k}_county", format_func=lambda n: n or "（未填写）")
    minerals = reference.mineral_names()
    raw["mineral"] = c3.selectbox("开采矿种 *", minerals, _index(minerals, current.get("mineral")),
                                  key=f"{k}_mineral", accept_new_options=True, placeholder="请选择或输入矿种")

    c1, c2, c3, c4 = st.columns(4)
    raw["method"] = c1.selectbox("开采方式 *", METHODS, _index(METHODS, current.get("method")), key=f"{k}_method",
                                  placeholder="请选择")
    raw["scale"] = c2.number_input("生产规模", min_value=0.0, value=current.get("scale_value"), step=1.0,
                                   format="%g", key=f"{k}_scale")
    units = ("",) + SCALE_UNITS
    raw["scale_unit"] = c3.selectbox("规模单位", units, _index(units, current.get("scale_unit")),
                                     key=f"{k}_unit", format_func=lambda u: u or "（未填写）")
    classes = (AUTO_CLASS,) + SCALE_CLASSES
    chosen_class = c4.selectbox("规模类型", classes, _index(classes, current.get("scale_class")), key=f"{k}_class")
    raw["scale_class"] = "" if chosen_class == AUTO_CLASS else chosen_class

    c1, c2 = st.columns(2)
    raw["lon"] = c1.text_input("经度（十进制度或度分秒）", registry.as_text(current.get("lon")), key=f"{k}_lon")
    raw["lat"] = c2.text_input("纬度（十进制度或度分秒）", registry.as_text(current.get("lat")), key=f"{k}_lat")

    c1, c2, c3 = st.columns([1, 2, 1])
    raw["flag_problem"] = c1.checkbox("有问题线索反映", bool(current.get("flag_problem")), key=f"{k}_fp")
    raw["problem_desc"] = c2.text_input("问题线索描述", current.get("problem_desc", ""), key=f"{k}_pd")
    raw["problem_source"] = c3.text_input("线索来源", current.get("problem_source", ""), key=f"{k}_ps")
    c1, c2 = st.columns([1, 3])
    raw["flag_rectify"] = c1.checkbox("“回头看”提出整改要求", bool(current.get("flag_rectify")), key=f"{k}_fr")
    raw["rectify_demand"] = c2.text_input("整改要求内容", current.get("rectify_demand", ""), key=f"{k}_rd")
    raw["tags"] = st.text_input("其他重点核查类别（本省增加的类别，多个用“、”分隔）", current.get("tags", ""), key=f"{k}_tags")
    raw["flag_problem"] = "是" if raw["flag_problem"] else "否"
    raw["flag_rectify"] = "是" if raw["flag_rectify"] else "否"

    label = "保存修改" if mine else "添加到名录库"
    if not st.button(label, key=f"{k}_save", type="primary"):
        return
    values, problems = validate_mine(raw, here)
    if has_errors(problems):
        st.error("有以下问题，修改未保存：")
        ui.show_problems(pd.DataFrame([p.as_dict() for p in problems]).drop(columns=["行号"]), key=f"{k}_problems")
        return
    _save(database, mine, values, base, problems, base_key)


def _save(database: Database, mine: dict[str, Any] | None, values: dict[str, Any], base: int,
          problems: list[Problem], base_key: str) -> None:
    try:
        if mine is None:
            new_id = registry.create_mine(database, values, ui.actor(), note="手工添加")
            st.session_state["selected_mine"] = new_id
            ui.flash(f"已添加矿山“{values['name']}”。")
        else:
            diff = registry.update_mine(database, mine["id"], values, base, ui.actor())
            st.session_state.pop(base_key, None)
            ui.flash(f"已保存，修改了 {len(diff)} 项：{'、'.join(COLUMN_LABELS.get(f, f) for f in diff)}。"
                     if diff else "内容没有变化，无需保存。")
    except registry.ConflictError as exc:
        st.error(plain(exc))
        latest = registry.get_mine(database, mine["id"]) if mine else None
        if latest:
            _show_conflict(values, latest, base_key)
        return
    except registry.RegistryError as exc:
        st.error(plain(exc))
        return
    for p in problems:
        st.toast(plain(f"提醒：{p.column} {p.message}"))
    st.rerun()


def _show_conflict(mine_values: dict[str, Any], latest: dict[str, Any], base_key: str) -> None:
    diff = registry.changes(latest, mine_values)
    st.dataframe(pd.DataFrame(
        [{"字段": COLUMN_LABELS.get(f, f), "当前已保存的内容": old, "您填写的内容": new} for f, (old, new) in diff.items()]
    ), hide_index=True, width="stretch", key=f"{base_key}_conflict")
    if st.button("放弃我的填写，载入最新内容", key=f"{base_key}_reload"):
        st.session_state[base_key] = latest["version"]
        st.rerun()


def _index(options: tuple | list, value: Any) -> int | None:
    return list(options).index(value) if value in options else (0 if options and options[0] == "" else None)


def status_actions(database: Database, mine: dict[str, Any]) -> None:
    """Mark the mine 已移出 (never deleted), or put a removed mine back, each with a reason and a confirmation."""
    if mine["status"] == STATUS_REMOVED:
        st.info(plain(f"该矿山已于 {mine['removed_date']} 移出名录，原因：{mine['removed_reason']}。"))
        reason = st.text_area("恢复在册的原因（如移出决定被撤销）", key=f"restore_reason_{mine['id']}")
        if ui.confirmed("恢复在册", f"restore_{mine['id']}", f"确认将“{mine['name']}”恢复为在册？原因将记入修改记录。",
                        disabled=not reason.strip()):
            ui.write_then_rerun(lambda: registry.restore_mine(database, mine["id"], reason, mine["version"], ui.actor()),
                                f"已将“{mine['name']}”恢复为在册。", registry.RegistryError)
        return
    c1, c2 = st.columns([1, 2])
    on = c1.date_input("移出日期", date.today(), key=f"remove_date_{mine['id']}", format="YYYY-MM-DD")
    preset = c2.selectbox("移出原因", COMMON_REMOVAL_REASONS + ("其他（在下方填写）",), key=f"remove_preset_{mine['id']}")
    detail = st.text_input("原因说明或文号（可选）", key=f"remove_detail_{mine['id']}")
    reason = " ".join(part for part in (preset if not preset.startswith("其他") else "", detail.strip()) if part)
    if ui.confirmed("移出名录", f"remove_{mine['id']}",
                    f"确认将“{mine['name']}”标记为已移出？矿山不会被删除，其资料和修改记录保留，可凭原因恢复。",
                    confirm_label="确认移出", disabled=not reason):
        ui.write_then_rerun(lambda: registry.remove_mine(database, mine["id"], on, reason, mine["version"], ui.actor()),
                            f"已将“{mine['name']}”标记为已移出。", registry.RegistryError)


def history(database: Database, mine: dict[str, Any]) -> None:
    frame = registry.history(database, mine["id"])
    if frame.empty:
        st.caption("暂无修改记录。")
    else:
        st.dataframe(frame, hide_index=True, width="stretch")



def summary(mine: dict[str, Any]) -> None:
    """A mine in a narrow column (beside the map)."""
    shown = {key: plain(value) for key, value in mine.items()}
    st.markdown(f"**{shown['name']}**")
    st.markdown(
        f"采矿许可证号：{shown['licence_no']}  \n入库级别：{shown['level']}  \n"
        f"所在地：{shown['city']} {shown['county']}  \n开采矿种：{shown['mineral']}  \n开采方式：{shown['method']}  \n"
        f"生产规模：{plain(registry.as_text(mine['scale_value']))}{shown['scale_unit']} {shown['scale_class']}  \n"
        f"采矿权人：{shown['owner'] or '未填写'}  \n状态：{shown['status']}"
    )
    if mine["flag_problem"]:
        st.warning(f"问题线索：{shown['problem_desc'] or '未填写内容'}")
    if mine["flag_rectify"]:
        st.warning(f"“回头看”整改要求：{shown['rectify_demand'] or '未填写内容'}")
