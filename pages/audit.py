"""审计日志: every write of the app, who and when, old and new values; the chain's head to keep elsewhere, and
the chain verified on request, against a kept head if one is given."""

from datetime import date

import streamlit as st

import ui
from core import audit, exports
from core.exports import chinese_date
from ui.text import plain

database = ui.db()

st.title("审计日志")
st.caption("全程留痕：名录修改和导入、任务设置、抽取和重抽、核查组调换、核查记录的草稿、签字、提交和更正、核查影像、"
           "报告导出、设置修改，都按时间顺序追加在这里。日志只能追加；每条带有前一条的哈希，被改动或删除的日志在校验时会被指出。")
ui.show_flash()

f1, f2, f3, f4, f5 = st.columns([1, 1, 2, 1, 1])
who = f1.selectbox("操作人", ["", *audit.actors(database)], format_func=lambda a: a or "全部", key="audit_actor")
what = f2.selectbox("操作", ["", *audit.actions(database)], format_func=lambda a: a or "全部", key="audit_action")
text = f3.text_input("对象或内容包含", key="audit_text", placeholder="如采矿许可证号、字段名、文件名")
since = f4.date_input("起始日期", None, key="audit_since", format="YYYY-MM-DD")
until = f5.date_input("截止日期", None, key="audit_until", format="YYYY-MM-DD")
shown = audit.entries(database, who, what, text.strip(), since.isoformat() if since else "",
                      until.isoformat() if until else "")
if shown.empty:
    st.info("没有符合条件的日志。")
else:
    st.caption(f"显示最新的 {len(shown)} 条（最多 2000 条；请用筛选条件缩小范围）。")
    st.dataframe(shown, hide_index=True, width="stretch", key="audit_table", height=520,
                 column_config={"内容": st.column_config.TextColumn(width="large"),
                                "哈希": st.column_config.TextColumn(width="small")})
    ui.download_button(st, "导出为 Excel", lambda _: audit.export_xlsx(shown, "审计日志"),
                       file_name=ui.download_name(database, "绿矿核查审计日志", "xlsx", dated=True),
                       mime=exports.XLSX_MIME, key="audit_xlsx", export=("审计日志 Excel", f"{len(shown)} 条"))

st.subheader("日志链头")
st.caption("链头是最新一条日志的序号和哈希。请把下面一行抄写或打印，保存在本系统以外（如纸质台账）；日后填入下面再校验，"
           "就能发现末尾的日志被删除或整条日志链被改写。备份文件、报部材料的文件清单和核查报告的末页也记有生成时的链头。")
st.code(audit.head(database).kept(), language=None)
kept_text = st.text_input("另行保存的链头（可不填）", key="audit_kept_head",
                          placeholder="序号:哈希，哈希至少前 16 位，如 1234:9f3a1b2c4d5e6f70")

if st.button("校验日志链", type="primary", key="audit_verify"):
    try:
        kept = audit.parse_head(kept_text) if kept_text.strip() else None
    except audit.AuditError as unreadable:
        st.error(plain(unreadable))
    else:
        with st.spinner("正在逐条校验…"):
            result = audit.verify(database, kept)
        if result.ok:
            reached = f"，另行保存的链头（第 {kept.seq} 条）仍在链中" if kept else ""
            st.success(f"日志链完整：共 {result.entries} 条，逐条校验一致{reached}（{chinese_date(date.today())}）。")
        else:
            st.error("日志链校验发现问题：\n" + "\n".join(f"- {plain(p)}" for p in result.problems))
