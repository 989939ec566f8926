"""Explainable risk signals of triage (风险信号): the rule-based safety net.

Every report text is scanned for the 13 risk signals of ``data/RUBRIC.md`` with small, commented
regular expressions. A match counts only when the text says the thing is happening, has happened,
is threatened or is planned: a match is dropped when its clause denies it (不会, 没有, 不是 …),
makes it remote (万一, 假如), calls it a joke or words said in anger (开玩笑, 气话), or when its
sentence places it long ago and settled (三年前 … 早就和好了).

No model and no third-party package: the rules must stay readable by the centre's staff and run at
tens of thousands of texts a second. For speed every pattern is built (by ``_rx``) so that each of
its top-level branches starts with a literal character: Python's engine then jumps straight to the
few positions where a branch can begin instead of trying every branch at every position.

The API (``Hit``, ``detect``, ``SIGNALS``, ``risk_of``) is used by the rest of triage; keep it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

RED = "red"
YELLOW = "yellow"
GREEN = "green"

# code -> level, in the rubric's order.
SIGNALS: dict[str, str] = {
    "threat": RED,
    "weapon": RED,
    "violence": RED,
    "domestic_violence": RED,
    "self_harm": RED,
    "group_10_plus": RED,
    "danger_to_life": RED,
    "group_3_to_9": YELLOW,
    "group_wage_arrears": YELLOW,
    "repeated_report": YELLOW,
    "heated_conflict": YELLOW,
    "vulnerable_unattended": YELLOW,
    "deadline_at_risk": YELLOW,
}


@dataclass(frozen=True)
class Hit:
    code: str  # signal code, a key of SIGNALS
    level: str  # "red" | "yellow"
    start: int  # span in the text, [start, end)
    end: int
    text: str  # text[start:end]
    count: int | None = None  # head count for group signals when stated


def risk_of(hits: Iterable[Hit]) -> str:
    """The rubric's rule: red if any red signal, else yellow if any yellow one, else green."""
    levels = {hit.level for hit in hits}
    if RED in levels:
        return RED
    if YELLOW in levels:
        return YELLOW
    return GREEN


# --------------------------------------------------------------------------------------------
# Context: clauses, negation, hypotheticals, long-ago-and-settled.
# --------------------------------------------------------------------------------------------

_CLAUSE_BREAK = "，,。！!？?；;\n、 …~"
_SENTENCE_BREAK = "。！!？?；;\n"
_SENTENCE_END = re.compile("[。！!？?；;\n]")

# Words that, shortly before a match in the same clause, deny it or make it remote.
_NEGATION_BEFORE = re.compile(
    r"(?:不会|不可能|不得|没有|没得|莫得|没|莫|不是|并非|从来没|从没|从未|未曾|未|无|不要|别"
    r"|万一|假如|假设|假使|要是以后|以防)"
    r"[^，。！？；]{0,3}$"
)
# Negators that are not negations of what follows ("没想到他拿刀…", "要不是…").
_NOT_A_NEGATION = re.compile(
    r"(?:没想到|没办法|没法|不是第一|要不是|没人|莫想|没完|无人|没多久|没几天|不得了)[^，。！？；]{0,5}$"
)

# In the rest of the sentence: the speaker takes it back.
_RETRACTION_AFTER = re.compile(
    r"开玩笑|开耍|说起耍|说着玩|说说而已|气话|气头上|不会乱来|不会那样|忍住了|乱说|醉话|吓唬|吓我的|嘴巴上说说|嘴上说说|吓我们|吓人|说来吓|那种话|不是真的|不会真的|没得这回事|虚惊一场|误报|假警报|没有泄漏|没漏"
)

# Long ago ...
_LONG_AGO = re.compile(
    r"那天|后来|后头|当时|\d+年前|[几两三四五六七八九十多]+年前|好几年前|当年|那时候|年轻时|小时候|早年|去年|前年|以前|那是"
)
# ... and settled.
_SETTLED = re.compile(
    r"和好|解决了|了结|调解好|调解了|早都过去|早就过去|过去了|没事了|没得事了|好多了|已经好了|道了歉|写了协议|判了|赔完|赔了钱|谅解|签了协议|改好了|再没动过手|没再动手|已由[^，。]{0,6}调解|已经调解|关系还可以|关系好|签字了|签了字"
)


