from __future__ import annotations

import pytest

from ..instruments import GAD_7, PHQ_A, Level, level_for, score


def test_instruments_have_the_published_number_of_items_and_maxima() -> None:
    assert len(PHQ_A.items) == 9 and PHQ_A.max_score == 27
    assert len(GAD_7.items) == 7 and GAD_7.max_score == 21
    assert "伤害自己" in str(PHQ_A.items[8])


@pytest.mark.parametrize(
    ("score_", "band"),
    [
        (0, "无或极轻"),
        (4, "无或极轻"),
        (5, "轻度"),
        (9, "轻度"),
        (10, "中度"),
        (15, "中重度"),
        (19, "中重度"),
        (20, "重度"),
    ],
)
def test_phq9_bands_follow_the_published_cut_offs(score_: int, band: str) -> None:
    assert PHQ_A.band(score_) == band


@pytest.mark.parametrize(
    ("score_", "band"), [(4, "无或极轻"), (5, "轻度"), (10, "中度"), (14, "中度"), (15, "重度")]
)
def test_gad7_bands_follow_the_published_cut_offs(score_: int, band: str) -> None:
    assert GAD_7.band(score_) == band


@pytest.mark.parametrize(
    ("phq9", "gad7", "item9", "level"),
    [
        (4, 4, 0, Level.NONE),
        (5, 0, 0, Level.ATTENTION),
        (0, 5, 0, Level.ATTENTION),
        (9, 9, 0, Level.ATTENTION),
        (10, 0, 0, Level.CONCERN),
        (0, 10, 0, Level.CONCERN),
        (19, 21, 0, Level.CONCERN),
        (20, 0, 0, Level.URGENT),
        (1, 0, 1, Level.URGENT),
    ],
)
def test_levels(phq9: int, gad7: int, item9: int, level: Level) -> None:
    assert level_for(phq9, gad7, item9) is level


def test_item_nine_alone_makes_an_urgent_score() -> None:
    s = score({"phq9": [0] * 8 + [1], "gad7": [0] * 7})
    assert (s.phq9, s.gad7, s.item9, s.level) == (1, 0, 1, Level.URGENT)
