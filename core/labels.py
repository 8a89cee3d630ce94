"""The Chinese vocabulary of the notice and its forms, in one place for pages, imports and exports."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("国家级", "省级", "市级", "县级")
METHODS = ("露天开采", "地下开采", "露天-地下联合开采")
SCALE_CLASSES = ("大型", "中型", "小型")
SCALE_UNITS = ("万吨/年", "万立方米/年", "亿立方米/年")
STATUS_LISTED = "在册"
STATUS_REMOVED = "已移出"
STATUSES = (STATUS_LISTED, STATUS_REMOVED)
OPEN_PIT = "露天开采"

# Priority categories of the notice ("对露天开采、有问题线索反映、“回头看”提出整改要求的绿色矿山开展重点核查").
FLAG_OPEN_PIT = "露天开采"
FLAG_PROBLEM = "问题线索"
FLAG_RECTIFY = "回头看整改要求"
FLAGS = (FLAG_OPEN_PIT, FLAG_PROBLEM, FLAG_RECTIFY)


@dataclass(frozen=True)
class Field:
    """A column of the register: its key in the database, its label, and how imports may spell it."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field("licence_no", "采矿许可证号", ("许可证号", "采矿证号", "采矿许可证编号", "采矿许可证", "证号", "采矿证编号",
                                         "许可证编号", "采矿许可证号码"), True),
    Field("name", "矿山名称", ("矿山名", "矿山", "矿山全称", "名称"), True),
    Field("owner", "采矿权人", ("矿权人", "企业名称", "采矿权人名称", "矿山企业", "矿业权人", "企业")),
    Field("level", "入库级别", ("级别", "名录级别", "绿色矿山级别", "入库等级", "层级", "入库层级"), True),
    Field("listing_year", "入库年份", ("入库年度", "年份", "入选年份", "遴选年份")),
    Field("listing_batch", "入库批次", ("批次", "入库批次/文号")),
    Field("province", "省", ("省份", "所在省", "省（区、市）", "省(区、市)")),
    Field("city", "市", ("地市", "所在市", "市（州）", "市(州)", "地级市", "市州", "设区市", "州市", "盟市", "地州市",
                        "所在市（州）", "市（地、州、盟）"), True),
    Field("county", "县", ("区县", "县（市、区）", "县(市、区)", "所在县", "县区", "县市区", "旗县", "旗县区", "旗县市区",
                          "所在县（市、区）", "县（市、旗、区）")),
    Field("county_code", "县级行政区划代码", ("行政区划代码", "区划代码", "县代码", "县级代码", "县区代码", "县行政区划代码",
                                         "县级区划代码")),
    Field("mineral", "开采矿种", ("矿种", "主矿种", "开采主矿种", "主要矿种", "矿产", "开采矿产"), True),
    Field("method", "开采方式", ("开采方法", "采矿方式", "采矿方法"), True),
    Field("scale", "生产规模", ("设计生产规模", "生产规模（万吨/年）", "生产规模(万吨/年)", "规模", "设计规模",
                            "生产能力", "设计生产能力", "核定生产能力", "开采规模")),
    Field("scale_unit", "规模单位", ("生产规模单位", "单位")),
    Field("scale_class", "规模类型", ("规模类别", "矿山规模", "大中小型", "规模等级")),
    Field("lon", "经度", ("中心经度", "东经", "经度（°）", "X坐标(经度)", "坐标(经度)", "中心点经度", "矿区中心经度")),
    Field("lat", "纬度", ("中心纬度", "北纬", "纬度（°）", "Y坐标(纬度)", "坐标(纬度)", "中心点纬度", "矿区中心纬度")),
    Field("flag_problem", "问题线索", ("有问题线索", "是否有问题线索", "问题线索反映")),
    Field("problem_desc", "问题线索描述", ("问题线索内容", "线索描述", "问题描述")),
    Field("problem_source", "线索来源", ("问题线索来源",)),
    Field("flag_rectify", "回头看整改要求", ("回头看整改", "是否有整改要求", "回头看提出整改要求")),
    Field("rectify_demand", "整改要求内容", ("回头看整改要求内容", "整改要求", "整改内容")),
    Field("tags", "其他重点核查类别", ("重点核查标签", "其他重点类别", "重点核查类别")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}

# Labels of stored columns not in the import template.
COLUMN_LABELS = {
    **{f.key: f.label for f in FIELDS},
    "id": "编号",
    "province_code": "省代码",
    "city_code": "市代码",
    "scale_value": "生产规模",
    "standard": "适用行业标准",
    "status": "状态",
    "removed_date": "移出日期",
    "removed_reason": "移出原因",
    "version": "版本",
    "created_at": "创建时间",
    "updated_at": "更新时间",
}

YES = "是"
NO = "否"


def yes_no(value: bool | int) -> str:
    return YES if value else NO


# The inspection record (附件1 国家级绿色矿山核查记录表).
AREAS = ("矿区环境", "资源开发方式", "资源综合利用", "节能减排", "科技创新与数字化矿山", "企业管理与企业形象")
FOUND = "发现问题"
NONE_FOUND = "未发现问题"
FINDINGS = (FOUND, NONE_FOUND)
KEEP = "保留"
RECTIFY = "整改"
REMOVE = "移出"
CONCLUSIONS = (KEEP, RECTIFY, REMOVE)
DRAFT = "草稿"
SUBMITTED = "已提交"