def _clause_before(text: str, start: int, width: int = 10, breaks: str = _CLAUSE_BREAK) -> str:
    """Up to ``width`` characters before ``start``, cut at the last clause (or other) break."""
    window = text[max(0, start - width) : start]
    for i in range(len(window) - 1, -1, -1):
        if window[i] in breaks:
            return window[i + 1 :]
    return window


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end): from after the previous 。！？； to the next one."""
    left = max(text.rfind(ch, 0, start) for ch in _SENTENCE_BREAK) + 1
    found = _SENTENCE_END.search(text, end)
    return left, found.start() if found else len(text)


def _retracted(span: str) -> bool:
    """A retraction in ``span``, unless itself denied: "不像是开玩笑" is not a joke."""
    return any(
        not span[max(0, m.start() - 3) : m.start()].endswith(("不是", "不像", "不像是", "像是"))
        for m in _RETRACTION_AFTER.finditer(span)
    )


def _is_negated(text: str, start: int, end: int) -> bool:
    """True when the match at [start, end) is denied, hypothetical, retracted or long settled."""
    before = _clause_before(text, start)
    if _NEGATION_BEFORE.search(before) and not _NOT_A_NEGATION.search(before):
        return True
    left, right = _sentence_bounds(text, start, end)
    # The next sentence often carries the retraction ("…弄死我。开玩笑的").
    after = text[end : min(len(text), right + 30)]
    if _retracted(after) or _retracted(text[left:start]):
        return True
    around = text[max(0, left - 30) : min(len(text), right + 40)]
    return bool(_LONG_AGO.search(around) and _SETTLED.search(around))


# --------------------------------------------------------------------------------------------
# Shared vocabulary.
# --------------------------------------------------------------------------------------------

# Family and couple members who may be the hitter in domestic violence.
_FAMILY = (
    r"老公|丈夫|男人|老婆|婆娘|媳妇|妻子|前夫|前妻|儿子|儿媳|女婿|姐夫|妹夫|爸爸|爸|父亲|老汉儿|妈妈|母亲|"
    r"后妈|继父|家长|公公|婆婆|大哥|哥哥|弟弟|嫂嫂|弟媳|两口子|女的|他爸|孩子父亲"
)
# Weapons and things used as weapons in a fight.
_WEAPON = (
    r"菜刀|砍刀|柴刀|弯刀|杀猪刀|水果刀|尖刀|匕首|刀子|刀|斧头|斧子|枪|汽油|雷管|炸药|硫酸|钢管|铁棍|铁棒|"
    r"木棒|棍子|锄头|锄把|扁担|啤酒瓶子|啤酒瓶|酒瓶|板凳|砖头|钢钎"
)
# Verbs of holding or fetching something.
_HOLD = r"拿|提|持|举|扬起|扛|带|握|揣|抄|拎|操|掏|摸出|抽出"


def _top_level_branches(pattern: str) -> list[str]:
    """Split a pattern at its top-level ``|`` (outside groups and classes)."""
    branches: list[str] = []
    current: list[str] = []
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    branches.append("".join(current))
    return branches


_LEADING_CHOICE = re.compile(r"^\(\?:([^()\[\]\\?*+{}]+)\)")


def _rx(*alternatives: str) -> re.Pattern[str]:
    """One pattern from several alternatives, written so that every branch starts with a literal.

    Python's regex engine then skips straight to the positions where one of those first characters
    occurs, which makes a scan several times faster. A leading choice such as ``(?:就|要)X`` is
    distributed into ``就X|要X`` for that reason.
    """
    branches: list[str] = []
    for alternative in alternatives:
        for branch in _top_level_branches(alternative):
            choice = _LEADING_CHOICE.match(branch)
            if choice:
                rest = branch[choice.end() :]
                branches.extend(word + rest for word in choice.group(1).split("|"))
            else:
                branches.append(branch)
    return re.compile("|".join(branches))


@dataclass(frozen=True)
class _Rule:
    """One signal's patterns; every top-level branch starts with a literal, so a scan is cheap."""

    code: str
    pattern: re.Pattern[str]
    negatable: bool = True
    # Extra check on the whole text and the match, for rules that need wider context.
    accept: Callable[[str, re.Match[str]], bool] | None = None


def _first(text: str, rule: _Rule) -> re.Match[str] | None:
    for match in rule.pattern.finditer(text):
        if rule.negatable and _is_negated(text, match.start(), match.end()):
            continue
        if rule.accept is not None and not rule.accept(text, match):
            continue
        return match
    return None


# --------------------------------------------------------------------------------------------
# Red signals.
# --------------------------------------------------------------------------------------------

# Said as an intent, not suffered: a marker of will before the harm, and no 被/遭 in between.
_INTENT_BEFORE = re.compile(r"(?:就|要|敢|会|扬言|放话|威胁|迟早|老子)[^被遭]*$")
# A hoe held to dig a field is not a weapon.
_FARM_WORK = re.compile(r"^[^，。]{0,4}(?:挖地|种地|干活|下地|锄草|做饭|切菜|杀年猪|杀猪)")
_THREAT = _Rule(
    "threat",
    _rx(
        # The unmistakable ones.
        r"同归于尽|拼命|(?:要|取)(?:你|他|她|我|你们|他们|我们)(?:的|一家的)?(?:命|狗命)|我要他的命|"
        r"泼(?:你|她|他|我)?硫酸|见血|不是你死就是我活",
        # "Whoever does X, I'll cut whoever": 哪个敢来…就砍哪个.
        r"哪个[^。！？]{0,14}就(?:砍|捅|杀|弄|打|收拾)哪个|走一个打一个",
        # Burning or blowing up what is theirs, said as an intent: 就把他店子烧了, 要把房子点了.
        r"(?:就|要|去|会)[“\"]?(?:[^，。！？]{0,6}[去来])?把[^，。！？]{1,12}(?:点了|烧了|炸了|砍了|砸了|脑壳挖了)",
        r"(?:我|老子)[^，。！？]{0,3}(?:砍死|弄死|杀了|杀死|捅死|打死)(?:你|他|她)|偿命",
        r"(?:莫想|别想)好过|(?:也|都|绝)不放过|(?:莫想|别想)走|走不出这|(?:路上|出门|走夜路)[^，。]{0,2}小心|"
        r"让你[^，。]{0,8}(?:下不了床|见不得人|好看)",
        # Going to fetch a knife or petrol for someone: 明天我就拿刀去工地找他.
        rf"(?:就|要)[“\"]?(?:{_HOLD})[^，。]{{0,3}}(?:刀|汽油|斧头|炸药)(?:去|来)",
        # Veiled threats with a known address: 我晓得他屋在哪里 / 出门小心点 / 找人收拾你.
        r"(?:晓得|知道)(?:你|他|她|你们|他们|我们|我)?(?:住|屋|家)(?:在)?(?:哪|哪里|哪儿|哪个)|出门小心|你等到起|"
        r"(?:晓得|知道)[^，。]{1,6}在哪(?:里|儿|个)[^，。]{0,2}(?:上班|上学|读书)|(?:待|混|活)不下去(?!了)",
        r"找人(?:来|到|把)?[^，。]{0,8}(?:收拾|打断|弄死|屋头去)",
    ),
    # 差点被车撞死 is a fright, not a threat.
    accept=lambda text, m: not re.search(r"[被遭]", m.group()),
)
# A stated intent to kill, maim, burn or blow up: 就/要/敢/扬言 … 砍死/弄死/炸了/卸一条腿.
_THREAT_INTENT = _Rule(
    "threat",
    re.compile(
        r"砍死|弄死|整死|挖死|杀了|杀死|捅死|打死|撞死|杀人(?!犯)|杀(?:你|他|她)|砍(?:你|我|他|她|人)|捅(?:你|我|他|她|人)|"
        r"炸了|炸掉|一把火|烧(?:你|他|她|我)?(?:的|家的)?(?:房子|店|厂)|收拾(?:你|他|她)|"
        r"腿(?:给[你他她])?打断(?!了)|打断[^，。]{0,3}腿|卸[^，。]{0,3}(?:腿|手)|弄(?:我|你|他)(?!的)|"
        r"大家都莫过|跑不脱|就砍(?=[”\"」，。！])|捅了|一起烧|埋在|人也[^，。]{0,3}收拾"
    ),
    accept=lambda text, m: bool(_INTENT_BEFORE.search(_clause_before(text, m.start(), 16, _SENTENCE_BREAK))),
)

