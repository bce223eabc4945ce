"""Every write of the survey: opening a campaign, issuing a class's codes, keeping a half-finished
answer, submitting it (exactly once per code), reminding schools whose pupils have not answered.

Answering takes no account and no request: the views hand over only the code and what was ticked.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.access.matrix import can_at, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Invalid, NotFound, ServiceError
from anxin.core.notify import notify
from anxin.org.models import Role, Unit, UnitKind, User

from . import events, instrument
from .errors import SurveyError
from .models import Campaign, Response, SurveyCode

#: Letters and digits a child cannot confuse (no 0/O, 1/I/L).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
#: How long a half-finished answer is kept after its last change.
DRAFT_HOURS = 24
MAX_CODES_PER_CLASS = 80
TITLE_MAX = 100
MAX_WINDOW_DAYS = 120
MAX_EXTRA_ITEMS = 10
#: Schools under this share of answered codes are reminded.
REMIND_BELOW = 0.6


class CodeUnknown(ServiceError):
    status = 404
    code = SurveyError.CODE_UNKNOWN
    default_message = gettext_lazy("没有找到这个答题码。请对照纸条再输入一次，注意字母和数字。")


class CodeUsed(ServiceError):
    status = 409
    code = ErrorCode.CODE_USED
    default_message = gettext_lazy(
        "这个答题码已经提交过问卷了，每个答题码只能用一次。如果你还没有答过，请向老师要一张新的纸条。"
    )


class CodeExpired(ServiceError):
    status = 410
    code = SurveyError.CODE_EXPIRED
    default_message = gettext_lazy("这次调查已经结束了，这个答题码不能再用。谢谢你！")


class NotOpen(ServiceError):
    status = 409
    code = SurveyError.NOT_OPEN
    default_message = gettext_lazy("这次调查还没有开始，请等老师通知后再来答题。")


def normalise_code(raw: Any) -> str:
    """What a child typed, as stored: capitals, without spaces or dashes; '' when it cannot be a code."""
    text = "".join(ch for ch in str(raw or "")[:40].upper() if ch not in " -_\t")
    if len(text) != CODE_LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return text


def pretty_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_check(raw: Any, *, today: date | None = None) -> SurveyCode:
    """The code, ready to answer, or the reason it cannot: unknown, used, before or after its window."""
    today = today or timezone.localdate()
    code = normalise_code(raw)
    found = (
        SurveyCode.objects.select_related("campaign", "klass", "klass__parent", "school")
        .filter(code=code)
        .first()
        if code
        else None
    )
    if found is None:
        raise CodeUnknown()
    if found.used:
        raise CodeUsed()
    if today > found.campaign.ends_on:
        raise CodeExpired()
    if today < found.campaign.starts_on:
        raise NotOpen()
    return found


def grade_of(klass: Unit) -> int:
    parent = klass.parent
    return int(parent.number or 0) if parent is not None and parent.kind == UnitKind.GRADE else 0


def form_for(code: SurveyCode) -> instrument.Instrument:
    return instrument.instrument(code.campaign.version, code.campaign.extra_items)


def draft_of(code: SurveyCode, *, now: Any = None) -> dict[str, Any]:
    now = now or timezone.now()
    if code.draft and code.draft_until and code.draft_until > now:
        return dict(code.draft)
    return {}


def _clean_answer(item: instrument.Item, value: Any) -> Any:
    """The answer as stored, '' (or []) for no answer; Invalid when it is not one of the options."""
    if item.kind == "text":
        text = str(value or "").strip()
        if len(text) > instrument.COMMENT_MAX:
            raise Invalid(
                _("写的字太多了，请不要超过 %(n)s 个字。") % {"n": instrument.COMMENT_MAX},
                code=SurveyError.BAD_ANSWER,
            )
        return text
    if item.kind == "multi":
        values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        values = [str(v) for v in values][:20]
        if any(v not in item.values() for v in values):
            raise Invalid(_("请从选项里选择。"), code=SurveyError.BAD_ANSWER, detail={"item": item.key})
        return sorted(set(values))
    if value in (None, ""):
        return ""
    if str(value) not in item.values():
        raise Invalid(_("请从选项里选择。"), code=SurveyError.BAD_ANSWER, detail={"item": item.key})
    return str(value)


def clean_answers(form: instrument.Instrument, answers: Any) -> dict[str, Any]:
    if not isinstance(answers, dict):
        raise Invalid(_("提交的答案格式不正确。"), code=SurveyError.BAD_ANSWER)
    out: dict[str, Any] = {}
    for key, value in list(answers.items())[:60]:
        item = form.item(str(key))
        if item is None or item.kind == "info":
            raise Invalid(
                _("问卷里没有这道题。"), code=SurveyError.BAD_ANSWER, detail={"item": str(key)[:40]}
            )
        out[item.key] = _clean_answer(item, value)
    return out


def draft_save(*, code: SurveyCode, answers: dict[str, Any]) -> dict[str, Any]:
    """Keep the answers given so far for 24 hours (merged with what was kept), so a pupil interrupted by
    the bell finishes later. Nothing is kept once the code is used."""
    form = form_for(code)
    cleaned = clean_answers(form, answers)
    now = timezone.now()
    with transaction.atomic():
        locked = SurveyCode.objects.select_for_update().get(pk=code.pk)
        if locked.used:
            raise CodeUsed()
        merged = {**draft_of(locked, now=now), **cleaned}
        SurveyCode.objects.filter(pk=code.pk).update(
            draft=merged, draft_until=now + timedelta(hours=DRAFT_HOURS)
        )
    code.draft, code.draft_until = merged, now + timedelta(hours=DRAFT_HOURS)
    return merged


def _int(value: Any) -> int:
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def response_submit(*, code: SurveyCode, answers: dict[str, Any] | None = None) -> bool:
    """Store the answer (the kept draft plus ``answers``) and use up the code, exactly once.

    Returns whether the pupil said they are being hurt now (the end page then shows where to get help).
    The code is claimed with a conditional update in the same transaction as the answer row, so two
    taps, two tabs or two phones with one code store one answer; the loser hears CodeUsed.
    """
    form = form_for(code)
    today = timezone.localdate()
    if today > code.campaign.ends_on:
        raise CodeExpired()
    if today < code.campaign.starts_on:
        raise NotOpen()
    given = {**draft_of(code), **clean_answers(form, answers or {})}
    for key in ("victim", "perpetrator"):
        if given.get(key, "") == "":
            raise Invalid(
                _("还有必答的题没有回答：%(q)s")
                % {"q": form.item(key).prompt(instrument.stage_of_grade(grade_of(code.klass)))},  # type: ignore[union-attr]
                code=SurveyError.ANSWER_MISSING,
                detail={"item": key},
            )
    bullied = instrument.is_bullied(given)
    if not bullied:
        given = {k: v for k, v in given.items() if not (form.item(k) and form.item(k).only_if_bullied)}  # type: ignore[union-attr]
    safe = given.get("safe", "")
    with transaction.atomic():
        claimed = SurveyCode.objects.filter(pk=code.pk, used=False).update(
            used=True, used_on=today, draft=None, draft_until=None
        )
        if claimed != 1:
            raise CodeUsed()
        Response.objects.create(
            campaign=code.campaign,
            school_id=code.school_id,
            klass_id=code.klass_id,
            unit_path=code.unit_path,
            grade=grade_of(code.klass),
            version=form.version,
            day=today,
            gender=given.get("gender", "") or "",
            victim=_int(given.get("victim")),
            perpetrator=_int(given.get("perpetrator")),
            place=given.get("place", "") or "",
            time_band=given.get("time_band", "") or "",
            safe=int(safe) if safe != "" else None,
            comment=given.pop("comment", "") or "",
            answers={k: v for k, v in given.items() if k not in instrument.FORMS},
            **{f: _int(given.get(f)) for f in instrument.FORMS},
        )
    return instrument.hurt_now(given)


# --- Staff ---------------------------------------------------------------------------------------


def _clean_extra(extra_items: Any) -> list[dict[str, Any]]:
    if not extra_items:
        return []
    if not isinstance(extra_items, list) or len(extra_items) > MAX_EXTRA_ITEMS:
        raise Invalid(_("附加题最多 %(n)s 道。") % {"n": MAX_EXTRA_ITEMS}, code=SurveyError.BAD_EXTRA_ITEM)
    out = []
    for i, x in enumerate(extra_items, start=1):
        text = str((x or {}).get("text", "") if isinstance(x, dict) else "").strip()
        options = (x or {}).get("options") if isinstance(x, dict) else None
        if not text or len(text) > 200:
            raise Invalid(_("附加题的题目不能为空，也不能超过200字。"), code=SurveyError.BAD_EXTRA_ITEM)
        if (
            not isinstance(options, list)
            or not 2 <= len(options) <= 8
            or any(not str(o).strip() or len(str(o)) > 50 for o in options)
        ):
            raise Invalid(_("附加题需要2到8个选项，每个不超过50字。"), code=SurveyError.BAD_EXTRA_ITEM)
        out.append({"key": f"x{i}", "text": text, "options": [str(o).strip() for o in options]})
    return out


def campaign_open(
    *,
    actor: User,
    bureau: Unit,
    title: str,
    starts_on: date | None,
    ends_on: date | None,
    extra_items: Any = None,
) -> Campaign:
    """Open a term's survey for every school under the bureau; bureau items come after the core ones."""
    if bureau.kind not in (UnitKind.CITY, UnitKind.COUNTY) or not can_at(
        actor, "survey_campaign", "change", bureau.path
    ):
        raise NotFound()
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(_("请填写调查名称（不超过100字）。"), code=ErrorCode.TITLE_REQUIRED)
    today = timezone.localdate()
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise Invalid(_("请填写开始和结束日期，结束日期不能早于开始日期。"), code=ErrorCode.BAD_WINDOW)
    if ends_on < today or (ends_on - starts_on).days > MAX_WINDOW_DAYS:
        raise Invalid(
            _("结束日期不能早于今天，调查时间不能超过 %(n)s 天。") % {"n": MAX_WINDOW_DAYS},
            code=ErrorCode.BAD_WINDOW,
        )
    extra = _clean_extra(extra_items)
    require_at(actor, "survey_campaign", "change", bureau.path)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            bureau=bureau,
            unit_path=bureau.path,
            title=title,
            extra_items=extra,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=events.CAMPAIGN_OPENED,
            unit=bureau,
            subject=campaign,
            after={
                "title": title,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "extra": len(extra),
            },
        )
    return campaign


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def codes_issue(*, actor: User | None, campaign: Campaign, klass: Unit, count: int) -> list[SurveyCode]:
    """Add ``count`` one-time codes for a class (more slips for a class that needs them)."""
    if (
        klass.kind != UnitKind.CLASS
        or not klass.path.startswith(campaign.unit_path)
        or (actor is not None and not can_at(actor, "survey_code", "change", klass.path))
    ):
        raise Invalid(_("请选择您负责的、参加本次调查的班级。"), code=SurveyError.CLASS_NOT_ALLOWED)
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES_PER_CLASS:
        raise Invalid(
            _("每次生成 1 到 %(n)s 个答题码。") % {"n": MAX_CODES_PER_CLASS},
            code=SurveyError.CODE_COUNT_OUT_OF_RANGE,
        )
    if grade_of(klass) < 3:
        raise Invalid(_("专项调查从三年级开始，低年级不发答题码。"), code=SurveyError.GRADE_TOO_LOW)
    if not campaign.can_print_codes(timezone.localdate()):
        raise Conflict(_("本次调查已经结束，不能再生成答题码。"), code=SurveyError.CAMPAIGN_CLOSED)
    with transaction.atomic():
        made: list[SurveyCode] = []
        for _attempt in range(3):
            batch = [
                SurveyCode(
                    campaign=campaign,
                    school_id=klass.school_id or 0,
                    klass=klass,
                    unit_path=klass.path,
                    code=_new_code(),
                )
                for _i in range(count - len(made))
            ]
            try:
                with transaction.atomic():
                    SurveyCode.objects.bulk_create(batch)
                made += batch
                break
            except IntegrityError:  # 31^8 codes: a clash is vanishingly rare; draw again
                continue
        audit_record(
            actor=actor,
            action=events.CODES_ISSUED,
            unit=klass,
            subject=campaign,
            after={"class": klass.pk, "count": len(made)},
        )
    return made


