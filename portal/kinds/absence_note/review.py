"""What accepting an absence note does, inside the engine's transaction: cover the days and
lessons, keep what the rules allow off the diploma, and explain it in the timeline. An
acceptance that leaves days on the diploma which the note asks to keep off it (over the
religious-holiday or the 10-day limit) refuses the note for those days: it is accepted in part
and issues a decision (enkeltvedtak) on them, with the right to appeal."""

from dataclasses import dataclass
from datetime import date

from portal.absence import rules
from portal.absence.models import AbsenceCover, AbsenceRecord, ChronicCondition
from portal.absence.services import apply_covers, struck_days, unnamed_ruled_days
from portal.cases.decisions import issue
from portal.cases.engine import hold_student
from portal.cases.steps import StepRefused
from portal.i18n import gettext as _
from portal.kinds.absence_note.models import AbsenceNote
from portal.models import Case, Event, SchoolBreak, utcnow
from portal.rules.deadlines import format_date


def note_days(note, school_year):
    """The school days a note of whole days covers, without the breaks of `school_year` (the
    case's, or its id)."""
    if note.scope != "days" or note.first_day is None:
        return []
    return rules.school_days(note.first_day, note.last_day or note.first_day,
                             SchoolBreak.of(school_year))


def note_lessons(note):
    if note.scope != "lessons" or note.lesson_day is None:
        return []
    return [(note.lesson_day, n) for n in note.lesson_numbers]


def _dates(days) -> str:
    return ", ".join(format_date(d) for d in days)


def explain(outcome: rules.NoteOutcome, profile, *, chronic: bool, used: int,
            ruled=()) -> str:
    """The acceptance in words, with the rules it applied: `used` the days then counted
    against the limit of days a year (StruckDays.used), `ruled` the days rulings on appeal
    keep off the diploma over it (StruckDays.rulings), beside the count on a line of their
    own that names no appeal."""
    lines = []
    if outcome.category == rules.STUDY_WORK:
        return _("Organised study work or a school errand: recorded, but not absence.")
    if outcome.category == rules.OTHER:
        return _("The reason is noted, but this absence counts toward the absence limit.")
    if not rules.keeps_diploma_days(profile):
        return _("The absence counts as documented. It still counts toward the attendance "
                 "requirement of your study.")
    if outcome.struck:
        lines.append(_("Kept off the diploma: %(dates)s.", dates=_dates(outcome.struck)))
    if outcome.before_first_struck_day:
        rule = profile.rule("absence_health_first_struck_day")
        lines.append(_(
            "Health absence is kept off the diploma only from day %(n)s of the absence "
            "(%(rule)s). Counted as documented absence (outside the absence limit), but on "
            "the diploma: %(dates)s.",
            n=rule.value, rule=rule.cite(), dates=_dates(outcome.before_first_struck_day)))
    elif chronic and outcome.category == rules.HEALTH:
        lines.append(_("A chronic illness or disability is documented for this school year, "
                       "so health absence counts from the first day."))
    if outcome.over_religious_cap:
        rule = profile.rule("absence_religious_days")
        lines.append(_(
            "At most %(amount)s for religious holidays (%(rule)s). The note is accepted for "
            "the days within the limit; over it, and so on the diploma: %(dates)s.",
            amount=rule.amount(), rule=rule.cite(), dates=_dates(outcome.over_religious_cap)))
    if outcome.over_total_cap:
        rule = profile.rule("absence_max_struck_days")
        lines.append(_(
            "At most %(amount)s a school year can be kept off the diploma (%(rule)s). The note "
            "is accepted for the days within the limit; over it, and so on the diploma: "
            "%(dates)s.",
            amount=rule.amount(), rule=rule.cite(), dates=_dates(outcome.over_total_cap)))
    if outcome.lessons:
        lines.append(_("Single lessons count as documented absence, outside the absence "
                       "limit, but never add up to days kept off the diploma."))
    cap = int(profile.value("absence_max_struck_days"))
    lines.append(_("Days kept off the diploma this school year: %(used)s of %(cap)s, "
                   "%(left)s left.", used=used, cap=cap, left=max(0, cap - used)))
    # (this text is the timeline's and the decision's, read by all with a part in the note:
    # the appeals are not theirs to know of, and it names none)
    over = unnamed_ruled_days(ruled)
    if over:
        lines.append(_("Also kept off the diploma, over the limit, by a separate decision: "
                       "%(dates)s.", dates=_dates(over)))
    return " ".join(lines)


def assess(case, note, *, chronic: bool, days: list, limits: bool = True):
    """What the rules make of the note (its school days: note_days) against the diploma days
    already struck this school year: (the outcome, those days: StruckDays). `limits`: False
    for the note accepted in full, over the limits too (a ruling on appeal that says so).
    The days a ruling keeps off the diploma over the limit are not counted against it, as
    the student's absence page does not count them; the note's own days among them stay
    kept off without taking a place."""
    year = case.school_year
    before = struck_days(case.student_id, year)
    outcome = rules.assess_note(
        case.school.rules, category=note.category, days=days,
        lessons=note_lessons(note), chronic=chronic, struck_so_far=len(before.counted),
        religious_so_far=before.religious, already_struck=before.all, limits=limits)
    return outcome, before