_WEAPON_RULE = _Rule(
    "weapon",
    _rx(
        # Held or fetched: 拿起把菜刀, 提着一桶汽油, 手持砍刀, 拿的是锄头.
        rf"(?:{_HOLD})(?:起|着|了|出|上|到|来|的是|的)?[^，。！？；]{{0,4}}?(?:{_WEAPON})",
        # Brandished: 刀在手上晃, 刀举起来, 把刀磨好了.
        rf"(?:{_WEAPON})[^，。！？]{{0,3}}(?:举起|挥舞|在手|比划|晃|磨好|拍在)",
        r"持刀|手持|磨刀霍霍|买了?[^，。]{0,3}汽油",
    ),
    accept=lambda text, m: (
        not _FARM_WORK.search(text[m.end() : m.end() + 8])
        and not re.search(r"(?:就|要|想)[“\"]?$", text[max(0, m.start() - 3) : m.start()])
    ),
)

# Fighting, and injuries that show it was real.
_FIGHT = (
    r"打群架|斗殴|互殴|群殴|围殴|殴打|打架|打起来|打人|打了(?:我|他|她|一顿)|被打|遭打|挨打|打伤|打成|打破|打断|打掉|"
    r"打出血|打得|打到|打过来|打过去|巴掌|一拳|两拳|几拳|拳头|拳打脚踢|砍伤|砍了|捅伤|捅了|刺伤|扎伤|划(?:伤|到)|推倒|推下|"
    r"按在地上|踩(?:他|她)?的头|砸(?:伤|破|断)|砸了(?:他|她|我)|拿[^，。]{0,6}(?:砸|打)|朝(?:他|我|她)[^，。]{0,3}打|往[^，。]{0,8}砸|"
    r"把[^，。]{1,8}打(?:了|伤|破|断|得|成)"
)
_INJURY = (
    r"(?<!抽)(?<!验)(?<!献)血(?!压|糖|型|汗|管|脂|常规|本)|受伤|抓(?:破|伤)|划(?:伤|到)|打伤|砍伤|捅伤|刺伤|扎伤|伤(?:到|了|口)|骨折|断了|"
    r"缝(?:了)?[^，。]{0,3}针|缝针|缝合|住院|医院|卫生院|急诊|120|倒在地|倒起了|不动|晕|肿|破了|打破|青一块|淤青|"
    r"头部被|眼睛被|面部被|手指骨折"
)
# "没有人受伤", "未见有人受伤": a scuffle, which is heated_conflict.
_NO_INJURY = re.compile(r"(?:没|无|未|莫)[^，。！？]{0,4}(?:受伤|伤到|打到人|动手|打人)|人倒是没")
# Violence is "under way or just happened"; an injury of last year is a claim, not an emergency.
_PAST = re.compile(r"去年|前年|年前|上个月|上学期|上半年|以前(?!的)|当年")
# A case already in the hands of police or court: 调解的时候说好赔, 对方拘留了五天.
_CASE_HANDLED = re.compile(r"调解的时候|调解书|调解过|判了|拘留了")
# Children hurt at play or at school are an accident claim, not an emergency.
_CHILD_PLAY = re.compile(r"同学|小朋友|幼儿园|课间|耍的时候|打闹")

_INJURY_RE = re.compile(_INJURY)
_VIOLENCE_NOW = r"(?:在|正在|还在)(?:打|殴打)(?:我|他|她|人|群架)|打群架|用脚踩"
_VIOLENCE_NOW_RE = re.compile(_VIOLENCE_NOW)
_VIOLENCE = _Rule(
    "violence",
    # A fight (打起来了, 把他脑壳打破, 一拳), or a beating going on now (几个人在打我爸).
    _rx(_VIOLENCE_NOW, _FIGHT),
    accept=lambda text, m: _violence_is_real(text, m),
)


def _violence_is_real(text: str, m: re.Match[str]) -> bool:
    """An injury near the fight in the same sentence, not denied, and not last year's."""
    left, right = _sentence_bounds(text, m.start(), m.end())
    sentence = text[left:right]
    if _NO_INJURY.search(sentence) or _PAST.search(text[left : m.start()]) or _CASE_HANDLED.search(sentence):
        return False
    if m.group().startswith("推") and _CHILD_PLAY.search(sentence):
        return False
    if _VIOLENCE_NOW_RE.fullmatch(m.group()):
        return True
    # 出了好多血 after the blow, or 头部被打伤 before it.
    return bool(_INJURY_RE.search(text, max(left, m.start() - 8), min(right, m.end() + 40)))


