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
    # who decides an appeal on one of the case's decisions (cases.kinds.APPEAL_REVIEWER)
    "appeal_reviewer": _l("Deciding an appeal on the decision"),
    # the portal itself, closing a case whose question is gone (cases.kinds.PORTAL)
    "portal": _l("The portal"),
}

# The parts a case names by what its label words say (Kind.label_words), not by PARTS' fixed
# words: part -> (the word it needs, its label). A member of the body that hears an appeal by
# that body's name (%(Body)s: "Skolens styre", "NKIs klageinstans"); the principal by the
# name of who considers an appeal first (%(First)s: NKI's undervisningsdirektør). A kind may
# name the body and not the first instance.
NAMED_PARTS = {
    "appeals_board": ("Body", "%(Body)s"),
    "board_recused": ("Body", _l("Member of %(body)s, recused")),
    "principal": ("First", "%(First)s"),
}


def part_label(part: str, words: dict | None = None) -> str:
    """What a case's timeline calls `part`; by what `words` (the case's label words) say
    where they name it (NAMED_PARTS)."""
    needs, label = NAMED_PARTS.get(part, (None, None))
    if words and needs in words:
        return str(label) % words
    return str(PARTS.get(part, part))


# A part as a sentence names the one who acted in it ("%(Who)s asks for more documentation"):
# the parts that take a case's steps; another is "the school"
THE_PARTS = {
    "teacher": _l("the subject teacher"),
    "contact_teacher": _l("the contact teacher"),
    "year_coordinator": _l("the year coordinator"),
    "cohort_coordinator": _l("the cohort coordinator"),
    "department_head": _l("the department head"),
    "principal": _l("the principal"),
    "exam_office": _l("the exam office"),
    "examiner": _l("the examiner"),
    "new_examiner": _l("the new examiner"),
    "appeals_board": _l("the appeals board"),
}
THE_SCHOOL = _l("the school")


def the_part(part: str | None) -> str:
    """`part` as a sentence names the one who acted in it: "the contact teacher"."""
    return str(THE_PARTS.get(part or "", THE_SCHOOL))


# What the student of a case is called: an elev at a vgs, a student at a fagskole (domain.md:
# "elev / student"). ROLES["student"] names the role itself, in lists of roles; a case names
# its student, in its timeline and its messages, by the kind of their school. Each form of the
# word is its own msgid ("the pupil's": elevens), for messages such as "Sent to %(student)s."
STUDENT_WORDS = {
    "vgs": {"label": _l("Pupil"), "the": _l("the pupil"), "the's": _l("the pupil's")},
    "fagskole": {"label": _l("College student"), "the": _l("the college student"),
                 "the's": _l("the college student's")},
}


def school_type(school) -> str:
    """`school`'s kind, "vgs" or "fagskole" (its rule profile's), or a kind given as such."""
    return school if isinstance(school, str) else school.rules.school_type


def student_words(school) -> dict[str, str]:
    """The forms of the word for `school`'s student, as a message's placeholders:
    %(student)s eleven/studenten, %(Student)s Eleven/Studenten (a sentence's start),
    %(students)s elevens/studentens, %(Students)s Elevens/Studentens:
    `_("Sent to %(student)s.", **student_words(case.school))`."""
    kind = school_type(school)
    return {"student": student_word(kind, "the"), "Student": student_word(kind, "The"),
            "students": student_word(kind, "the's"), "Students": student_word(kind, "The's")}


def student_word(school, form: str = "label") -> str:
    """What the student is called at `school` (a School or its kind), in `form`: "label"
    (Elev, Student), "the" (eleven, studenten), "the's" (elevens, studentens), or "The" and
    "The's" (those at the start of a sentence)."""
    words = STUDENT_WORDS[school_type(school)]
    if form in ("The", "The's"):
        return str(words[form.lower()]).capitalize()
    return str(words[form])


# What a message calls the body that hears an appeal: the one the appealed decision's letter
# names (Decision.appeal_body, from the school's rule profile or the decision's kind: "Skolens
# styre", "NKIs klageinstans"), as %(body)s inside a sentence and %(Body)s at its start; where
# a message is read without it (a kind that gives none), the generic word.
APPEALS_BODY = {"body": _l("the appeals body"), "Body": _l("The appeals body")}


def body_words(name: str | None = None) -> dict[str, str]:
    """The placeholders %(body)s and %(Body)s for the appeals body `name` (its letter's), or
    the generic word when None: `_("Sent to %(body)s.", **body_words(d.appeal_body))`."""
    if not name:
        return {key: str(word) for key, word in APPEALS_BODY.items()}
    return {"body": in_sentence(name), "Body": name[:1].upper() + name[1:]}


# Who considers an appeal on a decision first, and may change it in the student's favour: the
# school's profile names them (decision_appeal_first_instance: "rektor", "undervisningsdirektør",
# "fagskolen"), as %(first)s; where a message is read without it, the generic word.
FIRST_INSTANCE = _l("the first instance")


def first_instance_words(name: str | None = None) -> dict[str, str]:
    """The placeholders %(first)s and %(First)s (at a sentence's start) for the first instance
    `name` (the profile's, written as it is named inside a sentence), or the generic word when
    None."""
    first = name or str(FIRST_INSTANCE)
    return {"first": first, "First": first[:1].upper() + first[1:]}


def generic_words() -> dict[str, str]:
    """What a label or a message that names more of its case (Kind.label_words) says where it
    is read without the case's words: the generic words for the appeals body and the first
    instance."""
    return {**body_words(), **first_instance_words()}


def in_sentence(name: str) -> str:
    """A body's name as written inside a sentence: a capital that only starts the name is
    dropped ("Skolens styre": "sendt til skolens styre"); an abbreviation's is kept ("NKIs
    klageinstans")."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name
