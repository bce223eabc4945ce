from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from pathlib import Path

import jieba
import pytest

from anxin.intake.triage import KINDS, SIGNALS, triage
from anxin.intake.triage.cli import main
from anxin.intake.triage.engine import get_engine, normalise
from anxin.intake.triage.lexicon import LexiconError, first_chars, parse_contexts, parse_triggers
from anxin.intake.triage.metrics import Report, evaluate

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
# The three files the lexicon was tuned on.
TUNING = DATA / "triage_eval.jsonl"
HELDOUT = DATA / "triage_heldout.jsonl"
HELDOUT2 = DATA / "triage_heldout2.jsonl"
# Hard texts of issue 14 (indirect danger, severe-sounding ordinary bullying): tuned on.
HARD = DATA / "triage_hard.jsonl"
# Written independently by someone who never saw the engine: never tuned on, measured once.
FRESH = DATA / "triage_heldout3.jsonl"
# Issue 14's held-out file: written before anything was measured, never tuned on, measured once
# before the rules grew and once after (bench/README.md, "Triage accuracy").
FRESH4 = DATA / "triage_heldout4.jsonl"
# Issue 14 part 5: written after the rules were grown on triage_hard.jsonl, committed on its own
# before anything was measured on it, never tuned on.
FRESH5 = DATA / "triage_heldout5.jsonl"
# Written after a fourth round of rules (when heldout5's wordings were known to their writer, so
# heldout5 no longer measured new rules cleanly), committed before anything was measured on it.
FRESH6 = DATA / "triage_heldout6.jsonl"


def run_cli(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, io.StringIO(stdin), out, err)
    return status, out.getvalue(), err.getvalue()


# -- danger signals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "signal", "word"),
    [
        ("他说明天带刀来堵我", "weapon", "刀"),
        ("我不想活了", "self_harm", "不想活"),
        ("他们逼我脱衣服还拍照", "sexual", "脱衣服"),
        ("每天要交十块钱保护费", "extortion", "保护费"),
        ("他掐我脖子，我差点喘不过气", "serious_injury", "掐我脖子"),
        ("他要杀了你", "weapon", "杀了你"),
        ("有人说要在放学后把我打死，是真的，不是开玩笑", "weapon", "打死"),
        ("没交保护费，他们就把我堵在厕所打了一顿", "extortion", "保护费"),
        ("班上的男生老是摸我胸，还说这是开玩笑", "sexual", "摸我胸"),
        ("美术课上他拿刻刀划我的手背", "weapon", "刻刀"),
    ],
)
def test_danger_is_urgent_and_names_its_words(text: str, signal: str, word: str) -> None:
    result = triage(text)
    assert result.urgent is True
    assert signal in result.signals
    reason = next(r for r in result.reasons if r.get("signal") == signal)
    assert word in reason["words"]
    assert reason["explanation"]


@pytest.mark.parametrize(
    "text",
    [
        "游戏里被人砍死了",
        "热死了",
        "笑死我了",
        "美术课用的刻刀",
        "切水果的小刀",
        "上次骨折已经好了",
        "他没有带刀",
        "不是要钱",
        "累死了，困死了，饿死了，气死我了",
        "新闻里说有个初中生跳楼了",
        "我感冒了，医生让我一天吃三次药",
        "班长收班费每人十块钱，用于买班级图书",
        "我跟同桌开玩笑说要杀了他，他也笑了",
        "爷爷生病住院了，我这周要去医院看他",
    ],
)
def test_harmless_text_raises_no_alarm(text: str) -> None:
    result = triage(text)
    assert result.urgent is False
    assert result.signals == []


