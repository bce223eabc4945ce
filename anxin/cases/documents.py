"""The case file (档案, DOMAIN.md §3.9) and the written notice of a finding to a child's guardians.

Both are HTML templates rendered by WeasyPrint to A4 PDFs in-process, the way the intake poster
is (:mod:`anxin.intake.poster`): Chinese text needs the WenQuanYi font known to fontconfig, which
WeasyPrint embeds as a subset. Nothing is fetched while rendering: the templates carry no
images, and the URL fetcher refuses every address.

Times are shown in Asia/Shanghai whatever the request's time zone. The case file masks the
parties (张*某) for readers whose duty does not need their names; the notice names only the
child whose family it goes to; the other children are "相关学生".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core.pdf import FONT_FAMILY, FontMissing, cjk_font_file, no_fetcher
from anxin.org.models import CommitteeRole, Unit, UnitKind
from anxin.org.models import mask_name as _mask

from .models import (
    Answer,
    Case,
    Criterion,
    Deadline,
    DeadlineKind,
    Determination,
    Kind,
    NonBullying,
    PanelSeat,
    Party,
    PartyRole,
    ReexamFinding,
    Reexamination,
)
from .selectors import case_detail, party_label, principals
from .workflow import BEFORE_FINDING

#: Where the cases happen; the documents say so whatever the server's or request's zone.
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Parties whose families receive a notice of the finding.
NOTICE_ROLES = (PartyRole.TARGET, PartyRole.BULLY)


class NotDetermined(Exception):
    """The committee has not (or no longer) made a finding to notify."""


# --- shared helpers -------------------------------------------------------------------------


def _kind_labels(kinds: list[str]) -> str:
    labels = dict(Kind.choices)
    return "、".join(str(labels.get(k, k)) for k in kinds)


def _days_words(rule: dict[str, Any]) -> str:
    """ "5 日" or "5 个工作日": how a period of the policy reads in a sentence."""
    if rule.get("unit") == "working":
        return _("%(n)s 个工作日") % {"n": rule["days"]}
    return _("%(n)s 日") % {"n": rule["days"]}


def bureau_name(school: Unit) -> str:
    """The county bureau that re-examines the school's findings (DOMAIN.md §3.8)."""
    node = school.parent
    while node is not None and node.kind != UnitKind.COUNTY:
        node = node.parent
    if node is None:
        return _("县（区）教育和体育局")
    return _("%(county)s教育和体育局") % {"county": node.name}


def _render(template: str, context: dict[str, Any]) -> bytes:
    if cjk_font_file() is None:
        raise FontMissing()
    import weasyprint  # imported late: heavy, and needs Pango, which a broken host may lack

    with timezone.override(SHANGHAI):
        html = render_to_string(template, {**context, "font_family": FONT_FAMILY})
    return weasyprint.HTML(string=html, url_fetcher=no_fetcher()).write_pdf()


def filename(stem: str) -> str:
    """A download name without characters that file systems or headers choke on."""
    cleaned = "".join(c for c in stem if c not in '\\/:*?"<>|\r\n\t').strip() or "case"
    return f"{cleaned}.pdf"


# --- the case file ---------------------------------------------------------------------------


@dataclass
class CriterionRow:
    label: str
    answer: str
    evidence: str


@dataclass
class DeterminationView:
    det: Determination
    present: list[str]
    criteria: list[CriterionRow]
    finding: str
    kinds: str


def _determination_view(det: Determination) -> DeterminationView:
    answers = dict(Answer.choices)
    stored = det.criteria or {}
    rows = []
    for c in Criterion:
        item = stored.get(c.value) or {}
        rows.append(
            CriterionRow(
                label=str(c.label),
                answer=str(answers.get(item.get("answer", ""), "—")),
                evidence=item.get("evidence", "") or "",
            )
        )
    present = [
        f"{m.name}（{m.get_committee_role_display()}）"
        for m in sorted(det.members_present.all(), key=lambda m: m.pk)
    ]
    if det.is_bullying:
        finding = _("构成学生欺凌")
    else:
        finding = _("不构成学生欺凌（%(why)s）") % {"why": det.get_non_bullying_display() or _("其他")}
    return DeterminationView(
        det=det, present=present, criteria=rows, finding=finding, kinds=_kind_labels(det.kinds)
    )


def _investigation_conclusion(events: list[Any]) -> Any:
    """The latest conclusion submitted to the committee (the submit step writes it to the log)."""
    title = _("调查结论")
    found = [e for e in events if e.title == title]
    return found[-1] if found else None


def _panel_rows(rx: Reexamination) -> list[dict[str, str]]:
    seats = dict(PanelSeat.choices)
    return [
        {
            "name": row.get("name", ""),
            "seat": str(seats.get(row.get("seat", ""), _("其他成员"))),
            "affiliation": row.get("affiliation", "") or "",
        }
        for row in (rx.panel or [])
    ]


def _chair_name(school: Unit) -> str:
    from anxin.org.models import CommitteeMember

    chair = CommitteeMember.objects.filter(
        school=school, committee_role=CommitteeRole.CHAIR, active=True
    ).first()
    return chair.name if chair else ""


