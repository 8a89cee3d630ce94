"""Text typed by users or read from files is shown as it is: never a link, an image, coloured text, a formula
or a heading (issue 15, item 7). Every user-text field of the demo data holds a hostile text; every page is
opened as the roles that see it, and the Markdown of everything Streamlit renders as Markdown is checked."""

from __future__ import annotations

import json
import re

import pytest

from core import demo
from core.access import ADMIN, INSPECTOR, ORGANIZER
from core.db import FINAL_TRIGGERS
from tests.pages.conftest import account, button, shown
from ui.text import plain

HOSTILE = ("[会话已过期，请点此重新登录](http://10.1.2.3/login)![x](http://10.1.2.3/x.png) www.evil.cn a@evil.cn "
           ":red[红字]:material/home:$x^2$**粗体**~~删~~\n# 标题")
READABLE = "示例（集团）：“一号”矿"
# What a hostile text leaves in Markdown when it is not escaped (the escaped text has a backslash before
# each ASCII punctuation character and a joiner in each address, so it holds none of these).
LIVE = [re.compile(re.escape(marker)) for marker in (
    "](http", "![", "http://10.1.2.3", "www.evil", "@evil", ":red[", ":material/home", "$x^2$", "**粗体**", "~~删~~")
] + [re.compile(r"(?<!\\)# 标题")]

PUNCTUATION = r"[!-/:-@\[-`{-~]"  # ASCII
ELEMENT_TEXTS = ("body", "label", "help", "text", "delta", "caption")
PLAIN_ELEMENTS = {"text", "code", "html", "json"}
MARKDOWN_OPTIONS = {"radio"}


def markdown_sources(at) -> list[str]:
    """The Markdown of every element, label, help, tooltip and radio option the run drew."""
    found: list[str] = []

    def visit(node) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and hasattr(proto, "ListFields") and kind not in PLAIN_ELEMENTS:
            block = proto.WhichOneof("type") if "type" in proto.DESCRIPTOR.oneofs_by_name else None
            source = getattr(proto, block) if block and hasattr(getattr(proto, block), "ListFields") else proto
            for field, value in source.ListFields():
                if field.name in ELEMENT_TEXTS and isinstance(value, str):
                    found.append(value)
                elif field.name == "options" and kind in MARKDOWN_OPTIONS:
                    found.extend(value)
                elif field.name == "options" and kind == "button_group":
                    found.extend(option.content for option in value)
        for attribute in ("label",):  # expanders, tabs
            if isinstance(getattr(node, attribute, None), str):
                found.append(getattr(node, attribute))
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    found.extend(toast.proto.body for toast in at.toast)
    return found


def assert_escaped(at, where: str) -> None:
    assert not at.exception, at.exception
    live = [text for text in markdown_sources(at) if any(pattern.search(text) for pattern in LIVE)]
    assert not live, f"{where}: user text reaches Markdown unescaped: {live[:3]}"


def hostile_demo(database):
    """The demo campaign under way, then a hostile text in every field users type or files bring."""
    for role in (ORGANIZER, ADMIN):
        account(role)
    demo.demo_campaign(database)
    # A member of a team with a draft: the signing tab offers to sign for the others (代签).
    member, mine_id = database.execute(
        "SELECT m.inspector_id, r.mine_id FROM team_members m JOIN team_mines t USING (team_draw_id, team_no)"
        " JOIN records r ON r.licence_no = t.licence_no WHERE r.status = '草稿' LIMIT 1").fetchone()
    inspector = account(INSPECTOR, member)
    text = HOSTILE
    with database.conn:
        database.execute(
            "UPDATE mines SET name = ? || id || ?, owner = ?, listing_batch = ?, problem_desc = ?, problem_source = ?,"
            " rectify_demand = ?, removed_reason = ?, tags = ?", [READABLE, text, *[text] * 7])
        database.execute("UPDATE inspectors SET name = name || ?, unit = unit || ?, conflicts = ?", [text] * 3)
        database.execute("UPDATE users SET name = name || ?", [text])
        database.execute("UPDATE campaigns SET title = title || ?, basis = ?, photo_areas = ?,"
                         " rules = json_set(rules, '$.note', ?)",
                         [text, json.dumps([{"title": text, "number": text}], ensure_ascii=False),
                          json.dumps(["矿容矿貌", text], ensure_ascii=False), text])
        database.execute("DROP TRIGGER draws_final_update")
        database.execute("UPDATE draws SET witness_input = ?", [text])
        database.execute(FINAL_TRIGGERS["draws_final_update"])
        database.execute(
            "UPDATE records SET updated_by = ?, submitted_by = CASE submitted_by WHEN '' THEN '' ELSE ? END,"
            " content = json_set(content, '$.remarks', ?, '$.opinions', ?, '$.main_problems', ?,"
            " '$.rectify_measures', ?, '$.area0_problems', ?)", [text] * 7)
        database.execute("UPDATE evidence SET caption = ?, filename = ?, device = ?, uploaded_by = ?", [text] * 4)
        database.execute("UPDATE rectifications SET measures = ?, contact = ?", [text] * 2)
        database.execute("UPDATE rectification_items SET problem = ?, area = ?, measure = ?, note = ?", [text] * 4)
        database.execute("UPDATE removals SET reason = ?", [text])
    return inspector, mine_id


