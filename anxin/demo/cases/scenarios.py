"""The scenario cases of SCENARIOS.md at 城关第二中学 (stories 1, 3, 4 and 5)."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.cases.models import Deadline, DeadlineAlert, DeadlineKind, DeadlinePolicy, PartyRole
from anxin.cases.policy import policy_set
from anxin.intake import services as intake
from anxin.intake.models import About, Channel, Message, Place, Report, TimeBand
from anxin.intake.receipts import ALPHABET, LENGTH, receipt_hash
from anxin.intake.services import fingerprint
from anxin.org.models import CommitteeMember, CommitteeRole, Guardian, Role, Student, Unit, UnitKind

from .people import SCENARIO_SCHOOL, School, Teller, attendance, class_teachers, criteria, take
from .spread import RECIPES
from .timeline import (
    NotYet,
    Story,
    at_local,
    backdate_notifications,
    fit_before,
    redate_measure,
    workday_forward,
)

#: The size of the scenarios' committee (SCENARIOS.md §3: nine members).
COMMITTEE_SIZE = 9
#: Story 3's dates (SCENARIOS.md §3, DOMAIN.md §3's worked example).
STORY3_OPENED = date(2026, 9, 24)
STORY3_MEETING = date(2026, 10, 13)
#: Affiliations of the re-examination panels' lawyers (invented).
LAW_FIRMS = ("安平市明德律师事务所", "安平市正平律师事务所", "安平市公信律师事务所")


# --- the reports of the stories -------------------------------------------------------------------

#: The reports' texts, and what the intake's triage finds in them (``test_demo`` checks it still
#: does). They are stored as ``report_submit`` / ``report_record`` would store them, without
#: running the triage (loading its dictionary and model takes seconds, the whole budget of the
#: demo's cases) and without the notices and audit event of their arrival, long past; what the
#: school did with them goes through the intake's and the cases' services.
REPORT_LEI = {
    "text": "我是初二(3)班的住校生。宿舍里的两个室友每天晚上熄灯以后都打我，不让我告诉别人。"
    "今天他们说明天要带刀来，我很害怕，不敢回宿舍睡觉。",
    "triage_kinds": ["physical"],
    "signals": ["weapon"],
    "triage_reasons": [
        {
            "signal": "weapon",
            "words": ["刀"],
            "explanation": "提到刀具、棍棒等凶器，或扬言杀伤、以凶器相威胁",
        },
        {
            "kind": "physical",
            "words": ["打", "刀"],
            "explanation": "肢体欺凌：殴打、踢踹、推搡、掐咬、揪头发或恐吓威胁",
        },
    ],
    "urgent": True,
}
REPORT_HOTLINE = {
    "text": "母亲来电反映，她的孩子（初一(5)班）长期被同学起外号“矮冬瓜”，最近还有同学把孩子哭的照片发到班级群里。",
    "triage_kinds": ["verbal", "cyber"],
    "signals": [],
    "triage_reasons": [
        {
            "kind": "verbal",
            "words": ["起外号", "矮冬瓜"],
            "explanation": "言语欺凌：辱骂、嘲笑、讽刺或起侮辱性外号",
        },
        {
            "kind": "cyber",
            "words": ["照片发", "班级群"],
            "explanation": "网络欺凌：在群聊、朋友圈、短视频等网络平台造谣、嘲讽或传播照片与隐私",
        },
    ],
    "urgent": False,
}


def _report(triaged: dict[str, Any], school: Unit, at: datetime, *, receipt: str, **fields: Any) -> Report:
    report = Report.objects.create(
        school=school,
        receipt_hash=receipt_hash(receipt),
        fingerprint=fingerprint(triaged["text"]),
        **triaged,
        **fields,
    )
    Report.objects.filter(pk=report.pk).update(created_at=at, updated_at=at)
    report.created_at = at
    return report


class Scenarios(Teller):
    def tell(self) -> str:
        """The four stories; returns 刘小磊's receipt code ("" without the scenarios' school)."""
        unit = (
            Unit.objects.filter(kind=UnitKind.SCHOOL, name=SCENARIO_SCHOOL, is_active=True)
            .order_by("code")
            .first()
        )
        if unit is None:
            return ""
        school = School(unit)
        self._committee(school)
        self._county_policy(school)
        # Story 3 first: the deadline sweep replayed on its reminder day must find only its case.
        receipt = ""
        for tell in (self.story3, self.story1, self.story4, self.story5):
            try:
                receipt = tell(school) or receipt
            except NotYet:
                pass
        return receipt

    def _committee(self, school: School) -> None:
        have = CommitteeMember.objects.filter(school=school.unit, active=True).count()
        for i in range(COMMITTEE_SIZE - have):
            role = CommitteeRole.PARENT if i % 2 == 0 else CommitteeRole.EXPERT
            CommitteeMember.objects.create(
                school=school.unit,
                name=self.fake.name(),
                committee_role=role,
                is_external=True,
                phone=f"1380000{self.rng.randrange(10000):04d}",
            )

    def _county_policy(self, school: School) -> None:
        """城关区 counts its investigations in working days (SCENARIOS.md §3)."""
        if school.county is None or school.bureau is None:
            return
        policy = policy_set(
            actor=school.bureau.user,
            unit=school.county,
            rules={"investigation": {"days": 10, "unit": "working"}},
            note=_("调查期限按工作日计算"),
        )
        # In force before the oldest demo case was opened.
        since = min(
            STORY3_OPENED, self.today - timedelta(days=max(r.opened_days_ago for r in RECIPES))
        ) - timedelta(days=30)
        DeadlinePolicy.objects.filter(pk=policy.pk).update(created_at=at_local(since, 9))

    def story1(self, school: School) -> str:
        """SCENARIOS.md §1: the report after lights-out, the case in 紧急处置."""
        rng = self.rng
        klass = school.klass(8, 3)
        if klass is None:
            return ""
        pupils = school.pupils(Student.objects.filter(klass=klass))
        if not pupils:
            return ""
        lei = pupils[0]
        roommates = [
            s
            for s in school.pupils(
                Student.objects.filter(klass__parent=klass.parent, gender=lei.gender, boarder=True)
            )
            if s.pk != lei.pk
        ][:2]
        if len(roommates) < 2:
            roommates = take(rng, school.pupils(Student.objects.filter(klass__parent=klass.parent)), 2, [lei])
        if not roommates:
            return ""
        # The Tuesday before last night at the latest, so that "next morning" has passed too.
        night = self.today - timedelta(days=2)
        while night.weekday() != 1:
            night -= timedelta(days=1)
        morning = night + timedelta(days=1)
        duty = school.person(Role.DUTY_STAFF, Role.MORAL_DIRECTOR)

        receipt = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
        receipt = "-".join(receipt[i : i + 4] for i in range(0, LENGTH, 4))
        report = _report(
            REPORT_LEI,
            school.unit,
            at_local(night, 22, 40),
            receipt=receipt,
            channel=Channel.BOX,
            about=About.SELF,
            place=Place.DORMITORY,
            time_band=TimeBand.AFTER_LIGHTS_OUT,
            occurred_on=night,
            reported_kinds=["physical"],
        )
        since = timezone.now()
        report = intake.report_acknowledge(actor=duty, report=report)
        Report.objects.filter(pk=report.pk).update(acknowledged_at=at_local(night, 22, 47))
        backdate_notifications(f"report:{report.pk}:", since=since, at=at_local(night, 22, 47))

        story = self.story(school)
        story.open(
            at_local(night, 22, 58),
            duty,
            {
                "title": "住校生反映遭室友夜间殴打，对方扬言带刀",
                "narrative": "爱心信箱 22:40 收到住校生反映：两名室友每晚熄灯后殴打他，并扬言明天带刀来。"
                "值班领导 22:47 确认收到，派宿管员到宿舍查看。",
                "kinds": ["physical"],
                "places": ["dormitory"],
                "time_bands": ["after_lights_out"],
                "occurred_on": night.isoformat(),
                "urgent": True,
            },
            reports=[report],
        )
        # The duty staff have no view of student records: they name a child by 学号 and full name.
        story.act(
            at_local(night, 23, 2),
            duty,
            "add_party",
            {"role": PartyRole.TARGET, "student_no": lei.student_no, "name": lei.name},
        )
        for s in roommates:
            story.act(
                at_local(night, 23, 4),
                duty,
                "add_party",
                {
                    "role": PartyRole.BULLY,
                    "student_no": s.student_no,
                    "name": s.name,
                    "description": "同宿舍室友",
                },
            )
        dorm = school.staff.get(Role.DORM_STAFF)
        story.act(
            at_local(night, 23, 15),
            duty,
            "emergency",
            {
                "steps": ["separation", "parents", "psych"],
                "note": f"宿管员{dorm.full_name if dorm else ''}到宿舍查看：已将三名学生分开，反映人今晚安排在值班室休息，"
                "有老师陪同；检查宿舍及两名室友的柜子，未发现刀具；23:10 电话告知三名学生的家长。",
                "done_at": at_local(night, 23, 10).isoformat(),
            },
        )
        for party in story.c.parties.order_by("pk"):
            guardian = Guardian.objects.filter(student_id=party.student_id).order_by("pk").first()
            if guardian is None:
                continue
            said = (
                "告知孩子反映的情况和学校已采取的保护措施，家长明早到校。"
                if party.role == PartyRole.TARGET
                else "告知孩子被反映夜间殴打室友、扬言带刀，请家长明早到校配合调查。"
            )
            story.act(
                at_local(night, 23, 20),
                duty,
                "contact_guardian",
                {
                    "party": party.pk,
                    "guardian_name": guardian.name,
                    "relation": guardian.relation,
                    "contacted_at": at_local(night, 23, 10).isoformat(),
                    "method": "phone",
                    "said": said,
                },
            )
        since = timezone.now()
        replier = school.person(Role.MORAL_DIRECTOR, Role.PRINCIPAL)
        message = intake.report_reply(
            actor=replier,
            report=report,
            text=(
                "你好，学校已经收到你的反映，昨晚已经安排老师处理，你是安全的。"
                "今天任何一个课间，你都可以到心理咨询室找老师聊聊，可以一个人来，也可以和你信任的同学一起来。"
            ),
        )
        Message.objects.filter(pk=message.pk).update(created_at=at_local(morning, 7, 50))
        Report.objects.filter(pk=report.pk).update(updated_at=at_local(morning, 7, 50))
        return receipt

    def story3(self, school: School) -> None:
        """SCENARIOS.md §3: the committee decides; the finding served, the appeal window open."""
        rng = self.rng
        klass = school.klass(7, 5)
        if klass is None:
            return
        shift = timedelta(days=fit_before(STORY3_MEETING + timedelta(days=1)))
        opened, meeting = STORY3_OPENED - shift, STORY3_MEETING - shift
        pupils = school.pupils(Student.objects.filter(klass=klass))
        if len(pupils) < 2:
            return
        boy = next((s for s in pupils if s.gender == "M"), pupils[0])
        neighbour = school.klass(7, klass.number - 1) if klass.number > 1 else None
        others = (
            school.pupils(Student.objects.filter(klass=neighbour)) if neighbour and neighbour != klass else []
        )
        posters = take(rng, pupils, 1, [boy]) + (
            take(rng, others, 1) if others else take(rng, pupils, 1, [boy])
        )
        witnesses = take(rng, pupils, 3, [boy, *posters])
        lead, principal = school.lead, school.principal
        mother = Guardian.objects.filter(student=boy, relation="母亲").first()
        mother_name = mother.name if mother else self.fake.name_female()

        receipt = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
        report = _report(
            REPORT_HOTLINE,
            school.unit,
            at_local(opened, 8, 20),
            receipt=receipt,
            channel=Channel.HOTLINE,
            about=About.OTHER,
            place=Place.ONLINE,
            reported_kinds=["verbal", "cyber"],
            reporter_name=mother_name,
            reporter_relation="母亲",
            wants_contact=True,
            contact=mother.phone if mother else f"1380000{rng.randrange(10000):04d}",
            owner=lead,
            recorded_by=lead,
        )

        story = self.story(school)
        story.open(
            at_local(opened, 9, 5),
            lead,
            {
                "title": "长期被起侮辱性绰号，哭泣照片被发到班级群",
                "narrative": "学生母亲来电反映：孩子几个月来被同学叫“矮冬瓜”，其哭泣的照片被发到班级微信群。",
                "kinds": ["verbal", "cyber"],
                "places": ["classroom", "online"],
                "time_bands": ["break"],
            },
            reports=[report],
        )
        story.act(
            at_local(opened, 9, 30),
            lead,
            "investigate",
            {"note": "与受害学生谈话，找三名同学了解情况，收集班级群聊天截图。"},
        )
        story.act(at_local(opened, 10, 0), lead, "add_party", {"role": PartyRole.TARGET, "student": boy.pk})
        for s in posters:
            story.act(
                at_local(opened, 10, 5),
                lead,
                "add_party",
                {"role": PartyRole.BULLY, "student": s.pk, "description": "在班级群发布照片"},
            )
        for s in witnesses:
            story.act(
                at_local(opened, 10, 10), lead, "add_party", {"role": PartyRole.WITNESS, "student": s.pk}
            )
        story.act(
            at_local(opened, 16, 30),
            lead,
            "contact_guardian",
            {
                "party": story.party(PartyRole.TARGET).pk,
                "guardian_name": mother_name,
                "relation": "母亲",
                "contacted_at": at_local(opened, 16, 0).isoformat(),
                "method": "phone",
                "said": "告知学校已立案调查，约定明天到校面谈；请家长保存孩子收到的消息。",
            },
        )
        day2 = workday_forward(opened + timedelta(days=1))
        story.act(
            at_local(day2, 10, 20),
            lead,
            "add_note",
            {
                "text": "与受害学生谈话（心理教师在场）：自开学起被叫“矮冬瓜”，"
                "两名同学将其哭泣照片发到班级群并配侮辱性文字。"
            },
        )
        story.act(
            at_local(day2, 11, 0),
            lead,
            "attach",
            {"name": "班级群聊天截图"},
            files={"file": _screenshot(rng)},
        )
        day3 = workday_forward(day2 + timedelta(days=1))
        story.act(
            at_local(day3, 15, 0),
            lead,
            "add_note",
            {"text": "与三名同班同学分别谈话，均证实绰号长期存在、照片由两名同学发布。"},
        )
        # The sweep's reminder two working days before the investigation is due (DOMAIN.md §3).
        investigation = story.c.deadlines.get(kind=DeadlineKind.INVESTIGATION)
        if investigation.remind_on is not None:
            self._replay_sweep(story, at_local(investigation.remind_on, 7, 30))
        story.act(
            at_local(meeting, 8, 40),
            lead,
            "submit",
            {
                "summary": "经调查：两名同学自开学以来多次以“矮冬瓜”称呼受害学生，并将其哭泣照片发到班级群，"
                "造成其厌学、失眠。提请学生欺凌治理委员会认定。"
            },
        )
        present, _total = attendance(school.unit, rng, wanted=7)
        story.act(
            at_local(meeting, 16, 30),
            principal,
            "determine",
            {
                "meeting_on": meeting.isoformat(),
                "members_present": present,
                "is_bullying": "yes",
                "kinds": ["verbal", "cyber"],
                "gravity": "heavier",
                "non_bullying": "",
                "parents_participation": "三方家长列席会议并陈述意见，受害学生家长要求公开道歉。",
                "reasoning": "两名同学长期起侮辱性绰号，并在班级群传播受害学生哭泣的照片，主观恶意明显，造成精神损害。",
                **criteria(
                    {
                        "intent": "多次故意使用侮辱性绰号，发布照片时配有嘲笑文字（聊天截图）",
                        "imbalance": "二对一，且在全班同学所在的群内传播",
                        "harm": "受害学生厌学、失眠，心理教师评估有明显情绪困扰",
                        "resistance": "受害学生多次要求停止未果，无挑衅行为（三名同学证实）",
                        "pattern": "自开学起持续数周",
                    }
                ),
            },
        )
        # The finding is served recently enough that the 5-day appeal window is open now.
        served = max(workday_forward(meeting + timedelta(days=1)), self.today - timedelta(days=1))
        bullies = [story.party(PartyRole.BULLY, s) for s in posters]
        target = story.party(PartyRole.TARGET)
        psych = school.person(Role.PSYCH_TEACHER, Role.MORAL_DIRECTOR)
        teacher = next((u for u in class_teachers(klass)), lead)
        for i, bully in enumerate(bullies):
            story.act(
                at_local(served, 9, i),
                lead,
                "add_measure",
                {
                    "kind": "apology",
                    "party": bully.pk,
                    "detail": "向受害学生书面道歉，并在班级群撤回照片、公开致歉。",
                    "owner": teacher.pk,
                    "due_on": (served + timedelta(days=7)).isoformat(),
                },
            )
            story.act(
                at_local(served, 9, 10 + i),
                lead,
                "add_measure",
                {
                    "kind": "discipline_heavier",
                    "party": bully.pk,
                    "detail": "由政教主任予以训导，并告知家长。",
                    "owner": lead.pk,
                    "due_on": (served + timedelta(days=14)).isoformat(),
                    "parents_notified_at": at_local(served, 8, 30).isoformat(),
                    "parents_notice_method": "phone",
                },
            )
            story.act(
                at_local(served, 9, 20 + i),
                lead,
                "add_measure",
                {
                    "kind": "correction",
                    "party": bully.pk,
                    "detail": "8 小时矫治计划：网络文明与尊重他人主题教育、志愿服务。",
                    "hours": 8,
                    "owner": psych.pk,
                    "due_on": (served + timedelta(days=42)).isoformat(),
                },
            )
        story.act(
            at_local(served, 9, 30),
            lead,
            "add_measure",
            {
                "kind": "counselling",
                "party": target.pk,
                "detail": "心理辅导 4 次，每周一次。",
                "sessions": 4,
                "owner": psych.pk,
                "due_on": (served + timedelta(days=35)).isoformat(),
            },
        )
        story.act(
            at_local(served, 9, 40),
            lead,
            "add_measure",
            {
                "kind": "family_guidance",
                "detail": "对三个家庭开展家庭教育指导（家长学校专题一次、个别指导一次）。",
                "owner": lead.pk,
                "due_on": (served + timedelta(days=42)).isoformat(),
            },
        )
        story.act(
            at_local(served, 10, 0),
            lead,
            "notify_result",
            {
                "notified_on": served.isoformat(),
                "method": "written",
                "note": "认定结果通知书已打印，当面送达三名学生的家长并签收。",
            },
        )

    def _replay_sweep(self, story: Story, at: datetime) -> None:
        """Run the deadline sweep as it ran on ``at``, when this case was the only one with a deadline due."""
        from anxin.cases.sweep import sweep

        day = timezone.localtime(at).date()
        due = Deadline.objects.filter(met_at__isnull=True, cancelled=False).filter(
            Q(remind_on__lte=day) | Q(due_on__lt=day)
        )
        if due.exclude(case=story.c).exists():
            return
        since = timezone.now()
        sweep(now=at)
        DeadlineAlert.objects.filter(deadline__case=story.c, sent_at__gte=since).update(sent_at=at)
        backdate_notifications("deadline:", since=since, at=at)

    def story4(self, school: School) -> None:
        """SCENARIOS.md §4: appealed on day 3, upheld by the county's panel, in aftercare with visits."""
        rng = self.rng
        klass = school.klass(8, 1)
        if klass is None or school.bureau is None:
            return
        shift = timedelta(days=fit_before(date(2026, 11, 18)))

        def d(month: int, day: int) -> date:
            return date(2026, month, day) - shift

        pupils = school.pupils(Student.objects.filter(klass=klass))
        if len(pupils) < 2:
            return
        target = next((s for s in pupils if s.gender == "F"), pupils[0])
        bullies = take(rng, [s for s in pupils if s.gender == target.gender], 2, [target]) or take(
            rng, pupils, 1, [target]
        )
        lead, principal, bureau = school.lead, school.principal, school.bureau.user

        story = self.story(school)
        story.open(
            at_local(d(9, 8), 10, 0),
            lead,
            {
                "title": "女生被同学排挤孤立并遭辱骂",
                "narrative": "班主任发现该生近两周独来独往、成绩下滑，谈话得知两名同学组织其他同学不与她说话，并多次当面辱骂。",
                "kinds": ["relational", "verbal"],
                "places": ["classroom"],
                "time_bands": ["break"],
            },
        )
        story.act(
            at_local(d(9, 8), 10, 30), lead, "investigate", {"note": "分别与当事学生、同桌及班干部谈话。"}
        )
        story.act(
            at_local(d(9, 8), 11, 0), lead, "add_party", {"role": PartyRole.TARGET, "student": target.pk}
        )
        for s in bullies:
            story.act(at_local(d(9, 8), 11, 5), lead, "add_party", {"role": PartyRole.BULLY, "student": s.pk})
        story.act(
            at_local(d(9, 10), 15, 0),
            lead,
            "add_note",
            {"text": "五名同学证实两名同学要求他人不与受害学生说话，并多次辱骂。"},
        )
        story.act(
            at_local(d(9, 15), 16, 0),
            lead,
            "submit",
            {"summary": "两名同学组织排挤孤立受害学生并多次辱骂，持续约三周，提请委员会认定。"},
        )
        present, _total = attendance(school.unit, rng)
        story.act(
            at_local(d(9, 16), 16, 30),
            principal,
            "determine",
            {
                "meeting_on": d(9, 16).isoformat(),
                "members_present": present,
                "is_bullying": "yes",
                "kinds": ["relational", "verbal"],
                "gravity": "general",
                "non_bullying": "",
                "parents_participation": "双方家长列席并陈述意见。",
                "reasoning": "有组织地孤立并辱骂，持续三周，造成受害学生情绪低落、成绩下滑。",
                **criteria({"imbalance": "二人组织多名同学，对一人", "pattern": "持续约三周"}),
            },
        )
        story.act(
            at_local(d(9, 18), 10, 0),
            lead,
            "notify_result",
            {"notified_on": d(9, 18).isoformat(), "method": "written"},
        )
        applicant = story.party(PartyRole.BULLY, bullies[0])
        story.act(
            at_local(d(9, 21), 9, 30),
            lead,
            "apply_reexam",
            {
                "applicant": applicant.pk,
                "applied_on": d(9, 21).isoformat(),
                "reason": "家长认为孩子之间只是闹矛盾，不构成欺凌，对认定结果不服。",
            },
        )
        other = (
            Unit.objects.filter(kind=UnitKind.SCHOOL, parent=school.unit.parent)
            .exclude(pk=school.unit.pk)
            .order_by("code")
            .first()
        )
        other_rep = School(other).person(Role.VICE_PRINCIPAL, Role.MORAL_DIRECTOR) if other else None
        story.act(
            at_local(d(9, 22), 15, 0),
            bureau,
            "assign_panel",
            {
                "school_member": other_rep.full_name if other_rep else self.fake.name(),
                "school_affiliation": other.name if other else "",
                "parent_member": self.fake.name(),
                "expert_member": self.fake.name(),
                "expert_affiliation": rng.choice(LAW_FIRMS),
            },
        )
        story.act(
            at_local(d(9, 30), 16, 0),
            bureau,
            "decide_reexam",
            {
                "finding": "uphold",
                "decided_on": d(9, 30).isoformat(),
                "note": "复查小组调阅材料、听取双方意见，认为认定事实清楚、程序合法，维持原认定。",
            },
        )
        teacher = next((u for u in class_teachers(klass)), lead)
        psych = school.person(Role.PSYCH_TEACHER, Role.MORAL_DIRECTOR)
        added = []
        for s in bullies:
            party = story.party(PartyRole.BULLY, s)
            story.act(
                at_local(d(10, 9), 9, 0),
                lead,
                "add_measure",
                {
                    "kind": "education",
                    "party": party.pk,
                    "detail": "批评教育，班会上向全班说明并道歉。",
                    "owner": teacher.pk,
                    "due_on": timezone.localdate().isoformat(),
                },
            )
            added.append(d(10, 14))
        story.act(
            at_local(d(10, 9), 9, 30),
            lead,
            "add_measure",
            {
                "kind": "counselling",
                "party": story.party(PartyRole.TARGET).pk,
                "detail": "心理辅导 3 次。",
                "sessions": 3,
                "owner": psych.pk,
                "due_on": timezone.localdate().isoformat(),
            },
        )
        added.append(d(10, 16))
        for measure, due in zip(story.c.measures.order_by("pk"), added, strict=True):
            redate_measure(story.c, measure, due)
        story.act(at_local(d(10, 9), 10, 0), lead, "start_measures", {})
        for measure in story.c.measures.order_by("pk"):
            story.act(
                at_local(measure.due_on, 16, 0),
                measure.owner,
                "complete_measure",
                {"measure": measure.pk, "note": "已按计划完成。"},
            )
        start = d(10, 19)
        story.act(at_local(start, 16, 30), lead, "start_aftercare", {"starts_on": start.isoformat()})
        for kind, note in (
            (DeadlineKind.VISIT_1W, "与受害学生谈话，同学关系已改善，能正常参加集体活动。"),
            (DeadlineKind.VISIT_1M, "班主任和心理教师回访：未再发现排挤、辱骂，情绪稳定。"),
        ):
            due = story.c.deadlines.get(kind=kind).due_on
            if due is None or due >= self.today:
                break
            story.act(
                at_local(due, 15, 0),
                psych,
                "record_visit",
                {
                    "visit": kind,
                    "visited_on": due.isoformat(),
                    "party": story.party(PartyRole.TARGET).pk,
                    "stopped": "yes",
                    "note": note,
                },
            )

    def story5(self, school: School) -> None:
        """SCENARIOS.md §5: the serious case, reported to the bureau and referred to the police."""
        rng = self.rng
        shift = timedelta(days=fit_before(date(2026, 11, 20)))
        day0, day3, day4 = date(2026, 11, 16) - shift, date(2026, 11, 19) - shift, date(2026, 11, 20) - shift
        classes = list(
            Unit.objects.filter(kind=UnitKind.CLASS, school=school.unit, parent__number=9).order_by("number")
        )
        if not classes:
            return
        pupils = school.pupils(Student.objects.filter(klass=classes[0]))
        if not pupils:
            return
        boy = next((s for s in pupils if s.gender == "M"), pupils[0])
        older = school.pupils(Student.objects.filter(klass__in=classes[1:] or classes, gender="M"))
        bullies = take(rng, older, 4, [boy]) or take(
            rng, school.pupils(Student.objects.filter(klass__in=classes)), 4, [boy]
        )
        if not bullies:
            return
        lead, principal = school.lead, school.principal

        story = self.story(school)
        story.open(
            at_local(day0, 12, 45),
            lead,
            {
                "title": "初三学生在厕所被四名学生殴打致腕部骨折",
                "narrative": "午休时，该生在教学楼厕所被四名年龄较大的学生围殴，右手腕受伤，值班教师发现后报告。",
                "kinds": ["physical"],
                "places": ["toilet"],
                "time_bands": ["noon"],
                "occurred_on": day0.isoformat(),
                "urgent": True,
            },
        )
        story.act(
            at_local(day0, 13, 20),
            lead,
            "emergency",
            {
                "steps": ["separation", "medical", "parents", "psych"],
                "note": "立即将双方分开；校医初步处理后由班主任陪同送医，诊断为右腕骨折；12:55 电话通知五名学生的家长；"
                "心理教师陪伴受伤学生。",
                "done_at": at_local(day0, 13, 10).isoformat(),
            },
        )
        story.act(at_local(day0, 14, 0), lead, "investigate", {"note": "调取走廊监控，与在场学生谈话。"})
        story.act(at_local(day0, 14, 30), lead, "add_party", {"role": PartyRole.TARGET, "student": boy.pk})
        for s in bullies:
            story.act(
                at_local(day0, 14, 35),
                lead,
                "add_party",
                {
                    "role": PartyRole.BULLY,
                    "student": s.pk,
                    "description": "年龄较大，曾多次向低年级学生索要财物",
                },
            )
        guardian = Guardian.objects.filter(student=boy).order_by("pk").first()
        if guardian is not None:
            story.act(
                at_local(day0, 18, 0),
                lead,
                "contact_guardian",
                {
                    "party": story.party(PartyRole.TARGET).pk,
                    "guardian_name": guardian.name,
                    "relation": guardian.relation,
                    "contacted_at": at_local(day0, 17, 30).isoformat(),
                    "method": "in_person",
                    "said": "在医院与家长见面，说明经过和学校的处理安排；家长要求严肃处理。",
                },
            )
        story.act(
            at_local(day0 + timedelta(days=1), 10, 0),
            lead,
            "add_note",
            {
                "text": "监控显示四人先后进入厕所，约三分钟后受伤学生捂手腕跑出。四人承认因索要零花钱未果而动手。"
            },
        )
        story.act(
            at_local(day3, 16, 0),
            lead,
            "submit",
            {"summary": "四名学生因索要财物未果，在厕所围殴受害学生致右腕骨折，事实清楚，提请委员会认定。"},
        )
        present, _total = attendance(school.unit, rng)
        story.act(
            at_local(day4, 9, 30),
            principal,
            "determine",
            {
                "meeting_on": day4.isoformat(),
                "members_present": present,
                "is_bullying": "yes",
                "kinds": ["physical", "property"],
                "gravity": "serious",
                "non_bullying": "",
                "parents_participation": "五名学生的家长均到会陈述意见。",
                "reasoning": "多人围殴致骨折，伴有索要财物，情节恶劣。",
                **criteria({"harm": "右腕骨折（医院诊断书）", "imbalance": "四对一，对方年龄较大"}),
            },
        )
        story.act(
            at_local(day4, 11, 0),
            principal,
            "refer_police",
            {
                "referred_on": day4.isoformat(),
                "agency": "城关派出所",
                "note": "涉嫌故意伤害，移送公安机关处理；学校同步开展教育惩戒。",
            },
        )

    # The spread --------------------------------------------------------------------------------


def _screenshot(rng: random.Random) -> SimpleUploadedFile:
    """A made-up chat screenshot: grey and green bubbles, no text."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (360, 640), (237, 237, 237))
    draw = ImageDraw.Draw(img)
    y = 30
    while y < 600:
        mine = rng.random() < 0.3
        width = rng.randint(90, 230)
        x0 = 360 - 20 - width if mine else 60
        draw.rounded_rectangle(
            (x0, y, x0 + width, y + 36), 8, fill=(149, 236, 105) if mine else (255, 255, 255)
        )
        draw.ellipse((10, y, 46, y + 36) if not mine else (314, y, 350, y + 36), fill=(180, 180, 190))
        y += 56
    out = io.BytesIO()
    img.save(out, "PNG")
    return SimpleUploadedFile("chat.png", out.getvalue(), content_type="image/png")
