"""Behaviour of the rule-based risk signals (zhili.triage.signals).

The sentences are written for these tests, not taken from the training corpus.
"""

import pytest

from zhili.triage.signals import SIGNALS, Hit, detect, parse_count, risk_of


def hit_for(text: str, code: str) -> Hit | None:
    return next((hit for hit in detect(text) if hit.code == code), None)


# (code, text, expected span text): the signal fires and points at the words that show it.
POSITIVES = [
    ("threat", "他站在我家院坝头喊，说明天再不还钱就砍死我。", "砍死"),
    ("threat", "那个包工头放话说哪个敢去劳动监察就弄死哪个。", "弄死"),
    ("threat", "我跟他说清楚了，再拖我就去他屋头跟他同归于尽。", "同归于尽"),
    ("threat", "他说要把我的车子和房子一起点了。", "要把我的车子和房子一起点了"),
    ("weapon", "隔壁那个人提起一把菜刀在楼道里头追人。", "提起一把菜刀"),
    ("weapon", "对方从车上拿了根钢管下来，在路边比划。", "拿了根钢管"),
    ("weapon", "他手持斧头守在地边上不准我们过去。", "手持"),
    ("violence", "两个人在菜市场打起来了，有一个头上在流血，已经喊了120。", "打起来"),
    ("violence", "他一拳打过来，我鼻子出血了，现在在医院缝针。", "一拳"),
    ("violence", "三个人正在打我兄弟，就在网吧门口。", "正在打我"),
    ("domestic_violence", "我老公昨晚喝了酒又打我，脸上全是肿的。", "喝了酒又打我"),
    ("domestic_violence", "我儿媳经常打她婆婆，老人手上全是青的。", "打她"),
    ("domestic_violence", "结婚五年了，他动不动就掐我脖子，我想申请保护令。", "掐我脖子"),
    ("self_harm", "我真的不想活了，药都买好了放在柜子里头。", "不想活"),
    ("self_harm", "他说再不给工钱就从塔吊上跳下去。", "就从塔吊上跳下去"),
    ("self_harm", "我妈说房子拆了她就喝农药，瓶子都拿出来了。", "喝农药"),
    ("danger_to_life", "楼道里好大一股天然气味道，敲门没人应。", "天然气味"),
    ("danger_to_life", "对面的饭馆着火了，烟子好大，楼上还有人。", "着火了"),
    ("danger_to_life", "挡土墙往外鼓，随时可能垮下来，下面还有人在走。", "往外鼓"),
    ("danger_to_life", "电梯困人半个小时了，里面有个老人喘不上气。", "困人"),
    ("group_10_plus", "我们二十几户村民约好明天一起去县政府门口拉横幅。", "二十几户村民"),
    ("group_10_plus", "全村的人都商量好了明天一起去堵厂门口。", "全村"),
    ("group_10_plus", "约五十名业主聚集在物业门口不肯走。", "五十名业主"),
    ("group_3_to_9", "我们五户人家联名反映楼上漏水的事。", "五户人"),
    ("group_3_to_9", "三四户村民一起到镇上来反映鸡场的臭味。", "三四户村民"),
    ("group_wage_arrears", "我们八个工人的工资老板拖欠了三个月，一分没给。", "工资老板拖欠了三个月，一分没给"),
    ("group_wage_arrears", "老板跑了，欠我们班组十二个人两个月工资。", "欠我们班组十二个人两个月工资"),
    ("repeated_report", "这是我第三次打12345反映了，还是没人管。", "第三次"),
    ("repeated_report", "噪音的事我上个月就反映过，到现在都没有下文。", "上个月就反映过"),
    ("heated_conflict", "他在楼道头骂了我一个钟头，还把我门口的花盆砸了。", "骂"),
    ("heated_conflict", "两家人在院坝里吵起来了，推了几下，没有人受伤。", "吵起来"),
    ("vulnerable_unattended", "隔壁的婆婆八十多了，一个人住，儿女都在外地，几天没人管了。", "一个人住"),
    ("vulnerable_unattended", "娃儿的爸妈都在外地打工，爷爷住院了，娃儿一个人在屋头。", "一个人在"),
    ("deadline_at_risk", "法院通知明天上午就开庭，我还没有找到律师。", "明天上午就开庭"),
    ("deadline_at_risk", "仲裁时效只剩三天了，公司还在拖。", "时效只剩"),
    (
        "deadline_at_risk",
        "老板说好月底前结清工资，现在都下个月十号了还没给。",
        "说好月底前结清工资，现在都下个月十号了",
    ),
]


@pytest.mark.parametrize(("code", "text", "span"), POSITIVES)
def test_signal_fires_with_its_span(code: str, text: str, span: str) -> None:
    hit = hit_for(text, code)
    assert hit is not None, f"{code} missed"
    assert hit.text == span
    assert text[hit.start : hit.end] == hit.text
    assert hit.level == SIGNALS[code]


def test_every_signal_has_positive_examples() -> None:
    assert {code for code, _, _ in POSITIVES} == set(SIGNALS)