# Who is hit in domestic violence, and how.
_DV_VICTIM = r"我|她|其|娃儿|孩子|儿子|女儿|女子|老人|母亲|我妈|她妈|我姐|老婆|婆娘|老太婆|他妈"
_DV_ACT = (
    rf"打(?:了|过)?(?:{_DV_VICTIM})(?!电话|的电话|手机|一个电话)|(?:把|将|连)(?:{_DV_VICTIM})(?!{_FAMILY})[^，。！？]{{0,8}}"
    rf"(?:打|推|踢|撞|按|掐|砸|抽)|殴打|拳打脚踢|掐(?:{_DV_VICTIM})?(?:的)?脖子|抽打|用皮带|往墙上撞|砸开|拿我出气|抓我|"
    r"用脚踢|又打|又在打|又动手|多次动手|动了手|打人|打得(?:更凶|住了院|[^，。]{0,4}(?:青|肿|断|聋|听不到))"
)
# A husband or wife, so that "他打我" is domestic: 结婚十二年, 离婚, 保护令.
_COUPLE = re.compile(r"我(?:的)?(?:老公|丈夫|男人|老婆|婆娘|媳妇|妻子)|结婚|离婚|家暴|保护令|前夫|婆家|两口子")
# Hitting long ago, before a change for the better: 结婚前他打过我一回, 年轻时候打过我.
_DV_LONG_AGO = re.compile(r"(?:以前|年轻|结婚前|婚前|那时候|当年|年前)[^。！？]{0,6}打过")
_NOT_OWN_FAMILY = (
    r"(?<![把将被遭连])(?<![把将被遭连][我其])(?<!邻居)(?<!隔壁)(?<!对门)(?<![他她])(?<!老板)(?<!对方)(?<!人家)"
)
_DOMESTIC_VIOLENCE = _Rule(
    "domestic_violence",
    _rx(
        r"家暴|家庭暴力",
        # Drunk or after losing at cards, and hitting: 喝了酒就打人, 酒后多次殴打其母亲.
        r"(?:喝了酒|喝醉|酒后|输了|喝酒)[^，。！？]{0,4}(?:打人|打我|打她|殴打|动手)",
        r"殴打(?:其|自己的)?[^，。]{0,6}(?:母亲|父亲|妻子|老婆|老人|儿子|女儿|孩子)",
        # The victim's side: 我女儿在婆家遭打, 妈妈遭爸爸打, 我姐遭姐夫打得住了院.
        rf"(?:遭|被)(?:{_FAMILY})[^，。]{{0,2}}打",
        r"在婆家遭打|遭打了好几回|他又打我|又打我了|打我打了|经常打我|天天打我(?!电话)|动不动就[^，。]{0,6}打",
    ),
    accept=lambda text, m: (
        not re.search(r"同学|邻居|对方|别人|外人|老板|保安|对门|隔壁", text[max(0, m.start() - 6) : m.start()])
        and not _DV_LONG_AGO.search(text[_sentence_bounds(text, m.start(), m.end())[0] : m.end()])
    ),
)
# A family member hitting: 老公又喝醉了打我, 儿子又在打她, 女婿又把我女子打了. The hitter must be
# one's own family, not someone else's (他儿子, 老板老婆, 邻居两口子), nor the family as victim (把我男人打了).
_FAMILY_AGENT = re.compile(rf"{_NOT_OWN_FAMILY}(?:{_FAMILY})")
_DOMESTIC_BY_FAMILY = _Rule(
    "domestic_violence",
    _rx(_DV_ACT),
    accept=lambda text, m: _hit_by_family(text, m),
)


def _hit_by_family(text: str, m: re.Match[str]) -> bool:
    left = _sentence_bounds(text, m.start(), m.end())[0]
    window_start = max(left, m.start() - 30)
    agent = _FAMILY_AGENT.search(text, window_start, m.start())
    return (
        agent is not None
        and not re.search(
            r"同学|邻居|对方|别人|外人|老板|保安|对门|隔壁", text[max(0, agent.start() - 6) : agent.start()]
        )
        and not _DV_LONG_AGO.search(text[left : m.end()])
    )


# In a couple's story, "他喝了酒就打我" needs no family word next to it.
_DOMESTIC_IN_COUPLE = _Rule(
    "domestic_violence",
    re.compile(
        r"打(?:了|过)?(?:我|她|其)(?!电话|的电话|手机|一个电话)|对其殴打|殴打其|"
        r"掐(?:我|她)(?:的)?脖子|拳打脚踢|抽打|用皮带|又动手|动了手|多次动手|又打|用脚踢|拿我出气|被他打|遭他打"
    ),
    accept=lambda text, m: (
        bool(_COUPLE.search(text))
        and not _DV_LONG_AGO.search(text[_sentence_bounds(text, m.start(), m.end())[0] : m.end()])
    ),
)

_SELF_HARM = _Rule(
    "self_harm",
    _rx(
        # Saying it: 不想活了, 活起也没意思, 活够了, 不如死了算了.
        r"不想活|活不下去|活不成了|活起(?:也|来)?(?:没|莫)(?:得)?(?:意思|意义)|活起来做啥子|活够了|不如死了|死了算了|"
        r"(?:我|他|她)也不活了|不活了|想死(?!你)|寻死|寻短见|轻生|自杀|想不开|撑不下去",
        # The means: 跳楼 (not 跳楼价), 喝农药, 割腕, 自焚, 上吊, 遗书.
        r"跳楼(?!价|甩卖|大甩卖)|(?:就|要|想|去)[^，。]{0,8}跳下[去来]|(?:就|要)点火|浇[^，。]{0,4}汽油|身上[^，。]{0,4}淋湿|跳下去(?:算了|让)|跳(?:江|河|大渡河|岷江|青衣江)|"
        r"跳给[^，。]{0,4}看|从[^，。]{0,8}跳下去|喝(?:了)?(?:点|瓶)?(?:农药|药|敌敌畏|百草枯)|"
        r"(?:农药|敌敌畏|百草枯|安眠药)[^，。]{0,6}(?:买|准备|放在|揣|拿|藏|瓶子)|买[^，。]{0,4}(?:农药|敌敌畏|安眠药)|"
        r"割腕|自焚|上吊|吊死|遗书|死给[^，。]{0,6}看|(?:咋个|怎么)死|"
        r"(?:就|要)[^，。]{0,4}死在(?!自己屋)|站在[^，。]{0,6}(?:楼顶|阳台)[^，。]{0,6}(?:想|就)|(?:楼顶|桥)上[^，。]{0,6}(?:想了很久|站了好久)",
    ),
    accept=lambda text, m: not re.search(r"死也要$", text[max(0, m.start() - 3) : m.start()]),
)