# -- generalisation: wordings the engine once missed (misses on triage_heldout2.jsonl and on
# paraphrase sets written while broadening the lexicon by meaning) ---------------------------------


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        # self-harm said indirectly: a roof and looking down, vanishing, hoarded pills, a last letter
        ("有时候想去天台吹吹风，从上面往下看应该挺安静的吧，反正少了我也没人发现", "self_harm"),
        ("孙子老念叨“我要是消失了就好了”，还把家里的药片一颗一颗攒在铅笔盒里", "self_harm"),
        ("我已经写好给妈妈的信了 放在抽屉里 对不起 我坚持不下去了", "self_harm"),
        ("孩子这几天手腕上有好多一道一道的划痕，问她就说是猫抓的，可我们家根本没养猫", "self_harm"),
        ("我现在在天台上，不想再回去了", "self_harm"),
        ("我觉得这个世界没有我会更好", "self_harm"),
        ("我今晚就去江边，谁也找不到我", "self_harm"),
        ("孩子说“你们就当没生过我吧”，然后把自己锁在房间里", "self_harm"),
        ("我每次难受就用刀片在大腿上划，已经好几个月了", "self_harm"),
        ("我今天把妈妈的降压药吃了一大把", "self_harm"),
        ("我想紫砂，真的，不是开玩笑", "self_harm"),
        # any object swung, stabbed or burnt on a person; threats in other words
        ("我看见六年级的拿削尖的铅笔往一个一年级小同学手背上戳，戳得都紫了", "weapon"),
        ("初三那个人拿打火机烧我胳膊上的汗毛，还用烟头烫了我一下", "weapon"),
        ("那个人抡起椅子就往我身上砸", "weapon"),
        ("他拿球拍狠狠地打我的头", "weapon"),
        ("有人在我的椅子上放了好几根针", "weapon"),
        ("他说要找人废了我", "weapon"),
        ("他说“再告诉老师，我就让你见阎王”", "weapon"),
        # undressing, touching, filming in private places, intimate images, grooming
        ("她们把我堵在宿舍里，逼我把衣服全脱了，说不脱就一直关着不让出去", "sexual"),
        ("他们说不给他们看下面就不让我回家", "sexual"),
        ("有人在女厕所隔间上面拿手机往下拍", "sexual"),
        ("那个叔叔让我坐在他腿上，还亲我的脸，说不能告诉妈妈", "sexual"),
        ("他们把我的裤子拽下来，全班都看到了", "sexual"),
        ("有个网友一直让我拍自己不穿衣服的照片给他", "sexual"),
        # grave injuries described by their symptoms
        ("初一新生宿舍，晚上被舍友轮流打，早上起来耳朵里有血，现在左耳听不太清楚了", "serious_injury"),
        ("被他们扇了好几下后脑勺，之后一直头晕，晚上还吐了两次", "serious_injury"),
        ("我被他们轮流踢肚子 现在上厕所尿里有血", "serious_injury"),
        ("被他们打得鼻子一直流血，怎么止都止不住", "serious_injury"),
        ("他被打得躺在地上一动不动，叫他也不答应", "serious_injury"),
        # money or things taken under threat, whatever the pretext
        ("他让我把新买的球鞋借给他穿，已经两个月没还了，我一要他就说想挨揍是吧", "extortion"),
        ("今天放学在校门口被几个不认识的初中生拦住 把我口袋翻了个遍 钱全拿走了", "extortion"),
        ("他们逼我在游戏里给他们充皮肤 一次好几百 不充就说要把我打残", "extortion"),
        ("我桌洞里有张纸条写着：明天带两百块来厕所，不然你就躺着进医院", "extortion"),
        ("我的饭卡每周都被他们拿去刷，说不给就在群里发我的丑照", "extortion"),
        ("放学路上被几个人拦住，搜走了我身上所有的钱", "extortion"),
        ("他们要我每周五带五十块到操场后面，说是“班费”，其实是他们自己花了", "extortion"),
        ("他让我微信发红包给他，不发就在群里骂我", "extortion"),
    ],
)
def test_paraphrased_danger_is_urgent(text: str, signal: str) -> None:
    result = triage(text)
    assert result.urgent is True, result.ignored
    assert signal in result.signals
    reason = next(r for r in result.reasons if r.get("signal") == signal)
    assert reason["words"] and all(word in normalise(text) for word in reason["words"])


@pytest.mark.parametrize(
    "text",
    [
        "跳楼机太刺激了！周末去游乐园玩了三次",
        "生理卫生课讲了要保护自己的身体，隐私部位不能让别人碰，有事要告诉大人",
        "我妈说我再玩手机就打死我 哈哈 她每次都这么说 其实从来没打过我",
        "妈妈说我要是再考不及格就把我的腿打断，她就是说说",
        "想死你了！好久没见，周末一起玩吧",
        "今天物理考砸了，我想死的心都有了哈哈哈",
        "打死我也不吃香菜",
        "后桌用笔戳了我一下，问我作业写到哪了",
        "我的新笔袋被人用刀划烂了",
        "爸爸用打火机点了生日蜡烛，我许了个愿",
        "我家住在十八楼，从阳台往下看，车都好小",
        "对不起老师，我昨天的作业没写完，明天一定补上，再见",
        "我们在学校天台拍毕业照，大家说再见的时候都哭了",
        "上次被勒索的事已经处理好了，那几个人也被学校处分了，谢谢老师",
        "妈妈每周给我五十块生活费",
        "我们宿舍每人每月交二十块钱水电费",
        "我同学骨折了，是自己打篮球摔的",
        "我弟弟拿着塑料刀说要砍我，我陪他玩了一会儿",
        "体检的时候医生让我们脱了上衣听心跳",
        "奶奶每天要吃好多药，因为她有高血压",
        "我的小狗被车撞了，流了好多血，我好伤心",
        "我打游戏的时候认识了一个朋友，他人很好",
    ],
)
def test_tricky_negatives_stay_calm(text: str) -> None:
    result = triage(text)
    assert result.signals == [], result.reasons


