"""A student files on a grade (an appeal on it, an appeal on a formal error at its exam, a
request for its justification) at the moment a doctor's note sets that grade aside. The note
locks the exam registration first and lapses the open cases it finds; the filing, which read
the grade before the note was committed, locks the registration after holding the student
and reads the grade again: it files nothing, and the student is told why. Without that, the
filing waited for the note and then filed a case on a grade that is no longer the result,
which nothing would ever lapse."""

from datetime import timedelta

import pytest

from portal.exams import plan
from portal.exams.models import ExamRegistration
from portal.grades.models import Grade
from portal.models import Case
from portal.rules import calendar as cal
from tests.grading import flat, make_havbruk
from tests.tabs import at_once
from tests.test_exam_sick_note_effect import _exam_two_days_ago
from tests.test_exams import _checked

GONE = ("Karakteren du sendte dette om, er ikke lenger resultatet ditt, så ingenting er "
        "registrert. Karakterene dine viser hva som ble av den.")


@pytest.fixture
def hav(db):
    return make_havbruk()


def _forms(grade):
    yesterday = (cal.today() - timedelta(days=1)).isoformat()
    return {
        "grade_appeal": (f"/grade-appeals/new?grade={grade.id}",
                         {"confirm": "y", "password": "demo", "reasons": "For strengt."}),
        "formal_error_appeal": (f"/formal-error-appeals/new?grade={grade.id}",
                                {"learned_on": yesterday, "description": "Side 3 manglet.",
                                 "confirm": "y", "password": "demo"}),
        "justification": (f"/justifications/new?grade={grade.id}", {}),
    }


@pytest.mark.parametrize("kind", ["grade_appeal", "formal_error_appeal", "justification"])
def test_a_filing_sent_as_the_note_sets_the_grade_aside_files_nothing(
        app, hav, client, auth, csrf, kind):
    _exam, fail = _exam_two_days_ago(hav)
    url, data = _forms(fail)[kind]
    auth.login("elev1")
    token = csrf(client.get(url).get_data(as_text=True))
    registration = ExamRegistration.get_by_id(fail.registration_id)

    [answer] = at_once(
        ExamRegistration.select().where(ExamRegistration.id == registration.id),
        lambda: client.post(url, data={"csrf_token": token, **data}),
        while_held=lambda: plan.file_sick_note(registration, _checked()))

    assert Grade.get_by_id(fail.id).is_set_aside
    assert not Case.select().where(Case.kind == kind).exists()
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/grades/")
    assert GONE in flat(client.get("/grades/"))
