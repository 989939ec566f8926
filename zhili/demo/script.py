"""The demo's script: reporters' names, how matters arrive, which scenarios a matter of a given age
plays, and the words of answers and reasons. Everything here is invented."""

from __future__ import annotations

from zhili.matters.choices import Channel
from zhili.matters.choices import EventKind as E

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = (  # noqa: SIM905 - names read better as one string
    "秀兰 建国 桂英 志明 淑芬 海燕 德华 玉珍 国强 丽娟 建华 春梅 永红 文军 晓东 婷婷 俊杰 雪梅 明亮 小红 "
    "家豪 思雨 长青 金凤 光荣 慧敏 子涵 树林 红霞 大勇 凤英 学军 宇航 静怡 世平 兰芳"
).split()
STAFF_CHANNELS = (Channel.WALK_IN, Channel.HOTLINE, Channel.IMPORT)
CHANNEL_WEIGHTS = {
    Channel.WALK_IN: 20,
    Channel.HOTLINE: 25,
    Channel.WEB: 14,
    Channel.MOBILE: 16,
    Channel.GRID_WORKER: 15,
    Channel.API: 4,
    Channel.OPEN311: 3,
    Channel.IMPORT: 3,
}
# Scenarios by the matter's age in days: (upper bound of age, {scenario: weight}).
SCENARIOS: tuple[tuple[float, dict[str, int]], ...] = (
    (1, {"new": 30, "dispatched": 28, "in_progress": 20, "merged": 8, "returned": 6, "waiting": 4, "supervised": 4}),
    (
        7,
        {
            "dispatched": 8,
            "in_progress": 20,
            "waiting": 8,
            "returned": 5,
            "answered": 15,
            "closed": 18,
            "merged": 5,
            "supervised": 6,
            "extension_requested": 6,
            "escalated": 5,
            "new": 4,
        },
    ),
    (
        15,
        {
            "in_progress": 10,
            "answered": 10,
            "closed": 38,
            "reopened": 12,
            "supervised": 7,
            "extension_granted": 8,
            "escalated": 5,
            "merged": 4,
            "late": 4,
            "waiting": 2,
        },
    ),
    (
        10_000,
        {
            "closed": 74,
            "closed_unreached": 4,
            "escalated": 5,
            "late": 7,
            "merged": 4,
            "answered": 1,
            "extension_granted": 3,
            "supervised": 2,
        },
    ),
)
ANSWERS = (
    "经调查核实，已协调相关方达成一致，问题已解决。",
    "已现场查看并督促整改，整改已完成，后续将加强巡查。",
    "已组织双方调解，签订调解协议，协议已履行。",
    "已依法告知办理途径和所需材料，并协助提交申请。",
    "已联系责任单位处理，处理结果已电话告知反映人。",
)
REASONS: dict[str, tuple[str, ...]] = {
    E.RETURNED: ("该事项不属于本单位职责范围，请重新分办。", "地址不在本辖区，请核实后重新分办。"),
    E.ESCALATED: ("涉及多个部门，本级难以协调化解，提请上级协调。", "当事人矛盾激化，需上级统筹处置。"),
    E.SUPERVISED: ("群众多次反映，请加快办理并按期回复。", "风险较高，请包案领导亲自过问。"),
    E.EXTENSION_REQUESTED: ("需等待相关鉴定结论，申请延期办理。", "涉及多方主体，协调时间较长，申请延期。"),
    E.MERGED: ("与在先事项反映的是同一问题，合并办理。",),
    E.REOPENED: ("反映人对答复不满意，问题尚未解决，重新办理。",),
    E.CLOSED: ("多次回访未能联系上反映人，按规定办结。",),
    E.WAITING: ("已告知反映人补充相关证明材料，等待补充。",),
    E.TRANSFERRED: ("经核实属其他单位职责，转交办理。",),
}
