"""The questionnaire of the term's anti-bullying survey (专项调查): our own instrument in the Olweus
tradition, fixed in code and versioned, so that an answer always says which wording it answered.

Two wordings of every core item: one for grades 3–6 (short sentences a grade-3 pupil reads alone)
and one for secondary school. A bureau may add items to its campaign (``extra_items``), never change
these: a new wording is a new version, and results compare like with like.

Frequency items use the five steps 没有 / 一两次 / 每月两三次 / 大约每周一次 / 每周好几次 stored as 0–4;
prevalence counts 2 and above ("每月两三次 or more", Solberg & Olweus 2003).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from anxin.intake.models import Place, TimeBand

#: The version new campaigns use.
CURRENT_VERSION = "v1"
#: Frequency value from which a pupil counts as bullied (每月两三次).
PREVALENCE_FROM = 2

FREQUENCY = (
    ("0", _("没有")),
    ("1", _("一两次")),
    ("2", _("每月两三次")),
    ("3", _("大约每周一次")),
    ("4", _("每周好几次")),
)

#: The forms of bullying asked about, each its own frequency item (column name = key).
FORMS = ("f_hit", "f_names", "f_left_out", "f_rumours", "f_property", "f_threats", "f_sexual", "f_online")
#: Forms that mean danger now whatever their frequency (a pupil ticking any of them sees the help).
DANGER_FORMS = ("f_threats", "f_sexual")


@dataclass(frozen=True)
class Item:
    key: str
    #: "info" (the definition), "freq", "single", "multi", "text".
    kind: str
    primary: object
    secondary: object
    options: tuple[tuple[str, object], ...] = ()
    #: Asked only of a pupil who said they were bullied (any global or form item above 没有).
    only_if_bullied: bool = False
    optional: bool = True
    hint: object = ""

    def prompt(self, stage: str) -> str:
        return str(self.primary if stage == "primary" else self.secondary)

    def values(self) -> set[str]:
        return {v for v, _label in self.options}


@dataclass(frozen=True)
class Instrument:
    version: str
    items: tuple[Item, ...]
    extra: tuple[Item, ...] = field(default_factory=tuple)

    def item(self, key: str) -> Item | None:
        for it in (*self.items, *self.extra):
            if it.key == key:
                return it
        return None

    def all_items(self) -> tuple[Item, ...]:
        return (*self.items, *self.extra)


def _freq(key: str, primary: object, secondary: object, **kw: object) -> Item:
    return Item(key, "freq", primary, secondary, FREQUENCY, **kw)  # type: ignore[arg-type]


TOLD = (
    ("nobody", _("没有告诉任何人")),
    ("class_teacher", _("班主任")),
    ("other_teacher", _("其他老师")),
    ("family", _("爸爸妈妈或家里人")),
    ("friend", _("同学或朋友")),
    ("box", _("爱心信箱")),
)
TOLD_RESULT = (
    ("stopped", _("欺负停止了")),
    ("less", _("少了一些")),
    ("same", _("没有变化")),
    ("worse", _("更严重了")),
    ("not_told", _("我没有告诉别人")),
)
TEACHERS = (
    ("often", _("经常管")),
    ("sometimes", _("有时管")),
    ("rarely", _("很少管或不管")),
    ("dont_know", _("不知道")),
)
CLASSMATES = (
    ("help", _("上前帮忙或去告诉老师")),
    ("want", _("想帮忙，但没有做")),
    ("watch", _("只是看着")),
    ("join", _("跟着一起起哄")),
    ("dont_know", _("不知道")),
)
SAFE = (
    ("0", _("很安全")),
    ("1", _("比较安全")),
    ("2", _("不太安全")),
    ("3", _("很不安全")),
)
GENDER = (("M", _("男生")), ("F", _("女生")), ("N", _("不想说")))

V1 = Instrument(
    version="v1",
    items=(
        Item(
            "definition",
            "info",
            _(
                "欺负，是指一个同学或几个同学，故意一次又一次地让另一个同学难受：打他、骂他、起难听的外号、"
                "不让他一起玩、说他的坏话、拿走或弄坏他的东西、在网上欺负他。被欺负的同学很难保护自己。"
                "两个力气差不多的同学吵架或打闹，不算欺负。"
            ),
            _(
                "欺凌，是指一名或几名同学蓄意或恶意地、一次或多次通过肢体、言语、网络等方式，欺压、侮辱另一名同学，"
                "造成身体伤害、财产损失或精神伤害，而被欺凌的同学难以保护自己。双方实力相当的争吵、打闹不算欺凌。"
            ),
            hint=_("这份问卷不写名字，谁也不知道是你答的。请按真实情况回答。"),
        ),
        Item("gender", "single", _("你是男生还是女生？"), _("你的性别（可不答）"), GENDER),
        _freq(
            "victim", _("这学期，你被同学欺负过吗？"), _("本学期以来，你在学校被欺凌过吗？"), optional=False
        ),
        _freq("f_hit", _("有人打你、踢你、推你吗？"), _("被打、踢、推搡或关起来"), only_if_bullied=True),
        _freq(
            "f_names",
            _("有人骂你、给你起难听的外号吗？"),
            _("被骂、被起难听的绰号、被嘲笑"),
            only_if_bullied=True,
        ),
        _freq(
            "f_left_out", _("有人故意不跟你玩、不理你吗？"), _("被故意孤立、排斥在外"), only_if_bullied=True
        ),
        _freq(
            "f_rumours", _("有人说你的坏话、编你的瞎话吗？"), _("被散布谣言、说坏话"), only_if_bullied=True
        ),
        _freq(
            "f_property",
            _("有人抢你的东西、要你的钱、弄坏你的东西吗？"),
            _("财物被抢、被索要钱物或被故意损坏"),
            only_if_bullied=True,
        ),
        _freq(
            "f_threats",
            _("有人吓唬你、逼你做不想做的事吗？"),
            _("被威胁、恐吓或强迫做不愿做的事"),
            only_if_bullied=True,
        ),
        _freq(
            "f_sexual",
            _("有人说你身体的下流话，或者摸你不让摸的地方吗？"),
            _("被说带性意味的话、被不当触碰身体"),
            only_if_bullied=True,
        ),
        _freq(
            "f_online",
            _("有人在手机或网上欺负你吗？"),
            _("在网上、微信群或QQ群里被欺凌"),
            only_if_bullied=True,
        ),
        Item(
            "place",
            "single",
            _("最常在哪里被欺负？"),
            _("欺凌最常发生在哪里？"),
            tuple(Place.choices),
            only_if_bullied=True,
        ),
        Item(
            "time_band",
            "single",
            _("最常在什么时候？"),
            _("最常发生在什么时间？"),
            tuple(TimeBand.choices),
            only_if_bullied=True,
        ),
        Item(
            "told",
            "multi",
            _("你告诉过谁？（可以选几个）"),
            _("你告诉过谁？（可多选）"),
            TOLD,
            only_if_bullied=True,
        ),
        Item(
            "told_result",
            "single",
            _("告诉以后，怎么样了？"),
            _("告诉别人以后，情况怎样？"),
            TOLD_RESULT,
            only_if_bullied=True,
        ),
        _freq(
            "perpetrator",
            _("这学期，你和别人一起欺负过同学吗？"),
            _("本学期以来，你参与欺凌过其他同学吗？"),
            optional=False,
        ),
        Item(
            "teachers",
            "single",
            _("有人被欺负时，老师会管吗？"),
            _("发生欺凌时，老师会出面制止吗？"),
            TEACHERS,
        ),
        Item(
            "classmates",
            "single",
            _("看到同学被欺负，你一般会怎么做？"),
            _("看到同学被欺凌时，你通常怎么做？"),
            CLASSMATES,
        ),
        Item("safe", "single", _("在学校里，你觉得安全吗？"), _("在学校里你感到安全吗？"), SAFE),
        Item(
            "comment",
            "text",
            _("还有什么想告诉学校的吗？（可以不写）"),
            _("还有什么想对学校说的？（可不填）"),
            hint=_("不要写自己或别人的名字。"),
        ),
    ),
)

INSTRUMENTS: dict[str, Instrument] = {V1.version: V1}
#: Keys a bureau's extra item may not take.
RESERVED_KEYS = frozenset(it.key for inst in INSTRUMENTS.values() for it in inst.items)
COMMENT_MAX = 300


def stage_of_grade(grade_number: int) -> str:
    """Grades 3–6 read the primary wording, 7 and above the secondary one."""
    return "primary" if grade_number <= 6 else "secondary"


def _options(x: dict[str, object]) -> list[object]:
    options = x.get("options")
    return list(options) if isinstance(options, list) else []


def instrument(version: str, extra_items: list[dict[str, object]] | None = None) -> Instrument:
    base = INSTRUMENTS[version]
    extra = tuple(
        Item(
            str(x["key"]),
            "single",
            str(x["text"]),
            str(x["text"]),
            tuple((str(i), str(o)) for i, o in enumerate(_options(x))),
        )
        for x in (extra_items or [])
    )
    # The extra items come before the last (free text) item.
    return Instrument(version=base.version, items=base.items[:-1], extra=(*extra, base.items[-1]))


def is_bullied(answers: dict[str, object]) -> bool:
    """Any global or form item above 没有: the follow-up items (where, when, whom told) are asked."""
    for key in ("victim", *FORMS):
        v = answers.get(key)
        if isinstance(v, str) and v.isdigit() and int(v) >= 1:
            return True
    return False


def hurt_now(answers: dict[str, object]) -> bool:
    """Bullied 每月两三次 or more, or threatened or touched at all: the end page shows where to get help."""
    for key in ("victim", *FORMS):
        v = answers.get(key)
        if isinstance(v, str) and v.isdigit() and int(v) >= PREVALENCE_FROM:
            return True
    for key in DANGER_FORMS:
        v = answers.get(key)
        if isinstance(v, str) and v.isdigit() and int(v) >= 1:
            return True
    return False