def case_file_context(user: Any, case: Case) -> dict[str, Any]:
    """Everything the case file prints, masked as the case page is for this reader."""
    detail = case_detail(user, case)
    masked = not detail["identities"]
    labels = {row["party"].pk: row["label"] for row in detail["parties"]}

    def label(party: Party | None) -> str:
        if party is None:
            return _("全体当事学生")
        return labels.get(party.pk) or party_label(party, masked=masked)

    contacts = [
        {
            "contact": c,
            "party": label(c.party),
            "guardian": _mask(c.guardian_name) if masked else c.guardian_name,
        }
        for c in detail["contacts"]
    ]
    measures = [{"measure": m, "target": label(m.party)} for m in detail["measures"]]
    reexams = [{"rx": rx, "panel": _panel_rows(rx)} for rx in detail["reexaminations"]]
    visits = [{"visit": v, "party": label(v.party) if v.party_id else "—"} for v in detail["visits"]]
    principal = next(iter(principals(case.school)), None)
    return {
        **detail,
        "masked": masked,
        "contacts": contacts,
        "measures": measures,
        "reexaminations": reexams,
        "visits": visits,
        "determinations": [_determination_view(d) for d in detail["determinations"]],
        "conclusion": _investigation_conclusion(detail["events"]),
        "kinds": _kind_labels(case.kinds or []),
        "printed_at": timezone.now(),
        "printed_by": user,
        "owner_name": case.owner.full_name or case.owner.username,
        "principal_name": (principal.full_name or principal.username) if principal else "",
        "chair_name": _chair_name(case.school),
    }


def render_case_file(user: Any, case: Case) -> bytes:
    return _render("cases/pdf/case_file.html", case_file_context(user, case))


def case_file_filename(case: Case) -> str:
    return filename(_("%(school)s-%(number)s-案件档案") % {"school": case.school.name, "number": case.number})


# --- the notice to a child's guardians ---------------------------------------------------------


def notice_party(case: Case, party_pk: Any) -> Party | None:
    """The party of this case whose family gets a notice (a target or a bully), or None."""
    try:
        pk = int(party_pk)
    except (TypeError, ValueError):
        return None
    return (
        case.parties.filter(pk=pk, role__in=[r.value for r in NOTICE_ROLES])
        .select_related("klass", "klass__school", "student")
        .first()
    )


def _latest_determination(case: Case) -> Determination | None:
    return case.determinations.order_by("-created_at", "-pk").first()


def _reexam_in_force(case: Case, det: Determination) -> Reexamination | None:
    """A re-examination decided on this determination (not one that sent it back for investigation)."""
    rx = case.reexaminations.filter(decided_on__isnull=False).order_by("-created_at", "-pk").first()
    if rx is None or rx.finding == ReexamFinding.REINVESTIGATE or rx.created_at < det.created_at:
        return None
    return rx


def notice_ready(case: Case) -> bool:
    """Whether a finding is in force to notify (not before one, nor after it was sent back)."""
    return case.status not in BEFORE_FINDING and case.is_bullying is not None and case.determinations.exists()


def notice_context(case: Case, party: Party) -> dict[str, Any]:
    det = _latest_determination(case)
    if det is None or not notice_ready(case):
        raise NotDetermined()
    bullying = bool(case.is_bullying)
    if bullying:
        role_words = _("受欺凌学生") if party.role == PartyRole.TARGET else _("实施欺凌的学生")
        non_bullying = ""
    else:
        role_words = _("事件当事学生")
        non_bullying = str(
            det.get_non_bullying_display()
            if not det.is_bullying and det.non_bullying
            else NonBullying.OTHER.label
        )
    rules = case.policy.rules
    appeal: Deadline | None = (
        case.deadlines.filter(kind=DeadlineKind.APPEAL, cancelled=False).order_by("-pk").first()
        if case.result_notified_on
        else None
    )
    # This child's own measures in full; measures for everyone (family guidance) by kind only,
    # since their free text may name the other children.
    measures = [{"measure": m, "own": True} for m in case.measures.filter(party=party)] + [
        {"measure": m, "own": False} for m in case.measures.filter(party__isnull=True)
    ]
    profile = getattr(case.school, "profile", None)
    klass = party.klass.display_name if party.klass_id else ""
    school_of_child = party.school.name if party.school_id else ""
    return {
        "case": case,
        "party": party,
        "name": party.name,
        "klass": klass,
        "school_of_child": school_of_child,
        "det": det,
        "bullying": bullying,
        "role_words": role_words,
        "kinds": _kind_labels(case.kinds or []) if bullying else "",
        "gravity": case.get_gravity_display() if bullying else "",
        "non_bullying": non_bullying,
        "measures": measures,
        "reexam": _reexam_in_force(case, det),
        "bureau": bureau_name(case.school),
        "appeal_days": rules["appeal"]["days"],
        "appeal_words": _days_words(rules["appeal"]),
        "reexam_words": _days_words(rules["reexamination"]),
        "appeal": appeal,
        "contact_person": getattr(profile, "contact_person", "") or "",
        "hotline": getattr(profile, "hotline", "") or "",
        "issued_on": timezone.localdate(timezone.now(), SHANGHAI),
    }


def render_notice(case: Case, party: Party) -> bytes:
    return _render("cases/pdf/notice.html", notice_context(case, party))


def notice_filename(case: Case, party: Party) -> str:
    # The child's role and record number, not the name: download folders and logs are not private.
    return filename(
        _("%(number)s-认定结果告知书-%(role)s-%(pk)s")
        % {"number": case.number, "role": party.get_role_display(), "pk": party.pk}
    )