def campaign_remind(*, actor: User | None, campaign: Campaign, below: float = REMIND_BELOW) -> int:
    """Tell the leaders of each school under ``below`` of its codes answered (or with no codes yet)."""
    from .selectors import school_rates

    require_at(actor, "survey_campaign", "change", campaign.unit_path)
    if campaign.ends_on < timezone.localdate():
        raise Conflict(_("本次调查已经结束。"), code=SurveyError.CAMPAIGN_CLOSED)
    low = [r for r in school_rates(campaign) if r["rate"] is None or r["rate"] < below]
    told = 0
    with transaction.atomic():
        for row in low:
            school = row["school"]
            people = User.objects.filter(
                is_active=True,
                assignments__unit=school,
                assignments__role__in=[Role.PRINCIPAL, Role.MORAL_DIRECTOR],
            ).distinct()
            rate = "—" if row["rate"] is None else f"{row['rate']:.0%}"
            notify(
                people,
                title=_("专项调查答题率偏低：%(title)s") % {"title": campaign.title},
                body=_("%(school)s 目前答题率 %(rate)s，调查将于 %(end)s 结束，请组织各班学生答题。")
                % {"school": school.name, "rate": rate, "end": campaign.ends_on.isoformat()},
                url=reverse("surveys:campaign", args=[campaign.pk]),
                subject_key=f"survey_remind:{campaign.pk}:{school.pk}:{timezone.localdate().isoformat()}",
            )
            told += 1
        audit_record(
            actor=actor,
            action=events.REMINDED,
            unit=campaign.bureau,
            subject=campaign,
            after={"schools": told},
        )
    return told


#: The automatic reminder goes out this many days before a campaign's last day.
REMIND_DAYS_BEFORE = 3


def remind_due() -> int:
    """The automatic reminder of every campaign whose last day is three days off; the notices' subject
    keys name the day, so a second run the same day tells nobody twice."""
    due = timezone.localdate() + timedelta(days=REMIND_DAYS_BEFORE)
    told = 0
    for campaign in Campaign.objects.filter(ends_on=due).select_related("bureau")[:200]:
        told += campaign_remind(actor=None, campaign=campaign)
    return told


def drafts_forget(now: Any = None) -> int:
    """Erase half-finished answers 24 hours after their last change (they are no longer offered anyway)."""
    now = now or timezone.now()
    return SurveyCode.objects.filter(draft_until__lt=now).update(draft=None, draft_until=None)