_DANGER_TO_LIFE = _Rule(
    "danger_to_life",
    _rx(
        # Gas: 天然气味道, 煤气罐漏气, 闻到煤气味.
        r"(?:天然气|煤气|燃气|液化气)[^，。]{0,8}(?:味|漏|泄|嘶)|漏气|闻到[^，。]{0,6}(?:煤气|天然气|燃气)",
        # Fire now: 着火了, 起火, 火苗从排风口冒出来, 变压器着火.
        r"着火(?:了|！|!)|着起火|起火了|失火|火灾|火苗(?!蹿)|火势|火好大|烧起来|冒火星|噼里啪啦",
        # Electricity: 电线断了搭在人行道, 高压线垂下来, 路灯杆漏电.
        r"漏电|触电|(?:电线|高压线)[^，。]{0,10}(?:断|掉|垂|冒火|搭在)",
        # Collapse: 随时可能垮, 墙体外鼓, 向外倾斜, 塌了个大洞, 滑坡, 石块滚落.
        r"随时[^，。]{0,4}(?:垮|倒|塌|掉|砸)|要垮了|快垮了|外鼓|(?:往|向)[^，。]{0,3}(?:外|边)(?:歪|倾斜|鼓)|倾斜|"
        r"塌了(?<!撞塌了)|塌方|坍塌|垮塌|滑坡|泥石流|地震|裂缝[^，。]{0,6}(?:加宽|变大|扩大)|砖[^，。]{0,4}往下掉|滚落|"
        r"石块[^，。]{0,4}(?:滚|掉)|晃得很凶|洞还在往外扩",
        # People trapped or in danger now: 电梯困人, 井里掉了个老人, 翻到坎下面, 喘不上气, 摔倒起不来.
        r"困人|困在|卡在[^，。]{0,6}中间|喘不(?:上|过)气|(?:掉|翻)(?:到|进|了|下)[^，。]{0,6}(?:井|坎|河|水)|"
        r"里[^，。]{0,3}掉了?[^，。]{0,3}(?:人|老人|娃儿|孩子)|摔倒了?[^。]{0,4}起不来|昏迷|"
        r"在喊救命|还有人在喊|救命！|救命!|泄漏|垮下来|还在里头没出来|压在[^，。]{0,4}下|往下梭|石头[^，。]{0,4}滚|倒在地上了|"
        r"头昏|呕吐|塌陷|井盖(?:不见|没了|丢了|被偷)|没(?:有)?盖盖子|吊在那里晃|爬(?:到|上)(?:窗台|阳台|窗子)",
    ),
    accept=lambda text, m: _danger_is_now(text, m),
)
# A danger only feared (担心起火, 万一着火), found false (燃气公司测了没得问题) or over (去年失火).
_DANGER_FEARED = re.compile(r"以为|担心|万一|怕|哪天|是不是|会不会|如果")
_DANGER_OVER = re.compile(
    r"冒过|没得问题|没有问题|是正常的|不算|没伤到人|收好了|无人员被困|暂无|已经?(?:修好|扑灭|灭了|关了|排除)|"
    r"去年|前年|年前|上周|前天|当天|那次|上次|往哪里跑|跑不出|进不来"
)


def _danger_is_now(text: str, m: re.Match[str]) -> bool:
    left, right = _sentence_bounds(text, m.start(), m.end())
    clause = text[max(left, m.start() - 12) : m.start()]
    # The all-clear often comes in the next sentence: "…有燃气味。师傅测了说没得问题".
    return not _DANGER_FEARED.search(clause) and not _DANGER_OVER.search(text[left : right + 60])


# --------------------------------------------------------------------------------------------
# Group signals: head counts in Chinese and Arabic numerals.
# --------------------------------------------------------------------------------------------

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def parse_count(numeral: str) -> int | None:
    """The lower bound of a stated head count: 二三十 -> 20, 十几 -> 10, 几十 -> 20, 上百 -> 100, 100多 -> 100.

    几 alone and 好几 mean "several" (3). Returns None for what is not a count.
    """
    s = numeral.strip().rstrip("多余来")
    if s.startswith("上") or s.startswith("成"):  # 上百, 成百
        s = "一" + s[1:]
    if s.startswith("好几") or s in ("几",):
        return 3 if s in ("好几", "几") else parse_count(s[1:])
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if s[0].isdigit():  # "1百"
        return None
    total = 0
    current: int | None = None
    previous_was_digit = False
    for ch in s:
        if ch in _CN_DIGIT or ch == "几":
            if previous_was_digit:  # a range, 三四 / 二三十: keep the lower, first digit
                continue
            # 几 before a unit is at least two (几十 -> 20); after one it adds nothing (十几 -> 10).
            current = 2 if ch == "几" else _CN_DIGIT[ch]
            previous_was_digit = True
        elif ch in _CN_UNIT:
            total += (1 if current is None else current) * _CN_UNIT[ch]
            current = None
            previous_was_digit = False
        else:
            return None
    if current is not None:
        # 十几 / 二十几: a trailing 几 after a unit adds nothing.
        total += 0 if s.endswith("几") and len(s) > 1 else current
    return total