def over_limit(outcome: rules.NoteOutcome, before, profile) -> tuple[date, ...]:
    """The days `outcome` (of a note accepted over the limits, by a ruling on appeal) keeps
    off the diploma over the limit of days a year, counted on from the days kept off
    `before` it (StruckDays): its new days past the places left, in date order, as the rules
    would have left them on the diploma."""
    if not rules.keeps_diploma_days(profile):
        return ()
    new = [day for day in sorted(outcome.struck) if day not in before.all]
    room = max(0, int(profile.value("absence_max_struck_days")) - len(before.counted))
    return tuple(new[room:])


@dataclass(frozen=True)
class Preview:
    """What accepting the note now would do: `text` in the words its acceptance will write,
    and `refused` the days it would leave on the diploma against what the note asks (over a
    limit): when there are any, the acceptance is in part and issues a decision on them."""

    text: str
    refused: tuple[date, ...] = ()

    @property
    def in_part(self) -> bool:
        return bool(self.refused)

    @property
    def refused_dates(self) -> str:
        return _dates(self.refused)


def refused_days(outcome: rules.NoteOutcome) -> tuple[date, ...]:
    """The days the note asks to keep off the diploma that a limit keeps on it."""
    return tuple(sorted((*outcome.over_religious_cap, *outcome.over_total_cap)))


def preview(case, note, days: list) -> Preview | None:
    """What accepting the note now would do, for the reviewer to read before they accept;
    None for a correction (it strikes nothing). `days`: its school days (note_days), as the
    page shows them."""
    if note.category == rules.CORRECTION:
        return None
    chronic = note.chronic or ChronicCondition.on_file(case.student_id, case.school_year)
    outcome, before = assess(case, note, chronic=chronic, days=days)
    return Preview(explain(outcome, case.school.rules, chronic=chronic,
                           used=before.used(outcome.struck), ruled=before.rulings),
                   refused_days(outcome))


def _decision_in_part(case, outcome, explanation: str, text: str, actor, role: str):
    """The decision on the days a limit keeps on the diploma: which days, why (the rules'
    words with their references, then the reviewer's message) and the rules applied."""
    profile = case.school.rules
    refused = refused_days(outcome)
    summary = _("The absence note is accepted in part. These days are not kept off the "
                "diploma and so are entered on it: %(dates)s.", dates=_dates(refused))
    if set(refused) <= set(outcome.documented):
        summary += " " + _("They still count as documented absence, outside the absence limit.")
    keys = [key for key, days in (("absence_religious_days", outcome.over_religious_cap),
                                  ("absence_max_struck_days", outcome.over_total_cap)) if days]
    references = list(dict.fromkeys(profile.rule(key).reference for key in keys))
    issue(case, outcome="partly_granted", summary=summary,
          reasons=f"{explanation}\n\n{text}" if text else explanation,
          rule_reference="; ".join(references)[:200], decided_by=actor, role=role)


def _changed(in_part: bool) -> str:
    """Why the acceptance the reviewer confirmed is not taken: the note's outcome is no
    longer what the page showed them (another note of the student's was accepted since)."""
    if in_part:
        return _("Accepting the note now keeps every day it asks for off the diploma, so it "
                 "is no longer a decision in part. Read what accepting does now and accept "
                 "again.")
    return _("Accepting the note now leaves days on the diploma that it asks to keep off "
             "it, so it is a decision in part with the right to appeal. Read what accepting "
             "does now and accept again.")


def accept(case, note, actor, text: str, *, in_part: bool = False, role: str = ""):
    """The effect of the accept transition, or with `in_part` of accept_in_part (which
    issues the decision, by `actor` as `role`): (case, event) -> None. Each is refused
    (StepRefused) when the note's outcome is not the one the reviewer confirmed."""

    def effect(case, event):
        year, profile = case.school_year, case.school.rules
        if note.category == rules.CORRECTION:
            if in_part:  # (a correction strikes nothing: never in part)
                raise StepRefused(_changed(in_part))
            summary = correct(case, note)
        else:
            # another acceptance of a note of the student's under way now commits the days
            # it keeps off the diploma before this one counts them (each read the days struck
            # before the other's, and together they went past a limit with no decision)
            hold_student(case.student_id)
            chronic = chronic_on_file(case, note, actor)
            outcome, before = assess(case, note, chronic=chronic, days=note_days(note, year))
            if outcome.is_partial != in_part:
                raise StepRefused(_changed(in_part))
            cover(case, note, outcome)
            summary = explain(outcome, profile, chronic=chronic,
                              used=before.used(outcome.struck), ruled=before.rulings)
            if in_part:
                _decision_in_part(case, outcome, summary, text, actor, role)
            note.outcome = outcome_record(summary, outcome)
        note.save()
        event.text = f"{text}\n\n{summary}".strip() if text else summary
        event.save()

    return effect


