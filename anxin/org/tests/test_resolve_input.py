"""The one helper that resolves a student id taken from input (issue 9, item 2)."""

from __future__ import annotations

import pytest

from anxin.core.errors import NotFound
from anxin.org.selectors import (
    STUDENT_NOT_FOUND,
    input_id,
    resolve_student,
    resolve_students,
    student_choices,
)
from anxin.testing import Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    # Ids are 64-bit (BigAutoField): 2**31 is an id, 2**63 is past every id.
    [
        (7, 7),
        ("7", 7),
        (" 7 ", 7),
        (2**31, 2**31),
        (2**63 - 1, 2**63 - 1),
        (0, None),
        (-1, None),
        (2**63, None),
        (str(2**63), None),
        ("٣", None),
        ("7.0", None),
        (7.5, None),
        (True, None),
        (None, None),
        ("", None),
        ("1e3", None),
        ([7], None),
        (10**40, None),
    ],
)
def test_input_id_accepts_only_a_positive_database_id(raw: object, expected: int | None) -> None:
    assert input_id(raw) == expected


def test_missing_and_out_of_reach_ids_get_the_same_refusal(cast: Cast) -> None:
    teacher = cast.users["class_teacher"]  # class A1
    answers = []
    for raw in (cast.student_a2.pk, cast.student_b1.pk, 999999, "x"):
        with pytest.raises(NotFound) as caught:
            resolve_student(teacher, raw, for_="view", field="student")
        answers.append((caught.value.status, caught.value.code, caught.value.message, caught.value.detail))
    assert len(set(map(str, answers))) == 1
    assert answers[0][2] == str(STUDENT_NOT_FOUND) and answers[0][3] == {"student": [str(STUDENT_NOT_FOUND)]}
    assert resolve_student(teacher, cast.student_a1.pk, for_="view") == cast.student_a1


def test_a_student_who_has_left_is_not_found(cast: Cast) -> None:
    cast.student_a1.is_active = False
    cast.student_a1.save(update_fields=["is_active"])
    with pytest.raises(NotFound):
        resolve_student(cast.users["principal"], cast.student_a1.pk, for_="view")


def test_several_ids_are_all_or_nothing_and_duplicates_fold(cast: Cast) -> None:
    principal = cast.users["principal"]
    both = [cast.student_a1.pk, str(cast.student_a2.pk), cast.student_a1.pk]
    assert resolve_students(principal, both, for_="view") == [cast.student_a1, cast.student_a2]
    with pytest.raises(NotFound):
        resolve_students(principal, [cast.student_a1.pk, cast.student_b1.pk], for_="view")
    assert resolve_students(principal, [], for_="view") == []


def test_nobody_and_an_unknown_purpose(cast: Cast) -> None:
    assert not student_choices(None, for_="view").exists()
    with pytest.raises(KeyError):
        student_choices(cast.users["principal"], for_="no_such_purpose")