_NUMERAL = r"(?:\d+|好几|上百|成百|[零〇一二两三四五六七八九十百千几]+)(?:多|余|来)?"
# People nouns after a count: 人, 户人家, 名村民, 个钢筋工, 位老人 …
_WAGE_WORD = re.compile(r"工资|工钱|薪|派件费|劳务费|血汗钱|加班费")
_PEOPLE = (
    r"人|户|家(?!公司|店|企业|医院|银行|工厂|厂|单位|机构|餐馆|门面|酒店|合作社|养殖|物流|民宿|农家乐|商铺|超市)|"
    r"(?:个|名|位)?(?:[^\s，。！？、0-9]{0,4}?(?:工人|工友|农民工|村民|居民|业主|员工|社员|商户|摊贩|摊主|家长|学员|会员|游客|"
    r"老人|同事|司机|群众|职工|住户|移民|安置户|搬迁户|退耕还林户|保安|厨师|家属|亲属|同学|老乡|服务员|快递员|病人|顾客|"
    r"社会青年|青年|年轻人|男子|师傅|代表|农户|老师|工))"
)
_HEAD_COUNT = re.compile(
    rf"(?P<all>全村|全组|全体(?:业主|村民|员工|工人|安置户|商户)|所有(?:商户|业主|村民|员工|工人)|一大群人|几百个|上百名|上百人)"
    rf"|(?P<num>{_NUMERAL})(?P<cls>多个|个|名|户|家|位|余名|多名|来个|余户|多户|余人|多人)?(?P<noun>{_PEOPLE})?"
)
# Collective action: the counted people act together, gather, block or are about to.
_TOGETHER = re.compile(
    r"一起|一同|联名|集体|聚集|聚在|围(?:住|到|在|着|起)|堵|拉横幅|横幅|商量|约好|约起|说好了|接龙|讨说法|推选|推我|代表|共同|"
    r"大家|到[^，。]{0,8}(?:门口|政府|镇上|县上|市上)|来反映|来访|上访|坐起|不走|对峙|报名|号召|组织|集合|围住|打群架|"
    r"斗殴|殴打|打我|拦截|勒索|都被收|来了[^，。]{0,4}个|在打|一块|合起来|要求|拦在|守着|守起|对起|都不想|都在说|被关"
)
_WE = re.compile(r"(?:我们|咱们|我和|我跟|我与|其与|与另外|连我)[^，。！？]{0,6}$")
# Wages owed: 欠我们工资, 拖欠六人工资, 工钱一直没给.
_WAGE = _rx(
    r"(?:欠|拖欠|没发|未发|没给|不给|没结|差我们|扣了|克扣|拖到|拖着|一分没|不发|找不到)[^。！？]{0,20}?"
    r"(?:工资|工钱|薪|派件费|劳务费|血汗钱|加班费)",
    r"(?:工资|工钱|薪水|派件费|劳务费|加班费)[^。！？]{0,16}(?:欠|拖欠|没发|未发|没给|一直没|不给|拖|没落实|未发放|没到)",
)


# Cheap pre-check: a numeral next to a people classifier, or a whole village.
# Counts under three (一个, 两家) are no group, so a numeral must not be a lone 一/二/两.
_COUNT_HINT = _rx(
    "|".join(
        f"{d}[\\d一二两三四五六七八九十百千几]*[多余来]?(?:[个名户家位人工]|多个)"
        for d in "0123456789三四五六七八九十百几"
    ),
    "|".join(f"{d}[\\d十百千][\\d一二两三四五六七八九十百千几]*[多余来]?(?:[个名户家位人工]|多个)" for d in "一二两"),
    r"全村|全组|全体|所有|一大群|几百|上百",
)


@dataclass(frozen=True)
class _Count:
    start: int
    end: int
    count: int | None  # None: a whole village or all owners, 10 or more


# Not a group acting together: kin sharing an estate (兄妹三个), people merely counted (业主群有四百多人).
_KIN = re.compile(
    r"^(?:兄妹|兄弟|姊妹|弟兄|子女|儿女|侄儿|娃儿|孩子|老的)|(?:兄妹|兄弟|姊妹|弟兄|一家|家里|子女|儿女)$"
)
_NOT_ACTING = re.compile(
    r"仅[^，。]{0,6}一人|只有我一个|就我一个|我一个人来|没得哪个|没有人说|无所谓|发发牢骚|情况相同|群里都在说"
)
# A count of time or things, not people: 三个月, 十几个平方, 十一年的.
_NOT_PEOPLE_AFTER = re.compile(r"^(?:月|多月|小时|钟头|平方|星期|礼拜|工作日|年|天|点|号|趟|次|回)")


def _count_candidates(text: str) -> list[re.Match[str]]:
    """Head-count matches, parsed only where the cheap hint found a numeral next to a classifier."""
    found = []
    end = 0
    for hint in _COUNT_HINT.finditer(text):
        start = hint.start()
        while start > end and text[start - 1] in _NUMERAL_CHARS:
            start -= 1
        m = _HEAD_COUNT.match(text, start)
        if m is not None and m.end() > m.start():
            found.append(m)
            end = m.end()
    return found


_NUMERAL_CHARS = frozenset("0123456789零〇一二两三四五六七八九十百千几好上成")


