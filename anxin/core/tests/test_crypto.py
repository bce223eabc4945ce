from __future__ import annotations

import base64
import io

import pytest
from django.core.management import call_command
from django.db import connection

from anxin.core.crypto import UndecryptableError, reset_field_keys
from anxin.intake.models import Channel, Report

pytestmark = pytest.mark.django_db

OLD, NEW = "old-key-" + "a" * 40, "new-key-" + "b" * 40


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM intake_report WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def keys(settings):  # noqa: ANN001, ANN201
    # The cast's own encrypted rows (guardians, key-group reasons) keep their key at the end.
    cast_keys = list(settings.FIELD_ENCRYPTION_KEYS)

    def use(*values: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(values) + cast_keys
        reset_field_keys()

    yield use
    reset_field_keys()


def test_rotation_reencrypts_with_the_new_key(cast, keys):
    keys(OLD)
    report = Report.objects.create(
        school=cast.school, channel=Channel.HOTLINE, text="他们抢走了我的饭卡", fingerprint="f"
    )
    before = _raw(report.pk)
    keys(NEW, OLD)
    assert Report.objects.get(pk=report.pk).text == "他们抢走了我的饭卡"  # old rows still readable
    call_command("rotate_keys")
    assert _raw(report.pk) != before
    keys(NEW)  # the old key is gone now
    assert Report.objects.get(pk=report.pk).text == "他们抢走了我的饭卡"


def test_without_the_key_the_text_is_unreadable(cast, keys):
    keys(OLD)
    report = Report.objects.create(
        school=cast.school, channel=Channel.HOTLINE, text="秘密内容很长很长", fingerprint="f"
    )
    keys(NEW)
    with pytest.raises(UndecryptableError):
        Report.objects.get(pk=report.pk)
    with pytest.raises(UndecryptableError):  # rotation stops rather than re-encrypting a token
        call_command("rotate_keys")


def _raw_values(model, *fields: str) -> dict[str, str]:  # noqa: ANN001
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(fields)} FROM {table} ORDER BY id")  # noqa: S608
        row = cursor.fetchall()[-1]
    return dict(zip(fields, row, strict=True))


def _care_plan(cast):  # noqa: ANN001, ANN202
    from anxin.ledgers.care import services as care

    plan = care.care_plan_record(
        actor=cast.users["class_teacher"],
        student=cast.student_a1,
        owner=cast.users["class_teacher"],
        goals="重新融入同伴",
        measures="每周谈心一次",
        review_days=14,
    ).entry
    care.care_review_record(
        actor=cast.users["class_teacher"], plan=plan, reviewed_on=plan.recorded_at.date(), notes="情绪好转"
    )
    return plan


def _new_columns():  # noqa: ANN202
    from anxin.ledgers.care.models import CarePlan, CareReview
    from anxin.org.models import Guardian, KeyGroupFlag

    return [
        (Guardian, ("name", "phone")),
        (KeyGroupFlag, ("reason",)),
        (CarePlan, ("goals", "measures")),
        (CareReview, ("notes",)),
    ]


def test_rotation_covers_guardians_key_group_reasons_and_care_plans(cast, settings):
    from anxin.ledgers.care.models import CarePlan
    from anxin.org.models import Guardian, KeyGroupFlag

    plan = _care_plan(cast)  # written, like the cast, with the development key
    before = {model: _raw_values(model, *fields) for model, fields in _new_columns()}
    settings.FIELD_ENCRYPTION_KEYS = [NEW, *settings.FIELD_ENCRYPTION_KEYS]
    reset_field_keys()
    try:
        call_command("rotate_keys", stdout=io.StringIO(), stderr=io.StringIO())
        for model, fields in _new_columns():
            after = _raw_values(model, *fields)
            assert all(after[f] != before[model][f] for f in fields), model
        settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the development key is gone
        reset_field_keys()
        guardian = Guardian.objects.get()
        assert (guardian.name, guardian.phone) == ("李奶奶", "13800000001")
        assert KeyGroupFlag.objects.get().reason == "父母在外务工，随祖母生活"
        plan = CarePlan.objects.get(pk=plan.pk)
        assert (plan.goals, plan.measures, plan.reviews.get().notes) == (
            "重新融入同伴",
            "每周谈心一次",
            "情绪好转",
        )
    finally:
        reset_field_keys()


def test_a_token_does_not_tell_when_the_report_was_written(cast):
    from anxin.intake import services as intake

    report = intake.report_submit(
        school_code=cast.school.code, text="课间有人在厕所里打我，还抢走了饭卡"
    ).report
    token = base64.urlsafe_b64decode(_raw(report.pk))
    assert token[0] == 0x80 and int.from_bytes(token[1:9], "big") == 0  # Fernet: version, then the time
    assert Report.objects.get(pk=report.pk).text == "课间有人在厕所里打我，还抢走了饭卡"


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_rows_and_reverse_to_plaintext(cast_tx):
    from django.db.migrations.executor import MigrationExecutor

    from anxin.ledgers.care.models import CarePlan
    from anxin.org.models import Guardian, KeyGroupFlag

    plan = _care_plan(cast_tx)
    plaintext = {
        Guardian: {"name": "李奶奶", "phone": "13800000001"},
        KeyGroupFlag: {"reason": "父母在外务工，随祖母生活"},
        CarePlan: {"goals": "重新融入同伴", "measures": "每周谈心一次"},
    }
    executor = MigrationExecutor(connection)
    targets = [("org", "0001_initial"), ("ledger_care", "0002_carereview_carereview_school_t")]
    executor.migrate(targets)  # backwards: the values become plaintext again
    for model, values in plaintext.items():
        assert _raw_values(model, *values) == values
    executor.loader.build_graph()
    try:
        executor.migrate(
            [key for key in executor.loader.graph.leaf_nodes() if key[0] in {"org", "ledger_care"}]
        )
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    for model, values in plaintext.items():
        stored = _raw_values(model, *values)
        assert all(plain not in stored[f] for f, plain in values.items()), model
    assert (Guardian.objects.get().phone, KeyGroupFlag.objects.get().reason) == (
        "13800000001",
        "父母在外务工，随祖母生活",
    )
    assert CarePlan.objects.get(pk=plan.pk).goals == "重新融入同伴"