def test_one_weak_cue_is_not_enough_but_two_are() -> None:
    alone = triage("我们去楼顶天台看星星")
    assert alone.urgent is False
    both = triage("我一个人站在天台上，往下看，反正也没人在乎我")
    assert both.signals == ["self_harm"]
    words = next(r for r in both.reasons if r.get("signal") == "self_harm")["words"]
    assert "天台" in words
    assert any("没人在乎" in word for word in words)
    weak = triage("我站在天台上")
    assert {"label": "self_harm", "words": ["天台"], "why": "单独一个弱线索，不足以判断"} in weak.ignored


def test_parent_hyperbole_is_discounted_with_its_reason() -> None:
    result = triage("我妈说我再不睡觉就打死我")
    assert result.urgent is False
    assert any(i["why"].startswith("家长的气话或玩笑") for i in result.ignored)
    # ... but not when the child is afraid of it
    assert triage("我爸说再考不好就打死我，我好害怕，不敢回家").urgent is True


def test_a_wrapping_match_names_the_shorter_word() -> None:
    # 带刀来堵 (a gap pattern) wraps 刀 (a word): the reason names 刀 once
    reason = triage("他说明天带刀来堵我").reasons[0]
    assert reason["words"] == ["刀"]


def test_discounted_trigger_says_why() -> None:
    result = triage("他没有带刀")
    # 刀 and the gap pattern 带刀 are both discounted, each with the negator as the reason
    assert {"label": "weapon", "words": ["刀"], "why": "否定表述（“没有”）"} in result.ignored
    assert {"label": "physical", "words": ["刀"], "why": "否定表述（“没有”）"} in result.ignored
    assert {i["why"] for i in result.ignored} == {"否定表述（“没有”）"}


def test_implied_kind_falls_with_its_signal() -> None:
    # The kitchen knife is neither a weapon nor physical bullying.
    assert triage("妈妈让我去厨房拿菜刀切西瓜").kinds == []


def test_fullwidth_and_ascii_punctuation_read_the_same() -> None:
    assert (
        triage("他们找我要钱,不给就打!").signals
        == triage("他们找我要钱，不给就打！").signals
        == ["extortion"]
    )


# -- kinds of conduct -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("同桌天天叫我矮冬瓜", ["verbal"]),
        ("她们不让小雨跟我们玩", ["relational"]),
        ("有人把他哭的照片发到了班级群里", ["cyber"]),
        ("他们把我的书包扔进了垃圾桶，书也撕了", ["property"]),
        ("他课间老踢我的椅子，还推我", ["physical"]),
        ("他们不是打我就是骂我", ["physical", "verbal"]),
        ("他们没有骂我，也没有打我，就是不跟我玩", ["relational"]),
        ("我们班男生经常打篮球打到很晚", []),
    ],
)
def test_kinds_of_conduct(text: str, kinds: list[str]) -> None:
    assert triage(text).kinds == kinds


def test_labels_come_in_canonical_order() -> None:
    result = triage("他们抢了我的钱还扇我耳光，还在群里骂我，说不交保护费就带刀来")
    assert result.signals == [s for s in SIGNALS if s in result.signals]
    assert result.kinds == [k for k in KINDS if k in result.kinds]
    assert [r.get("signal") or r.get("kind") for r in result.reasons] == result.signals + result.kinds


def test_global_jieba_dictionary_is_left_alone() -> None:
    before = jieba.lcut("掐脖子要钱", HMM=False)
    get_engine()
    assert jieba.lcut("掐脖子要钱", HMM=False) == before
    assert get_engine().tokenize("掐脖子") == ["掐脖子"]


def test_lexicon_rejects_unknown_label() -> None:
    with pytest.raises(LexiconError, match="unknown label"):
        parse_triggers("[bullying]\n打\n", "t.txt", {})


def test_lexicon_rejects_unknown_context_set() -> None:
    contexts = parse_contexts("[harm]\n砍\n", "c.txt")
    with pytest.raises(LexiconError, match="@carry"):
        parse_triggers("[weapon]\n刀  +@carry\n", "t.txt", contexts)