def chronic_on_file(case, note, actor) -> bool:
    """Whether a chronic condition is on file for the note's student and school year, the
    note's own documentation of one filed (accepted by `actor`) when it is of one."""
    student, year = case.student, case.school_year
    if note.chronic:
        (ChronicCondition.insert(student=student, school_year=year, case=case,
                                 accepted_by=actor, accepted_at=utcnow())
         .on_conflict_ignore().execute())
    return ChronicCondition.on_file(student, year)


# the steps that accept a note (a note's newest one is the acceptance that stands)
ACCEPTANCES = ("accept", "accept_in_part", "appeal_change")


def withdraw_chronic(case, note) -> tuple[str, str]:
    """The chronic condition the note's acceptance filed (ChronicCondition.case), withdrawn
    with the acceptance: handed to another accepted note of the student's this school year
    that documents one too (its acceptance found this one on file and filed none), else
    taken away, so that health absence again counts from the profile's first day. One filed
    otherwise (without a case, or by another note) stays. What happened ("removed",
    "handed_over", "kept"; "" when the note's acceptance filed none and the note documents
    none) and the timeline's sentence on it."""
    record = ChronicCondition.get_or_none((ChronicCondition.student == case.student_id)
                                          & (ChronicCondition.school_year == case.school_year_id))
    if record is None or (record.case_id != case.id and not note.chronic):
        return "", ""
    if record.case_id != case.id:
        return "kept", _("The chronic illness or disability stays on file for this school year: "
                         "it is documented apart from this note.")
    other = (Event.select(Event, Case).join(Case)
             .join(AbsenceNote, on=(AbsenceNote.case == Case.id))
             .where((Case.student == case.student_id)
                    & (Case.school_year == case.school_year_id) & (Case.id != case.id)
                    & (Case.kind == "absence_note") & (Case.state == "accepted")
                    & AbsenceNote.chronic & Event.action.in_(ACCEPTANCES))
             .order_by(Event.id.desc()).first())
    if other is not None:
        (ChronicCondition.update(case=other.case_id, accepted_by=other.actor_id,
                                 accepted_at=other.created_at)
         .where(ChronicCondition.id == record.id).execute())
        return "handed_over", _(
            "The chronic illness or disability stays on file for this school year: the "
            "accepted absence note %(ref)s documents it too.", ref=other.case.reference)
    record.delete_instance()
    profile = case.school.rules
    if "absence_health_first_struck_day" not in profile:
        return "removed", _("The chronic illness or disability documented with this note is "
                            "no longer on file for this school year.")
    rule = profile.rule("absence_health_first_struck_day")
    return "removed", _(
        "The chronic illness or disability documented with this note is no longer on file for "
        "this school year: until it is documented again, health absence is kept off the "
        "diploma only from day %(n)s (%(rule)s).", n=rule.value, rule=rule.cite())


def cover(case, note, outcome: rules.NoteOutcome, *, appeal=None, over=()) -> None:
    """The days and lessons the accepted note covers, as `outcome` has them, and the
    student's records brought in step (portal/absence). `over`: the days the ruling on
    `appeal` keeps off the diploma over the limit (over_limit), which their covers name."""
    student, year = case.student, case.school_year
    documented_lesson = note.category in (*rules.STRIKABLE, rules.STUDY_WORK)
    for day in outcome.days:
        AbsenceCover.create(student=student, school_year=year, case=case, date=day,
                            category=note.category, documented=day in outcome.documented,
                            struck=day in outcome.struck,
                            appeal=appeal if day in over else None)
    for day, lesson in outcome.lessons:
        AbsenceCover.create(student=student, school_year=year, case=case, date=day,
                            lesson=lesson, category=note.category, documented=documented_lesson)
    apply_covers(student, year)


def uncover(case) -> None:
    """What the note's acceptance covered undone, the student's records brought in step."""
    AbsenceCover.delete().where(AbsenceCover.case == case.id).execute()
    apply_covers(case.student, case.school_year)


def correct(case, note) -> str:
    """A correction accepted: the records it names no longer count; what it says of it."""
    (AbsenceRecord.update(corrected=True)
     .where(AbsenceRecord.id.in_(note.records or []) & (AbsenceRecord.student == case.student))
     .execute())
    summary = _("The absence is corrected and no longer counts.")
    note.outcome = {"explanation": summary}
    return summary


def outcome_record(summary: str, outcome: rules.NoteOutcome, **more) -> dict:
    """What the note keeps of its acceptance (AbsenceNote.outcome): the explanation, the days
    kept off the diploma, and whether it was in part."""
    return {"explanation": summary, "struck": [d.isoformat() for d in outcome.struck],
            "partial": outcome.is_partial, **more}