def _head_counts(text: str, wage_context: bool) -> list[_Count]:
    """Counted groups of people acting together in their sentence, or owed wages."""
    found = []
    acting_anywhere = bool(_TOGETHER.search(text))
    for m in _count_candidates(text):
        left, right = _sentence_bounds(text, m.start(), m.end())
        sentence = text[left:right]
        acting = bool(_TOGETHER.search(sentence)) and not _NOT_ACTING.search(sentence)
        if m.group("all"):
            if acting:
                found.append(_Count(m.start(), m.end(), None))
            continue
        numeral, cls, noun = m.group("num"), m.group("cls"), m.group("noun")
        if not cls and not noun:
            continue
        after = text[m.start() + len(numeral) + len(cls or "") :]
        if _NOT_PEOPLE_AFTER.match(after) or _KIN.search(text[max(0, m.start() - 3) : m.start()]) or _KIN.match(after):
            continue
        # 三个 alone is a count of people only in "我们三个", "来了三十几个，".
        lone = not re.match(r"^(?:都|在|一|，|,|。|的|$|人)", text[m.end() : m.end() + 2])
        if cls in ("个", "多个", "来个") and not noun and lone and not _WE.search(text[: m.start()]):
            continue
        if re.search(r"第|年|月|号|每|前|星期|礼拜|周", text[max(0, m.start() - 1) : m.start()]):
            continue
        n = parse_count(numeral)
        # Under three is no group; years (2019) and sums are not head counts.
        if n is None or n < 3 or n > 5000:
            continue
        # 几个 / 好几 are vague: they count only with a collective act in the sentence.
        wage_here = wage_context and bool(_WAGE_WORD.search(sentence))
        if n >= 10 and not numeral.startswith(("几", "好几")):
            # Ten or more is red: the safety net takes a collective act anywhere in the text.
            if not (acting or wage_here or (acting_anywhere and not _NOT_ACTING.search(text))):
                continue
        elif not (acting or wage_here):
            continue
        if _is_negated(text, m.start(), m.end()):
            continue
        found.append(_Count(m.start(), m.end(), n))
    return found


def _group_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    wage = None
    if any(w in text for w in ("工资", "工钱", "薪", "派件费", "劳务费", "血汗钱", "加班费")):
        wage = next((m for m in _WAGE.finditer(text) if not _is_negated(text, m.start(), m.end())), None)
    if not _COUNT_HINT.search(text):
        return hits
    counts = _head_counts(text, wage is not None)
    if counts:
        # The largest group decides: ten or more (or a whole village) is red.
        best = max(counts, key=lambda c: 10_000 if c.count is None else c.count)
        code = "group_10_plus" if best.count is None or best.count >= 10 else "group_3_to_9"
        hits.append(Hit(code, SIGNALS[code], best.start, best.end, text[best.start : best.end], best.count))
    # Several workers owed at once: a counted group, or "我们" / a crew.
    if wage is not None and (counts or re.search(r"我们|工友|班组|工人们|农民工|大家|员工", text)):
        hits.append(Hit("group_wage_arrears", YELLOW, wage.start(), wage.end(), wage.group()))
    return hits


# --------------------------------------------------------------------------------------------
# Yellow signals.
# --------------------------------------------------------------------------------------------

_N = r"(?:[二两三四五六七八九十几多好数无]+|\d+)"
_REPORT_VERB = r"反映|打|电话|来|找|跑|问|报|投诉|写信|上访|催|12345|热线|去|说|联系|交涉|来电|报修|登记"

_REPEATED_REPORT = _Rule(
    "repeated_report",
    _rx(
        # Counting the reports: 第三次反映, 第四回来问, 打了好几次12345, 跑了不下十趟.
        rf"第(?!一){_N}(?:次|回|趟|封)",
        rf"(?:{_REPORT_VERB})(?:过|了|都)?(?:起码|不下|至少)?{_N}(?:次|回|趟|遍)",
        rf"(?:不下|至少|起码|好|无数){_N}?(?:次|回|趟|遍)",
        r"(?:次|回|趟)(?<=[二两三四五六七八九十几多好数无\d][次回趟])(?:电话|12345|热线|来电|反映|报警)",
        # Said before, nothing happened: 上个月就来反映过, 已经反映过两回, 多次找厂里未果.
        r"(?:多次|反复|屡次|几次三番)(?:到|向|找|反映|投诉|打|催|问|上门|来电|联系|交涉|口头交涉|上访)",
        r"(?:已经|早就|之前|此前|上次|上回|上个月|上礼拜|上周|去年|前年|先前)[^，。！？]{0,10}(?:反映过|登记|报过|说过|投诉过|打过|找过|来过|报修|问过|就来|反映)",
        r"未果|无果|没有下文|没得下文|没下文|没个结果|至今未",
        r"到现在(?:都)?没[^，。]{0,4}(?:消息|结果|回复|答复|下文)",
        r"又来(?:反映|说|问)|再次(?:反映|来电|投诉|来)|又去|又找|又一次|又来了|又打(?:了)?(?:电话|12345|热线)",
        r"多年上访|上访未果|跑了[^，。]{0,4}年",
    ),
)

_HEATED_CONFLICT = _Rule(
    "heated_conflict",
    _rx(
        # Insults and shouting: 骂我, 对骂, 辱骂, 吼, 大吵大闹.
        r"骂|吼(?:我|他|她|我们|网格员|出去|了)|大声嚷|大吵|吵(?:起来|架|翻|了一|得很凶|成一锅粥|了[^，。]{0,4}(?:下午|上午|早上|钟头))|争吵|"
        r"(?:跟|和|与|同)[^，。]{0,8}吵|吵闹|对峙|口角|上门来闹|来闹|闹事|在[^，。]{0,6}闹",
        # Pushing, slapping but no injury: 推了我一把, 推推搡搡, 扇了一耳光.
        r"推(?:了|搡|推|我|出|到)|耳光|耳刮子|吐口水|差点(?:就)?打起来|要打起来|动手",
        # Smashing things: 把碗砸了, 掀了桌子, 门踢了个洞, 泼红油漆, 撕了借条.
        r"砸(?:了|烂|坏|得|碎)|(?:把|将)[^，。]{0,10}砸了|摔(?:了|烂|东西|在地)|掀(?:了|翻)|踢(?:翻|烂|倒|了|门)|撕(?:了|烂)|扯(?:烂|下来|断)|"
        r"拍桌子|拍打|泼[^，。]{0,2}油漆|甩(?:出来|到|在)|丢(?:到楼下|到田里|到门外|到一边)|踩了一大片|撅成",
    ),
)

