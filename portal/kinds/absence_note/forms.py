"""The student's note, the correction request and the reviewer's answer."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.absence import rules
from portal.forms import FilingForm, PortalForm
from portal.i18n import lazy_gettext as _l
from portal.models import SchoolBreak

CATEGORY_LABELS = {
    "a": _l("a) Health or welfare reasons"),
    "b": _l("b) Work as an elected union representative"),
    "c": _l("c) Political work"),
    "d": _l("d) Aid work"),
    "e": _l("e) Attendance required by law"),
    "f": _l("f) Representing at national or international level"),
    rules.RELIGIOUS: _l("Religious holiday (member of a faith other than the Church of Norway)"),
    rules.STUDY_WORK: _l("Organised study work or a school errand agreed with the teacher "
                         "(R – not absence)"),
    rules.OTHER: _l("Other reason"),
    rules.CORRECTION: _l("Correction of wrongly recorded absence"),
}
ACCEPT = "image/jpeg,image/png,image/heic,image/heif,.heic,application/pdf"


class NoteForm(FilingForm):
    category = RadioField(
        _l("Reason for the absence"),
        choices=[SelectChoice(c, CATEGORY_LABELS[c]) for c in rules.CATEGORIES],
        validators=[InputRequired(message=_l("Choose the reason for the absence."))])
    scope = RadioField(
        _l("What the note covers"), default="days",
        choices=[SelectChoice("days", _l("Whole days")),
                 SelectChoice("lessons", _l("Single lessons"))],
        validators=[InputRequired(message=_l("Choose whole days or single lessons."))])
    first_day = DateField(_l("First day"), validators=[Optional()])
    last_day = DateField(_l("Last day"), validators=[Optional()])
    lesson_day = DateField(_l("Date of the lessons"), validators=[Optional()])
    lessons = StringField(_l("Lesson numbers"), validators=[Optional(), Length(max=40)],
                          render_kw={"inputmode": "numeric", "autocomplete": "off"})
    explanation = TextAreaField(_l("Explanation (optional)"), validators=[Length(max=2000)])
    document = FileField(_l("Documentation"), render_kw={"accept": ACCEPT})
    chronic = BooleanField(_l("The documentation is of a chronic illness or disability "
                              "(filed once a school year)"))

    def __init__(self, *args, school_year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_year = school_year
        self._breaks = None
        self.days: list = []
        self.lesson_list: list[tuple] = []

    @property
    def breaks(self) -> list:
        """The school year's breaks (no school days), read once."""
        if self._breaks is None:
            self._breaks = [] if self.school_year is None else SchoolBreak.of(self.school_year)
        return self._breaks

    def breaks_named(self) -> str:
        """The year's breaks in words, for the form's hint: "Høstferie (28. september – 2.
        oktober 2026), ..."; empty when it has none."""
        from portal.filters import local_date

        return ", ".join(f"{b.name} ({local_date(b.first_day, 'd. MMMM')} – "
                         f"{local_date(b.last_day)})" for b in self.breaks)

    def _in_year(self, field) -> bool:
        year = self.school_year
        if year is not None and not year.contains(field.data):
            field.errors.append(_l("The date must be in this school year (%(start)s – %(end)s).",
                                   start=year.starts_on.strftime("%d.%m.%Y"),
                                   end=year.ends_on.strftime("%d.%m.%Y")))
            return False
        return True

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.scope.data == "days":
            return self._validate_days()
        return self._validate_lessons()

    def _validate_days(self) -> bool:
        if self.first_day.data is None:
            self.first_day.errors.append(_l("Enter the first day of the absence."))
            return False
        self.last_day.data = self.last_day.data or self.first_day.data
        if self.last_day.data < self.first_day.data:
            self.last_day.errors.append(_l("The last day cannot be before the first day."))
            return False
        if not (self._in_year(self.first_day) and self._in_year(self.last_day)):
            return False
        self.days = rules.school_days(self.first_day.data, self.last_day.data, self.breaks)
        if not self.days:
            self.first_day.errors.append(
                _l("These dates have no school days (weekends, public holidays and the "
                   "school's breaks)."))
            return False
        return True

    def _validate_lessons(self) -> bool:
        if self.lesson_day.data is None:
            self.lesson_day.errors.append(_l("Enter the date of the lessons."))
            return False
        if not self._in_year(self.lesson_day):
            return False
        problem = rules.no_school_day_because(self.lesson_day.data, self.school_year,
                                              self.breaks)
        if problem is not None:
            self.lesson_day.errors.append(problem)
            return False
        numbers, outside = parse_lessons(self.lessons.data)
        if outside:
            self.lessons.errors.append(
                _l("Lessons are numbered from 1 to %(max)s; there is no lesson %(numbers)s.",
                   max=rules.MAX_LESSON, numbers=outside[0]) if len(outside) == 1 else
                _l("Lessons are numbered from 1 to %(max)s; there are no lessons %(numbers)s.",
                   max=rules.MAX_LESSON, numbers=", ".join(outside)))
            return False
        if not numbers:
            self.lessons.errors.append(
                _l("Write the lesson numbers, separated by commas, for example 1, 2."))
            return False
        self.lesson_list = [(self.lesson_day.data, n) for n in numbers]
        return True


def parse_lessons(text: str | None) -> tuple[list[int], list[str]]:
    """ "1, 2 3" -> ([1, 2, 3], []): the lesson numbers, and the whole numbers written that
    are outside 1 to MAX_LESSON ("13"). No numbers when any part is not a whole number."""
    parts = (text or "").replace(",", " ").split()
    if not parts or not all(p.isdecimal() for p in parts):
        return [], []
    outside = list(dict.fromkeys(p for p in parts if not 1 <= int(p) <= rules.MAX_LESSON))
    if outside:
        return [], outside
    return sorted({int(p) for p in parts}), []


class CorrectionForm(FilingForm):
    explanation = TextAreaField(
        _l("What is wrong?"),
        validators=[DataRequired(message=_l("Say what is wrong with the registration.")),
                    Length(max=2000)])


class ReviewForm(PortalForm):
    version = HiddenField()
    text = TextAreaField(_l("Message to %(student)s"), validators=[Length(max=2000)])


class DocumentForm(PortalForm):
    version = HiddenField()
    document = FileField(_l("Documentation"), render_kw={"accept": ACCEPT})
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=2000)])
