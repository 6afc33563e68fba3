"""Who holds a role at a school (people.holders): those granted it there and, for a role a
county holds (the exam office, the appeals body, examiners), those granted it at every school;
active users only; by name. Every kind that makes the holders of a role part of a case asks
this one function."""

from datetime import timedelta

from portal.models import Case, Participant, RoleGrant, School, User
from portal.models.people import holders
from portal.rules import calendar as cal
from tests.factories import make_user
from tests.grading import make_exam, make_grade, make_havbruk, post_form


def test_granted_there_or_everywhere_active_and_by_name(db):
    hav = make_havbruk()
    other = School.create(name="Annen fagskole", code="annen", profile="havbruk")
    make_user("fylke", ["exam_office"], None, "Åse Fylke")
    make_user("annen", ["exam_office"], other, "Anne Annen")
    gone = make_user("borte", ["exam_office"], hav.school, "Berit Borte")
    User.update(active=False).where(User.id == gone.id).execute()
    both = make_user("begge", ["examiner"], hav.school, "Bente Begge")
    RoleGrant.create(user=both, role="exam_office", school=hav.school)
    RoleGrant.create(user=both, role="exam_office", school=None)  # (listed once)
    assert [u.username for u in holders(hav.school, "exam_office")] == [
        "begge", "eksamen", "fylke"]
    assert [u.username for u in holders(other.id, "exam_office")] == [
        "annen", "begge", "fylke"]
    assert all(u.has_role("exam_office", school=hav.school)
               for u in holders(hav.school, "exam_office"))


def test_a_county_wide_exam_office_is_part_of_a_justification_request(
        db, client, auth, csrf):
    hav = make_havbruk()
    county = make_user("fylke", ["exam_office"], None, "Åse Fylke")
    grade = make_grade(hav, make_exam(hav, day=cal.today() - timedelta(days=3)), hav.elev1,
                       published=cal.today() - timedelta(days=1))
    auth.login("elev1")
    url = f"/justifications/new?grade={grade.id}"
    assert post_form(client, csrf, url, url, {}).status_code == 303
    case = Case.get(Case.kind == "justification")
    assert Participant.select().where((Participant.case == case)
                                      & (Participant.user == county)
                                      & (Participant.part == "exam_office")).exists()
    auth.logout()
    auth.login("fylke")
    assert client.get(f"/cases/{case.id}").status_code == 200


def test_a_schools_own_role_granted_county_wide_makes_no_one_part_of_its_cases(db):
    """A county-wide principal is not made part of every follow-up and exam adaptation (with
    its health documents) at every school: the school's own principal decides."""
    hav = make_havbruk()
    make_user("fylke", ["principal", "department_head", "appeals_board"], None, "Åse Fylke")
    assert [u.username for u in holders(hav.school, "principal")] == ["rektor"]
    assert [u.username for u in holders(hav.school, "department_head")] == []
    assert "fylke" in [u.username for u in holders(hav.school, "appeals_board")]