# Look-alikes: alarming words that are denied, joked, figurative, long settled or false alarms.
NEGATIVES = [
    "他嘴巴上说要砍死我，后来自己也说是开玩笑的。",
    "我是说过要跟他拼命，那是气话，我不会乱来。",
    "他扬言要弄死我是五年前的事了，早就和好了。",
    "气死我了，这个物业简直不像话。",
    "跳楼价清仓的那家店跑路了，我的会员卡退不到。",
    "我不会去跳楼的，就是想把钱要回来。",
    "我老汉儿年轻时候打过我妈，那都是三十年前的事了，早就和好了。",
    "我们两口子吵是吵过，但他从来没打过我。",
    "厨房有股味道，以为是天然气漏了，燃气公司来测了说没得问题。",
    "万一哪天着火了，消防车都进不来。",
    "我们小区有三百多户人家，物业费涨了，我一个人来问一下。",
    "我们兄妹三个想把老房子的继承公证办了。",
    "他拿锄头在地里挖地，准备种玉米。",
    "我第一次来反映这个事。",
    "我们家有个八十岁的老人，儿女都在身边照顾得好好的。",
    "医生说我爸要开刀，我们想问下医疗保险。",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_look_alikes_raise_no_red_signal(text: str) -> None:
    hits = detect(text)
    assert risk_of(hits) != "red", hits


@pytest.mark.parametrize(
    "text",
    [
        "我不会去跳楼的，就是想把钱要回来。",
        "跳楼价清仓的那家店跑路了。",
        "她说活起没意思，那是前年的事了，现在治好了，已经好了。",
    ],
)
def test_no_self_harm_in_denials_and_figures_of_speech(text: str) -> None:
    assert hit_for(text, "self_harm") is None


def test_fight_with_no_injury_is_heated_not_violence() -> None:
    text = "两家人为了车位在楼下吵起来了，推推搡搡的，没有人受伤。"
    codes = {hit.code for hit in detect(text)}
    assert "violence" not in codes
    assert "heated_conflict" in codes


def test_violence_in_the_family_is_only_domestic_violence() -> None:
    codes = {hit.code for hit in detect("我男人又打我，把我头打破了，流了好多血，现在在医院。")}
    assert "domestic_violence" in codes
    assert "violence" not in codes


def test_a_neighbours_son_beating_me_is_violence_not_domestic() -> None:
    codes = {hit.code for hit in detect("隔壁他儿子出来把我打了一顿，肋骨骨折了，现在住院。")}
    assert "violence" in codes
    assert "domestic_violence" not in codes


@pytest.mark.parametrize(
    ("numeral", "count"),
    [
        ("五", 5),
        ("十", 10),
        ("十一", 11),
        ("十几", 10),
        ("二十几", 20),
        ("二三十", 20),
        ("三四", 3),
        ("四五十", 40),
        ("几十", 20),
        ("上百", 100),
        ("一百多", 100),
        ("100多", 100),
        ("32", 32),
        ("两", 2),
        ("好几", 3),
    ],
)
def test_parse_count(numeral: str, count: int) -> None:
    assert parse_count(numeral) == count


@pytest.mark.parametrize(
    ("text", "code", "count"),
    [
        ("我们二三十户人家商量好了一起去镇上反映。", "group_10_plus", 20),
        ("十几个工人拦在工地门口讨薪。", "group_10_plus", 10),
        ("我们五个人一起来申请调解。", "group_3_to_9", 5),
        ("全体业主约好周六一起去住建局。", "group_10_plus", None),
    ],
)
def test_group_size_decides_the_group_signal(text: str, code: str, count: int | None) -> None:
    hit = hit_for(text, code)
    assert hit is not None
    assert hit.count == count
    other = "group_3_to_9" if code == "group_10_plus" else "group_10_plus"
    assert hit_for(text, other) is None


def test_a_group_merely_mentioned_is_no_group_signal() -> None:
    hits = detect("我们村有两百多户人家，我想问下低保咋个申请。")
    assert not any(hit.code.startswith("group_") for hit in hits)


def test_several_workers_owed_wages_give_both_signals() -> None:
    codes = {hit.code for hit in detect("我们六个工人在工地干了三个月，老板一直拖欠工资不给。")}
    assert {"group_wage_arrears", "group_3_to_9"} <= codes


def test_one_worker_owed_wages_is_no_group() -> None:
    codes = {hit.code for hit in detect("老板欠我三个月工资，电话也不接。")}
    assert not codes & {"group_wage_arrears", "group_3_to_9", "group_10_plus"}


def test_hits_are_unique_per_code_and_in_text_order() -> None:
    text = "他又拿起菜刀追我，说要砍死我。我第二次打电话了，他还拿刀在门口晃，说要砍死我全家。"
    hits = detect(text)
    codes = [hit.code for hit in hits]
    assert len(codes) == len(set(codes))
    assert [hit.start for hit in hits] == sorted(hit.start for hit in hits)
    assert {"weapon", "threat", "repeated_report"} <= set(codes)


def test_risk_of_follows_the_rubric() -> None:
    red = Hit("threat", "red", 0, 2, "砍死")
    yellow = Hit("repeated_report", "yellow", 3, 6, "第三次")
    assert risk_of([]) == "green"
    assert risk_of([yellow]) == "yellow"
    assert risk_of([yellow, red]) == "red"
    assert risk_of(detect("楼上漏水，想请社区帮忙协调一下。")) == "green"


def test_signals_lists_all_thirteen_codes_with_their_levels() -> None:
    assert len(SIGNALS) == 13
    assert {code for code, level in SIGNALS.items() if level == "red"} == {
        "threat",
        "weapon",
        "violence",
        "domestic_violence",
        "self_harm",
        "group_10_plus",
        "danger_to_life",
    }


def test_a_100_kb_text_is_processed() -> None:
    chunk = "来电人反映：楼上漏水三个月了，第三次反映，我们五户人家联名，老板欠我们工资，他说要砍死我。"
    text = chunk * (100_000 // len(chunk.encode("utf-8")) + 1)
    hits = detect(text)
    assert len(hits) == len({hit.code for hit in hits})
    assert all(text[hit.start : hit.end] == hit.text for hit in hits)


def test_empty_and_plain_texts() -> None:
    assert detect("") == []
    assert detect("你好") == []
