"""The screening instruments, as versioned code: PHQ-9 in its adolescent wording (PHQ-A) and GAD-7.

Both are public-domain (Pfizer placed the PHQ family and the GAD-7 in the public domain: no
permission is needed to reproduce, translate or distribute them). The Chinese wordings below follow
the published items one by one, on the published four-point scale, over "the last two weeks".

A version names the exact wording and scoring a pupil saw; an answer keeps its version, so a later
rewording never changes what an old answer meant. Change a wording: add a new version, keep the old.

Scoring is the published one: the sum of the items. Severity bands by the published cut-offs
(PHQ-9: 5 / 10 / 15 / 20; GAD-7: 5 / 10 / 15). The warning level (:func:`level_for`) is the
platform's rule on top of them, versioned with ``LEVEL_RULES``:

- urgent: PHQ-9 item 9 (thoughts of death or self-harm) above 0, or PHQ-9 at 20 or more;
- concern: PHQ-9 or GAD-7 at 10 or more (moderate: the published threshold for a clinical follow-up);
- attention: PHQ-9 or GAD-7 at 5 or more (mild);
- none below.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

#: The 0–3 frequency scale both instruments share.
SCALE: tuple[tuple[int, StrOrPromise], ...] = (
    (0, _("完全不会")),
    (1, _("好几天")),
    (2, _("一半以上的天数")),
    (3, _("几乎每天")),
)
SCALE_MAX = 3


@dataclass(frozen=True)
class Instrument:
    key: str
    version: str
    name: StrOrPromise
    stem: StrOrPromise
    items: tuple[StrOrPromise, ...]
    #: (lowest score of the band, its label), ascending.
    bands: tuple[tuple[int, StrOrPromise], ...]

    @property
    def max_score(self) -> int:
        return SCALE_MAX * len(self.items)

    def band(self, score: int) -> str:
        label = ""
        for low, name in self.bands:
            if score >= low:
                label = str(name)
        return label


PHQ_A = Instrument(
    key="phq9",
    version="phq-a-zh/1",
    name=_("PHQ-9 青少年版（PHQ-A）"),
    stem=_("在过去两周里，你有多少时候受到以下问题的困扰？"),
    items=(
        _("感到情绪低落、沮丧、烦躁，或觉得没有希望"),
        _("做事情时提不起劲，或没有兴趣和乐趣"),
        _("入睡困难、睡不安稳，或睡得太多"),
        _("食欲不振、体重减轻，或吃得太多"),
        _("感到疲倦，或没有精力"),
        _("觉得自己很糟糕，或觉得自己很失败，或让自己或家人失望"),
        _("难以集中注意力，例如做功课、阅读或看电视时"),
        _("动作或说话慢到别人能察觉；或者正好相反，坐立不安、烦躁，比平时动来动去多得多"),
        _("有不如死掉的念头，或想用某种方式伤害自己"),
    ),
    bands=((0, _("无或极轻")), (5, _("轻度")), (10, _("中度")), (15, _("中重度")), (20, _("重度"))),
)

GAD_7 = Instrument(
    key="gad7",
    version="gad-7-zh/1",
    name=_("GAD-7 广泛性焦虑量表"),
    stem=_("在过去两周里，你有多少时候受到以下问题的困扰？"),
    items=(
        _("感觉紧张、焦虑或心里发慌"),
        _("不能停止或控制担忧"),
        _("对各种各样的事情担忧过多"),
        _("很难放松下来"),
        _("坐立不安，难以静坐"),
        _("变得容易烦恼或急躁"),
        _("感到害怕，好像会有可怕的事情发生"),
    ),
    bands=((0, _("无或极轻")), (5, _("轻度")), (10, _("中度")), (15, _("重度"))),
)

#: The set a round uses: the instruments in the order a pupil answers them.
INSTRUMENT_SET = "2026.1"
INSTRUMENTS: dict[str, tuple[Instrument, ...]] = {"2026.1": (PHQ_A, GAD_7)}
#: The item of PHQ-9 about thoughts of death or self-harm (1-based, as published).
PHQ_SELF_HARM_ITEM = 9
LEVEL_RULES = "levels/1"
URGENT_PHQ = 20
CONCERN_AT = 10
ATTENTION_AT = 5

#: Grade numbers (anxin.org.models.STAGE_GRADES) of secondary pupils: 初一 to 高三 and vocational years.
SECONDARY_GRADES = frozenset(range(7, 16))


class Level(StrEnum):
    NONE = "none"
    ATTENTION = "attention"
    CONCERN = "concern"
    URGENT = "urgent"


LEVEL_LABELS = {
    Level.NONE: _("无需预警"),
    Level.ATTENTION: _("关注"),
    Level.CONCERN: _("重点关注"),
    Level.URGENT: _("紧急"),
}


@dataclass(frozen=True)
class Scores:
    phq9: int
    gad7: int
    item9: int
    level: Level


def instruments(instrument_set: str = INSTRUMENT_SET) -> tuple[Instrument, ...]:
    return INSTRUMENTS[instrument_set]


def level_for(phq9: int, gad7: int, item9: int) -> Level:
    if item9 > 0 or phq9 >= URGENT_PHQ:
        return Level.URGENT
    if phq9 >= CONCERN_AT or gad7 >= CONCERN_AT:
        return Level.CONCERN
    if phq9 >= ATTENTION_AT or gad7 >= ATTENTION_AT:
        return Level.ATTENTION
    return Level.NONE


def score(answers: dict[str, list[int]]) -> Scores:
    """Scores of complete, already validated answers (``services.validate_answers``)."""
    phq9 = sum(answers[PHQ_A.key])
    gad7 = sum(answers[GAD_7.key])
    item9 = answers[PHQ_A.key][PHQ_SELF_HARM_ITEM - 1]
    return Scores(phq9=phq9, gad7=gad7, item9=item9, level=level_for(phq9, gad7, item9))