def test_plain_shows_text_as_typed() -> None:
    """Every ASCII punctuation character is escaped; what the escaped text renders (the escapes undone, the
    invisible joiners dropped) is the text; Chinese text and full-width punctuation pass unchanged."""
    for text in (HOSTILE.replace("\n", " "), READABLE, "湖北省示例矿业（集团）有限公司第1号矿；“名称”：测试，100%。",
                 "a -> b <- c -- d >= e", "C4200002009115120012345", "<img src=x> &amp; \\ | ` ~"):
        escaped = plain(text)
        assert not re.search(PUNCTUATION, re.sub(r"\\" + PUNCTUATION, "", escaped)), escaped
        assert shown(escaped) == text
    assert plain(READABLE) == READABLE
    assert plain("一\n# 二\r\n  - 三") == r"一 \# 二 \- 三"
    assert plain("一\n\n    # 二", lines=True) == "一  \n\\# 二"
    assert plain(None) == ""


@pytest.mark.timeout(600)
def test_no_user_text_reaches_markdown_unescaped(open_page, database) -> None:
    inspector, its_mine = hostile_demo(database)
    organizer, admin = account(ORGANIZER), account(ADMIN)
    for page in ("pages/overview.py", "pages/map.py", "pages/register_import.py", "pages/sampling.py",
                 "pages/account.py"):
        assert_escaped(open_page(page, user=organizer), page)
    for page in ("pages/accounts.py", "pages/settings.py", "pages/audit.py"):
        assert_escaped(open_page(page, user=admin), page)

    at = open_page("pages/register.py", user=organizer)
    at.session_state["selected_mine"] = database.execute("SELECT min(id) FROM mines").fetchone()[0]
    at.run()
    assert_escaped(at, "register: a mine")
    assert at.subheader[0].value.startswith(READABLE)  # a name that needs no escaping is shown unchanged
    button(at, "移出名录").click().run()
    assert_escaped(at, "register: its removal asked")

    at = open_page("pages/inspectors.py", user=organizer)
    at.selectbox(key="inspector_pick").set_value(database.execute("SELECT min(id) FROM inspectors").fetchone()[0]).run()
    assert_escaped(at, "inspectors: one chosen")

    with_photos = database.execute("SELECT min(r.mine_id) FROM records r JOIN evidence e ON e.record_id = r.id").fetchone()[0]
    for user, mine_id in ((organizer, with_photos), (inspector, its_mine)):
        at = open_page("pages/inspections.py", user=user)
        assert_escaped(at, f"inspections as {user.role}")
        at.selectbox(key="rec_mine").set_value(mine_id).run()
        for tab in ("基本信息", "六个方面核查情况", "结论与处理", "核查影像", "签字与提交", "版本与更正"):
            at.session_state["rec_tabs"] = tab
            at.run()
            assert_escaped(at, f"inspections as {user.role}: {tab}")

    at = open_page("pages/reports.py", user=organizer)
    for tab in ("结果汇总表（附表）", "核查报告（附件2）", "报部材料", "公开结果（一公开）"):
        at.session_state["rep_tabs"] = tab
        at.run()
        assert_escaped(at, f"reports: {tab}")

    at = open_page("pages/followup.py", user=organizer)
    assert_escaped(at, "follow-up")
    at.selectbox(key="fu_case").set_value(database.execute("SELECT min(id) FROM rectifications").fetchone()[0]).run()
    assert_escaped(at, "follow-up: a case")
    at.radio(key="fu_view").set_value("移出").run()
    assert_escaped(at, "follow-up: removals")
    at.selectbox(key="fu_removal").set_value(
        database.execute("SELECT min(id) FROM removals WHERE closed_at = ''").fetchone()[0]).run()
    assert_escaped(at, "follow-up: a removal")