_VULNERABLE = (
    r"老人|婆婆|爷爷|奶奶|老汉儿|老太|大爷|老两口|孤寡|五保|特困|独居|残疾|瘫|痴呆|阿尔茨海默|精神病|精神疾病|精神残疾|"
    r"智力|娃儿|孩子|儿童|小孩|男孩|女孩|小学生|[6789六七八九]十(?:几|多)?岁|\d+岁|病人|我爸|我妈|我叔|流浪|孕妇"
)
_VULNERABLE_UNATTENDED = _Rule(
    "vulnerable_unattended",
    _rx(
        # Nobody looks after them: 没人管, 无人照料, 身边没得人, 没人照应.
        r"(?:没人|无人|没得人|没有人|莫得人)(?:管|照顾|照料|照看|照应|送|打水|做饭|换|给他翻身|在他身边)|身边(?:没|莫)(?:得|有)?人|"
        r"无人照|不管不顾|都不管|不闻不问|推来推去|互相推诿",
        # Alone at home: 一个人在屋头, 独自在家, 独居, 走失, 流浪, 被留在停车场.
        r"一个人(?:在|住|躺)|独自(?:在家|生活|一人|出门|被留)|独居|走失|流浪|被留在|少了一个娃儿|锁在屋头",
        # Without food: 靠邻居接济, 有一顿没一顿, 米缸空了, 两天没吃上热饭.
        r"靠邻居|邻居[^，。]{0,6}(?:接济|给的饭|送饭|给饭|帮忙带|轮流)|有一顿没一顿|有上顿没下顿|揭不开锅|米缸空|"
        r"(?:没|未)(?:吃上|正常进食|好好吃饭)|吃饭(?:都)?(?:成问题|靠)|不给(?:她|他)饭吃|饭都不晓得煮|冰箱里啥都没",
    ),
    accept=lambda text, m: bool(re.search(_VULNERABLE, text)),
)

_DEADLINE_AT_RISK = _Rule(
    "deadline_at_risk",
    _rx(
        # A hearing or a limit tomorrow or within days: 明天就开庭, 只剩三天, 还有四天, 下个月就满三年.
        r"(?:只剩|还剩|剩下|还有|不到|只有)(?:不到)?[一二两三四五六七八九十几半\d]+(?:个)?(?:天|礼拜|星期|周|工作日)",
        r"距[^，。]{0,6}只有[一二两三四五六七八九十几半\d]+(?:个)?(?:天|礼拜|星期|周|工作日)",
        r"(?:马上|快|就要|眼看|即将)(?:就)?(?:到期|满(?:一|三|两)?年|截止|过期|到了|来不及|开庭)|马上满|就满|就到期|就截止|就过了|"
        r"来不及|来得及不|赶不上|赶不回来|等不起|最后一天|早就超过|已经超过|超过了|过了[^，。]{0,4}(?:期|时间)|期限也过了|"
        r"(?:上诉期|答辩期|时效|期限)[^，。]{0,10}(?:快|马上|就|还剩|只剩|过了|是不是|到了|只有|还有)",
        # The date is near: 明天上午9点开庭, 下周二就要开庭, 本周五截止, 月底前必须腾地.
        r"(?:明天|后天|下周|下礼拜|这周|本周|周一|周二|周三|周四|周五|周六|周日)[^，。]{0,8}(?:开庭|到期|截止|强拆|拆|签约|清场|搬离|报到|就要|就过)|"
        r"(?:开庭|截止|到期|拆除|强拆|签约|清场|搬离|腾地)[^，。]{0,4}(?:时间|日子)?(?:定在|是|就在)?(?:明天|后天|下周|下礼拜|这周|本周)",
        # 号/日 first so that the scan starts on a literal: 25号以前必须腾地.
        r"号(?:以前|之前|前)[^，。]{0,12}(?:必须|要|就|腾地|搬离|拆除|清场|交|签)|"
        r"日(?<=\d日)(?:以前|之前|前)[^，。]{0,12}(?:必须|要|就|腾地|搬离|拆除|清场|交|签)",
        r"(?:月底|年底)(?:以前|之前|前)[^，。]{0,8}(?:必须|要|签|搬|腾|交)",
        # A promise with a date that has passed: 说好腊月二十前结清, 今天都腊月二十三了.
        r"(?:说好|答应|承诺|写的|约定|写了)[^。！？]{0,14}(?:号|日|月底|之前|以前|前)[^。！？]{0,24}"
        r"(?:今天都|现在都|都|已经|到现在|到今天)[^。！？]{0,12}(?:了|过)",
    ),
)


_SIMPLE_RULES = (
    _THREAT,
    _THREAT_INTENT,
    _WEAPON_RULE,
    _VIOLENCE,
    _DOMESTIC_VIOLENCE,
    _DOMESTIC_BY_FAMILY,
    _DOMESTIC_IN_COUPLE,
    _SELF_HARM,
    _DANGER_TO_LIFE,
    _REPEATED_REPORT,
    _HEATED_CONFLICT,
    _VULNERABLE_UNATTENDED,
    _DEADLINE_AT_RISK,
)


def detect(text: str) -> list[Hit]:
    """The risk signals of ``text``: at most one Hit per code (its first match), in text order."""
    found: dict[str, Hit] = {}
    for rule in _SIMPLE_RULES:
        if rule.code in found:
            continue
        match = _first(text, rule)
        if match is not None:
            found[rule.code] = Hit(rule.code, SIGNALS[rule.code], match.start(), match.end(), match.group())
    for hit in _group_hits(text):
        found[hit.code] = hit
    # Violence within the family is domestic violence, not a second signal.
    if "domestic_violence" in found:
        found.pop("violence", None)
    # Shouting and smashing around an injury or a beating is part of the red signal.
    if "violence" in found or "domestic_violence" in found:
        found.pop("heated_conflict", None)
    return sorted(found.values(), key=lambda h: (h.start, h.code))
