"""The roles of domain.md. A person may hold several."""

from portal.i18n import lazy_gettext as _l

ROLES = {
    "student": _l("Student"),
    "teacher": _l("Subject teacher"),
    "contact_teacher": _l("Contact teacher"),
    "year_coordinator": _l("Year coordinator"),
    "cohort_coordinator": _l("Cohort coordinator"),
    "department_head": _l("Department head"),
    "principal": _l("Principal"),
    "exam_office": _l("Exam office"),
    "examiner": _l("Examiner"),
    "appeals_board": _l("Appeals board"),
    "admin": _l("Administrator"),
}

STAFF_ROLES = frozenset(ROLES) - {"student"}

# What a case's timeline and decisions call those who take part: the roles, and the parts a
# case gives beyond them (the examiners appointed to regrade, a board member who may not
# sit on this appeal)
PARTS = {
    **ROLES,
    "new_examiner": _l("New examiner"),
    "board_recused": _l("Appeals board member, recused"),
}
