"""A doctor's note in effect keeps its effect (havbruk: forskriften § 4-6): registering the
student or the class again leaves the registration as it is."""

import re

import pytest

from portal.exams import plan
from portal.exams.models import ExamRegistration
from tests.grading import make_exam, make_havbruk, post_form
from tests.test_exam_sick_note_grades import _sick

RULE = "jf. forskriften § 4-6 (2)"  # the havbruk profile's exam_sick_note_within


@pytest.fixture
def hav(db):
    return make_havbruk()


def _flat(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- 1. registering again leaves the note in effect ---------------------------------------

def test_registering_the_class_leaves_a_registration_with_a_note_as_it_is_and_says_so(
        hav, client, auth, csrf):
    exam = make_exam(hav)
    sick = ExamRegistration.create(exam=exam, student=hav.elev1, status="attended")
    _sick(sick)
    auth.login("eksamen")
    page = f"/exams/{exam.id}"
    response = post_form(client, csrf, page, f"/exams/{exam.id}/register",
                         {"school_class": hav.klass.id})
    assert response.status_code == 303
    html = _flat(client.get(page))
    assert "1 studenter i 1STA er meldt opp." in html  # elev2
    assert ("1 i 1STA har levert legeerklæring for denne eksamenen, og oppmeldingen deres er "
            "ikke endret: fraværet er dokumentert, og eksamen teller ikke som forsøk "
            f"({RULE}).") in html
    assert ExamRegistration.get_by_id(sick.id).status == plan.SICK_DOCUMENTED
    assert ExamRegistration.get(student=hav.elev2).status == "registered"


def test_registering_a_student_whose_note_is_in_effect_is_refused_naming_the_rule(hav):
    exam = make_exam(hav)
    sick = ExamRegistration.create(exam=exam, student=hav.elev1, status="attended")
    _sick(sick)
    with pytest.raises(plan.ExamRuleError) as refused:
        plan.register(exam, hav.elev1)
    assert "Elev Nummer1" in str(refused.value) and RULE in str(refused.value)
    assert ExamRegistration.get_by_id(sick.id).status == plan.SICK_DOCUMENTED
    assert plan.attempts_used(hav.elev1, hav.subject) == 0