def test_lexicon_weak_option_and_several_sentence_requirements() -> None:
    contexts = parse_contexts("[place]\n天台 楼顶\n", "c.txt")
    (entry,) = parse_triggers("[self_harm]\nre:@place  ++站|坐  ++一个人  ~weak\n", "t.txt", contexts)
    assert entry.weak is True
    assert len(entry.require_sentence) == 2
    assert entry.first_chars == frozenset("天楼")
    with pytest.raises(LexiconError, match="~weak"):
        parse_triggers("[self_harm]\n天台  ~strong\n", "t.txt", {})


def test_first_chars_skip_lookbehind_and_optional_parts() -> None:
    assert first_chars("(?<![让叫])我(拿|用)") == frozenset("我")
    assert first_chars("(好|真)?想死") == frozenset("好真想")
    assert first_chars("[^，。]{0,3}死") is None  # could start anywhere: always run


# -- CLI ------------------------------------------------------------------------------------------


def test_cli_triages_each_line() -> None:
    lines = [
        json.dumps({"id": "a1", "text": "他说明天带刀来堵我"}, ensure_ascii=False),
        "",
        json.dumps({"id": 2, "text": "热死了"}, ensure_ascii=False),
    ]
    status, out, err = run_cli([], "\n".join(lines) + "\n")
    assert status == 0
    assert err == ""
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["id"] == "a1"
    assert first["urgent"] is True
    assert first["signals"] == ["weapon"]
    assert first["kinds"] == ["physical"]
    assert first["reasons"][0] == {
        "signal": "weapon",
        "words": ["刀"],
        "explanation": "提到刀具、棍棒等凶器，或扬言杀伤、以凶器相威胁",
    }
    assert set(first) == {"id", "kinds", "urgent", "review", "signals", "reasons"}
    assert second == {"id": 2, "kinds": [], "urgent": False, "review": False, "signals": [], "reasons": []}
    assert "刀" in out  # ensure_ascii=False


def test_cli_reports_a_broken_line_and_goes_on() -> None:
    stdin = "\n".join(
        [
            json.dumps({"id": "1", "text": "我不想活了"}, ensure_ascii=False),
            '{"id": "2", "text": "没有结尾的引号}',
            json.dumps({"id": "3", "text": "每天要交十块钱保护费"}, ensure_ascii=False),
            json.dumps({"id": "4", "body": "没有 text 字段"}, ensure_ascii=False),
            json.dumps(["不是对象"], ensure_ascii=False),
        ]
    )
    status, out, _ = run_cli([], stdin)
    assert status == 2
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("id") for r in rows] == ["1", None, "3", None, None]
    assert rows[0]["signals"] == ["self_harm"]
    assert rows[1] == {"line": 2, "error": "第 2 行不是有效的 JSON", "code": "invalid_json"}
    assert rows[2]["signals"] == ["extortion"]
    assert rows[3] == {"line": 4, "error": "第 4 行缺少字符串字段 text", "code": "invalid_json"}
    assert rows[4]["line"] == 5
    assert rows[4]["code"] == "invalid_json"


def test_cli_counts_blank_lines_in_line_numbers() -> None:
    status, out, _ = run_cli([], '\n\n{"text": \n')
    assert status == 2
    assert json.loads(out) == {"line": 3, "error": "第 3 行不是有效的 JSON", "code": "invalid_json"}


def test_cli_eval_prints_precision_and_recall() -> None:
    status, out, err = run_cli(["--eval", str(HELDOUT)])
    assert status == 0
    assert err == ""
    assert "precision" in out
    assert "recall" in out
    for label in ("urgent", *SIGNALS, *KINDS):
        assert any(line.startswith(label) for line in out.splitlines()), label


def test_cli_eval_missing_file_is_an_error() -> None:
    status, out, err = run_cli(["--eval", "/nonexistent/triage.jsonl"])
    assert status == 2
    assert out == ""
    assert "找不到评估文件" in err


def test_cli_rejects_unknown_option() -> None:
    status, _, err = run_cli(["--frobnicate"])
    assert status == 2
    assert "--frobnicate" in err


# -- accuracy -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh() -> Report:
    return evaluate(FRESH, triage)


