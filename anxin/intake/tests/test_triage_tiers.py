"""Issue 14: the rules are the only path to an urgent alert; the model only adds a second tier."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core import mail

from anxin.core.models import Notification, OutboundMessage
from anxin.intake import services
from anxin.intake.models import Channel, Report
from anxin.intake.triage import triage
from anxin.intake.triage.engine import get_engine, normalise
from anxin.intake.triage.metrics import evaluate, format_report
from anxin.intake.triage.model import ReasonFilter, get_model, get_reason_filter

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
TUNING_FILES = ("triage_eval.jsonl", "triage_heldout.jsonl", "triage_heldout2.jsonl", "triage_hard.jsonl")

# The rules see no danger in this wording; the model finds it like urgent texts.
REVIEW = "我真的撑不下去了，每天都被他们堵在楼梯口"
KNIFE = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我"
ORDINARY = "班上有人一直叫我外号，还把我的书撕了"
FUNCTION_WORDS = {"他们", "每天", "孩子", "我们", "一个", "就是"}


# -- new rules: each indirect wording is urgent and names the phrase that matched ----------------


@pytest.mark.parametrize(
    ("text", "signal", "phrase"),
    [
        # self-harm said without the word
        ("我觉得我不应该存在在这个世界上", "self_harm", "不应该存在"),
        ("我想了结自己，真的撑不下去了", "self_harm", "了结自己"),
        ("我准备好跟这个世界告别了", "self_harm", "跟这个世界告别"),
        ("活着没意思，天天被他们欺负", "self_harm", "活着没意思"),
        ("我真的不想活下去了", "self_harm", "不想活"),
        ("我好想消失，永远不回来", "self_harm", "消失"),
        ("我想从楼上跳下去", "self_harm", "跳下去"),
        ("我已经写好了遗书", "self_harm", "遗书"),
        ("我把药攒起来了，攒了一小瓶", "self_harm", "药攒"),
        ("看到这封信的时候我应该已经不在了", "self_harm", "已经不在了"),
        # touching described without a keyword, clothes pulled off
        ("他下课老是摸我下面", "sexual", "摸我下面"),
        ("后桌老是碰我的隐私部位", "sexual", "隐私部位"),
        ("他们几个按住我脱我裤子", "sexual", "脱我裤子"),
        ("有人在走廊上掀我裙子", "sexual", "掀我裙子"),
        # hidden cameras and phones filming in private places
        ("有人在女厕所隔间下面伸手机进来拍", "sexual", "伸手机进来拍"),
        ("厕所里有手机在拍", "sexual", "手机在拍"),
        ("我们宿舍装了摄像头，藏在插座里面", "sexual", "摄像头"),
        ("有人偷拍女生换衣服", "sexual", "偷拍"),
        # threats to a sibling or the family
        ("他说要打我弟弟", "weapon", "打我弟弟"),
        ("他们说要去找我妹妹的麻烦", "weapon", "找我妹妹的麻烦"),
        ("那几个人说要去我家打我爸妈", "weapon", "打我爸妈"),
        # threats with a time and a place
        ("他们说放学后在后门等着，要收拾我", "weapon", "在后门等着"),
        ("他说明天带刀来学校", "weapon", "刀"),
        ("那个混混说周六在网吧后面等我，不来就去我家找我", "weapon", "在网吧后面等我"),
        ("他约我周五下午四点在小树林单挑", "weapon", "单挑"),
    ],
)
def test_indirect_danger_is_urgent_and_names_the_matched_phrase(text: str, signal: str, phrase: str) -> None:
    result = triage(text, use_model=False)
    assert result.urgent is True
    assert signal in result.signals
    reason = next(r for r in result.reasons if r.get("signal") == signal)
    assert any(phrase in word for word in reason["words"]), reason["words"]
    assert reason["explanation"]


@pytest.mark.parametrize(
    "text",
    [
        "他骂我“去死吧你”，然后就走了",
        "他骂我是“死胖子”，还说我去死算了",
        "明天放学在后门等我，我们一起回家",
        "他们说这周六在我家楼下打羽毛球，叫我一起",
        "学校在走廊装了新的摄像头，老师说是为了安全",
        "尴尬死了，我想找个地缝钻进去",
        "我想消失一会儿，去图书馆躲清静",
        "我弟弟很调皮，老是抢我的玩具",
        "姐姐说我要是把她的口红弄坏就打我，然后她自己弄坏了",
        "我的作业本被人扔进了垃圾桶",
        "中午我的午饭被他们拿走吃了",
        "他们建了一个群，把我踢出去了",
        "医生给我打针的时候让我把裤子往下拉一点",
    ],
)
def test_ordinary_or_severe_sounding_bullying_is_not_urgent(text: str) -> None:
    result = triage(text)
    assert result.urgent is False
    assert result.signals == []
    assert not any(r.get("signal") for r in result.reasons)


# -- the model: a second tier, never urgent, its words carry danger ------------------------------


def test_model_verdict_is_the_second_tier_not_urgent() -> None:
    assert triage(REVIEW, use_model=False).as_dict()["review"] is False
    result = triage(REVIEW)
    assert (result.urgent, result.review, result.signals) == (False, True, [])
    assert result.as_dict()["review"] is True
    reason = result.reasons[0]
    assert reason["review"] == "model" and "signal" not in reason
    assert "可能紧急，请尽快查看" in reason["explanation"]


def test_rules_verdict_leaves_no_room_for_the_model() -> None:
    result = triage(KNIFE)
    assert result.urgent is True and result.review is False
    assert not any(r.get("review") for r in result.reasons)


def test_reason_filter_drops_function_pronoun_and_time_words() -> None:
    words = get_reason_filter()
    for word in ("他们", "每天", "孩子", "我们", "一个", "就是", "他们的", "每天都", "现在", "以后"):
        assert words.may_show(word) is False, word
    for word in ("撑不下去", "刀片", "遗书", "摄像头"):
        assert words.may_show(word) is True, word
    assert words.carries_danger("跳下去") is True
    assert words.carries_danger("篮球") is False


def test_model_weighs_function_words_yet_never_shows_them() -> None:
    # The very words the issue names weigh up in the model: only the filter keeps them out.
    model = get_model()
    assert model.weight("他们") > 1.0 and model.weight("孩子") > 1.0
    tokens = get_engine().tokenize(normalise("孩子说他们每天都在厕所堵他，他真的撑不下去了"))
    shown = model.reasons(tokens, get_reason_filter())
    assert "撑不下去" in shown
    assert not FUNCTION_WORDS & set(shown)


def test_a_word_outside_the_danger_vocabulary_needs_a_strong_weight() -> None:
    words = ReasonFilter(stop=frozenset(), danger=("刀",))
    model = get_model()
    assert model.reasons(["菜刀"], words) == (["菜刀"] if model.weight("菜刀") > 0 else [])
    assert model.reasons(["他们"], words) == ["他们"]  # no stop-list: a strong weight alone shows it
    assert model.reasons(["他们"], get_reason_filter()) == []


def test_second_tier_reasons_are_never_function_words_on_any_labelled_text() -> None:
    stop = get_reason_filter().stop
    seen = 0
    for name in TUNING_FILES:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            result = triage(json.loads(line)["text"])
            for reason in result.reasons:
                if reason.get("review"):
                    seen += 1
                    assert not set(reason["words"]) & (stop | FUNCTION_WORDS), reason["words"]
    assert seen >= 20  # the model did speak on these files


def test_metrics_count_the_second_tier_on_the_urgent_texts_the_rules_miss(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    rows = [
        {"text": REVIEW, "signals": ["self_harm"]},
        {"text": KNIFE, "signals": ["weapon"]},
        {"text": ORDINARY},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report = evaluate(path, triage)
    assert (report.urgent.support, report.urgent.predicted, report.urgent.hits) == (2, 1, 1)
    assert (report.review.support, report.review.predicted, report.review.hits) == (1, 1, 1)
    text = format_report(report)
    assert re.search(r"^review\s+1\s+1\s+1\s+1\.000\s+1\.000", text, re.M)
    assert "first in the queue (urgent or second tier): 2/2 = 1.000" in text


# -- the platform: second tier stored, never alerted, shown after the urgent reports -------------


def _submit(cast, text: str = ORDINARY) -> Report:
    return services.report_submit(school_code=cast.school.code, text=text).report


def _queue_ids(page: str) -> list[int]:
    table = page.split('data-testid="queue-table"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'data-report="(\d+)"', table)]


@pytest.mark.django_db
def test_second_tier_report_is_stored_and_alerts_nobody(cast, django_capture_on_commit_callbacks) -> None:
    cast.users["principal"].email = "principal@example.edu.cn"
    cast.users["principal"].phone = "13800000009"
    cast.users["principal"].save()
    with django_capture_on_commit_callbacks(execute=True):
        report = _submit(cast, REVIEW)
    report.refresh_from_db()
    assert (report.urgent, report.review, report.signals) == (False, True, [])
    assert report.triage_reasons[0]["review"] == "model"
    # No alert of any kind: no urgent notice, no notice about this report, no SMS, no email.
    assert not Notification.objects.filter(urgent=True).exists()
    assert not Notification.objects.filter(subject_key__startswith=f"report:{report.pk}:").exists()
    assert not OutboundMessage.objects.exists()
    assert mail.outbox == []
    # Only the grouped notice every new report joins, exactly as for an ordinary one.
    notices = list(Notification.objects.values_list("subject_key", "title", "urgent"))
    assert {key.split(":")[0] for key, _, _ in notices} == {"reports"}
    assert {title for _, title, _ in notices} == {"新的欺凌举报"}


@pytest.mark.django_db
def test_second_tier_recorded_by_staff_alerts_nobody(cast, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sub = services.report_record(
            actor=cast.users["moral_director"], school=cast.school, channel=Channel.HOTLINE, text=REVIEW
        )
    assert sub.report.review is True and sub.report.urgent is False
    assert not Notification.objects.filter(urgent=True).exists()
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_queue_shows_urgent_then_second_tier_then_the_rest(cast, login) -> None:
    older = _submit(cast, "有人把我的铅笔盒扔到了窗外，还笑我")
    review = _submit(cast, REVIEW)
    newer = _submit(cast)
    urgent = _submit(cast, KNIFE)
    client = login(cast.users["moral_director"])
    page = client.get("/intake/").content.decode()
    assert _queue_ids(page) == [urgent.pk, review.pk, newer.pk, older.pk]
    assert re.findall(r'data-report="(\d+)" data-review="1"', page) == [str(review.pk)]
    assert page.count('data-testid="review-badge"') == 2  # table row and phone card
    assert "可能紧急，请尽快查看" in page

    # Once someone has looked, it takes its place by time among the rest.
    services.report_acknowledge(actor=cast.users["moral_director"], report=review)
    page = client.get("/intake/").content.decode()
    assert _queue_ids(page) == [urgent.pk, newer.pk, review.pk, older.pk]
    assert 'data-testid="review-badge"' not in page


@pytest.mark.django_db
def test_report_page_shows_the_model_reason_apart_from_danger_signals(cast, login) -> None:
    review = _submit(cast, REVIEW)
    page = login(cast.users["moral_director"]).get(f"/intake/{review.pk}/").content.decode()
    assert 'data-review="1"' in page
    assert "可能紧急" in page and "撑不下去" in page
    assert 'data-testid="pinned-alert"' not in page


@pytest.mark.django_db
def test_api_queue_carries_the_second_tier(cast, login) -> None:
    review = _submit(cast, REVIEW)
    urgent = _submit(cast, KNIFE)
    _submit(cast)
    client = login(cast.users["moral_director"])
    items = client.get("/api/intake/queue").json()["items"]
    assert [i["id"] for i in items][:2] == [urgent.pk, review.pk]
    assert (items[1]["urgent"], items[1]["review"]) == (False, True)
    detail = client.get(f"/api/intake/queue/{review.pk}").json()
    assert detail["review"] is True and detail["triage_reasons"][0]["review"] == "model"


@pytest.mark.django_db
def test_merging_a_second_tier_report_keeps_the_target_ahead(cast) -> None:
    review = _submit(cast, REVIEW)
    target = _submit(cast)
    services.report_merge(actor=cast.users["moral_director"], report=review, into=target)
    target.refresh_from_db()
    assert (target.urgent, target.review) == (False, True)
