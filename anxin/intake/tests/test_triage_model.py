from __future__ import annotations

import json

from anxin.intake.triage import triage
from anxin.intake.triage.model import MODEL_FILE, char_wb_ngrams, get_model


def test_scorer_reproduces_scikit_learn_probabilities():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    model = get_model()
    assert len(data["checks"]) >= 10
    for check in data["checks"]:
        assert abs(model.score(check["text"])[0] - check["p"]) < 1e-9


def test_never_trained_on_the_fresh_held_out_file():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert "triage_heldout3.jsonl" not in data["trained_on"]
    assert "triage_heldout4.jsonl" not in data["trained_on"]
    assert "triage_heldout5.jsonl" not in data["trained_on"]
    assert "triage_heldout6.jsonl" not in data["trained_on"]


def test_char_wb_matches_scikit_learn_padding():
    assert char_wb_ngrams("Ab  c", 1, 2) == [" ", "a", "b", " ", " a", "ab", "b ", " ", "c", " ", " c", "c "]


def test_model_only_adds_the_second_tier_with_words_that_carry_danger():
    # No listed trigger word: the lexicon alone does not see the danger in this wording.
    text = "我真的撑不下去了，每天都被他们堵在楼梯口"
    assert triage(text, use_model=False).urgent is False
    combined = triage(text)
    assert combined.urgent is False and combined.review is True and combined.signals == []
    reason = combined.reasons[0]
    assert reason["review"] == "model" and "模型研判" in reason["explanation"]
    assert "可能紧急，请尽快查看" in reason["explanation"]
    assert "撑不下去" in reason["words"]
    assert not {"他们", "每天", "他们堵"} & set(reason["words"])


def test_model_does_not_flag_everyday_hyperbole():
    for text in ["热死了，今天体育课跑了三圈", "笑死我了，他讲的笑话太好笑", "美术课用的刻刀找不到了"]:
        result = triage(text)
        assert result.urgent is False and result.review is False, text