# This file was written by someone who never saw the engine and is never tuned on. Rules alone
# measured recall 0.769 / precision 0.851 on it; rules OR the n-gram model (threshold fixed at 0.5
# beforehand) measured recall 0.981 (51/52) / precision 0.836 (51/61) on its first run. Since
# issue 14 the model no longer makes a text urgent, it only puts it in the second tier: the rules
# measure recall 0.769 (40/52) / precision 0.870 (40/46) and the second tier takes 11 of the 12
# urgent texts they miss, so 51/52 are still first in the queue, without the model's false alarms.
def test_fresh_heldout_urgent_texts_come_first_in_the_queue(fresh: Report) -> None:
    assert fresh.total >= 50
    ahead = (fresh.urgent.hits + fresh.review.hits) / fresh.urgent.support
    assert ahead >= 0.95, f"fresh held-out urgent texts first in the queue {ahead:.3f} < 0.95"


def test_fresh_heldout_urgent_precision_meets_target(fresh: Report) -> None:
    precision = fresh.urgent.precision
    assert precision is not None
    assert precision >= 0.85, f"fresh held-out urgent precision {precision:.3f} < 0.85"


@dataclass(frozen=True)
class Heldout:
    """A held-out file of issue 14, written and committed before anything was measured on it."""

    path: Path
    min_total: int
    min_urgent: int
    #: Share of its urgent texts first in the queue (rules' urgent or the second tier's review).
    queue_floor: float
    #: The rules-only recall as measured, while it is short of 0.98 (a strict xfail reason).
    recall_short: str


# History of the numbers (rules alone; the second tier's catch in brackets):
# heldout4: before issue 14 rules OR model 0.945 (69/73) / 0.852; rules alone 0.808 → 0.890 (65/73) /
#   0.985 after part 5's first rules, 0.918 (67/73) / 0.985 (67/68) after its fourth round (not tuned
#   on this file). heldout5: measured once right after it was committed, 0.574 (39/68) / 0.907 (39/43)
#   [28 of 29 misses]; after a fourth round written by someone who had seen it (no longer clean)
#   0.618 (42/68) / 0.913. heldout6: measured once, 0.517 (30/58) / 0.938 (30/32), the lexicon
#   before part 5 0.483 (28/58) / 0.933 [23 of 28 misses, so 0.914 first in the queue: its floor
#   is that measured value, a guard against regression, not a target met]. Not to be met by tuning
#   on these files: grow triage_hard.jsonl and write a fresh held-out file to measure.
HELDOUTS = [
    Heldout(FRESH4, 150, 60, 0.95, "triage_heldout4 is 0.918 (67/73)"),
    Heldout(FRESH5, 150, 60, 0.95, "triage_heldout5 is 0.618 (42/68; 0.574 when first measured)"),
    Heldout(FRESH6, 120, 50, 0.90, "triage_heldout6 is 0.517 (30/58)"),
]


@functools.cache
def _measured(path: Path) -> Report:
    return evaluate(path, triage)


@pytest.mark.parametrize("held", HELDOUTS, ids=lambda h: h.path.name)
def test_issue14_heldout_urgent_precision_meets_target(held: Heldout) -> None:
    report = _measured(held.path)
    assert report.total >= held.min_total and report.urgent.support >= held.min_urgent
    precision = report.urgent.precision
    assert precision is not None
    assert precision >= 0.90, f"{held.path.name} urgent precision {precision:.3f} < 0.90"


@pytest.mark.parametrize("held", HELDOUTS, ids=lambda h: h.path.name)
def test_issue14_heldout_urgent_texts_come_first_in_the_queue(held: Heldout) -> None:
    report = _measured(held.path)
    ahead = (report.urgent.hits + report.review.hits) / report.urgent.support
    assert ahead >= held.queue_floor, (
        f"{held.path.name} urgent first in the queue {ahead:.3f} < {held.queue_floor}"
    )


# A strict xfail per file, so each marker goes the day its target is reached.
@pytest.mark.parametrize(
    "held",
    [
        pytest.param(
            h,
            marks=pytest.mark.xfail(
                strict=True, reason=f"rules-only urgent recall on {h.recall_short}, target 0.98 (issue 14)"
            ),
        )
        for h in HELDOUTS
    ],
    ids=lambda h: h.path.name,
)
def test_issue14_heldout_urgent_recall_meets_target(held: Heldout) -> None:
    recall = _measured(held.path).urgent.recall
    assert recall is not None
    assert recall >= 0.98, f"{held.path.name} urgent recall {recall:.3f} < 0.98"


@pytest.mark.parametrize("path", [TUNING, HELDOUT, HELDOUT2, HARD], ids=lambda p: p.name)
def test_tuning_sets_do_not_regress(path: Path) -> None:
    """The lexicon rules alone keep every tuning text right (the model is judged on fresh data)."""
    report = evaluate(path, lambda text: triage(text, use_model=False))
    assert report.total >= 50
    assert report.urgent.recall == 1.0
    assert report.urgent.precision == 1.0
