"""Rule profiles (portal.rules): the shipped TOML files and the loader's error messages.

Pure unit tests; bad profiles are written into tmp_path.  No database or app needed.
"""

import re

import pytest

from portal.rules import (
    PROFILE_DIR,
    REQUIRED,
    UNITS,
    Profile,
    ProfileError,
    Rule,
    get_profile,
    load_profile,
    load_profiles,
    profile_names,
    validate_all,
)
from portal.rules.deadlines import Period

SHIPPED = ["havbruk", "more-og-romsdal", "nki", "vgs"]

# --- the shipped profiles -------------------------------------------------------------


def test_every_shipped_profile_loads():
    profiles = load_profiles()
    assert sorted(profiles) == SHIPPED
    for name, profile in profiles.items():
        assert isinstance(profile, Profile)
        assert profile.name == name
        assert profile.title.strip()
        assert profile.source.strip()
        assert profile.school_type in ("vgs", "fagskole")


def test_validate_all_and_profile_names():
    assert validate_all() == SHIPPED
    assert profile_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_matches_its_file(name):
    assert get_profile(name) == load_profile(PROFILE_DIR / f"{name}.toml")


SECOND_PERSON = re.compile(r"\b(du|deg|din|ditt|dine)\b", re.IGNORECASE)


@pytest.mark.parametrize("name", SHIPPED)
def test_rules_staff_read_about_a_student_speak_about_the_student(name):
    """The class overview and a student's page for staff show the absence thresholds and the
    10-day rule: to staff they say "eleven"/"studenten", never "du", and state the same
    numbers as the student's wording."""
    from portal.absence import rules as absence_rules

    profile = get_profile(name)
    keys = [t.key for t in absence_rules.thresholds(profile)]
    keys += [k for k in ("absence_max_struck_days",) if k in profile]
    assert keys
    for key in keys:
        rule = profile.rule(key)
        assert not SECOND_PERSON.search(rule.explain(staff=True)), (name, key)
        assert rule.explain() == rule.explanation


def test_a_staff_explanation_is_read_and_used_for_staff_only(tmp_path):
    text = with_rule("attendance_absence_limit", "10", "percent",
                     staff_explanation='"Har eleven mer enn 10 prosent fravær."')
    text = edit_field(text, "attendance_absence_limit", "explanation",
                      'explanation = "Har du mer enn 10 prosent fravær."')
    rule = load_profile(write(tmp_path, text)).rule("attendance_absence_limit")
    assert rule.explain() == "Har du mer enn 10 prosent fravær."
    assert rule.explain(staff=True) == "Har eleven mer enn 10 prosent fravær."


@pytest.mark.parametrize(
    ("name", "school_type"),
    [("vgs", "vgs"), ("nki", "fagskole"), ("havbruk", "fagskole"), ("more-og-romsdal", "fagskole")],
)
def test_school_type(name, school_type):
    assert get_profile(name).school_type == school_type


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("key", REQUIRED)
def test_required_rules_are_in_every_profile(name, key):
    assert key in get_profile(name)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_rule_has_reference_explanation_and_valid_value(name):
    profile = get_profile(name)
    assert profile.rules
    for key, rule in profile.rules.items():
        assert rule.key == key
        assert rule.unit in UNITS, key
        assert rule.reference.strip(), key
        assert rule.reference == rule.reference.strip(), key
        assert rule.explanation.strip(), key
        assert rule.cite() == f"jf. {rule.reference}"
        if rule.unit == "text":
            assert isinstance(rule.value, str) and rule.value.strip(), key
        elif rule.unit == "percent":
            assert 0 <= rule.value <= 100, key
        else:
            assert isinstance(rule.value, int) and rule.value >= 0, key
        if rule.is_period:
            assert isinstance(rule.period, Period)


@pytest.mark.parametrize("name", ["havbruk", "more-og-romsdal", "nki"])
def test_a_profile_with_the_follow_up_procedure_names_the_rule_on_loss_of_rights(name):
    """A follow-up decision on loss of rights is refused without the principal, citing this
    rule (portal/kinds/follow_up/rules.py), which the decision form shows beforehand."""
    profile = get_profile(name)
    assert "follow_up_decision" in profile
    rule = profile.rule("follow_up_loss_of_rights")
    assert rule.unit == "text" and "rektor" in rule.value


@pytest.mark.parametrize("name", SHIPPED)
def test_decision_appeal_deadline_is_three_weeks_everywhere(name):
    assert get_profile(name).period("decision_appeal_deadline") == Period(3, "weeks")


@pytest.mark.parametrize("name", SHIPPED)
def test_late_appeal_never_after_one_year(name):
    rule = get_profile(name).rule("late_appeal_absolute_limit")
    assert rule.period == Period(12, "months")
    assert rule.amount() == "1 år"
    assert "forvaltningsloven § 31" in rule.reference


@pytest.mark.parametrize("name", SHIPPED)
def test_a_grade_that_can_only_be_appealed_for_formal_errors_can_be_so(name):
    """Where an exam form's grade cannot be appealed for its assessment (vgs: an oral exam,
    opplæringsforskrifta § 10-2), a formal error still can: the profile has its deadline."""
    profile = get_profile(name)
    if "grade_appeal_excluded_forms" in profile:
        assert "formal_error_appeal_deadline" in profile
    if name == "vgs":  # the exam appeal's ten days (domain.md §5)
        rule = profile.rule("formal_error_appeal_deadline")
        assert (rule.period, rule.reference) == (Period(10, "days"),
                                                 "opplæringsforskrifta § 10-2")


DOMAIN_VALUES = [
    # profile, key, value, unit
    ("vgs", "study_leave_lead_time", 7, "days"),
    ("vgs", "absence_max_struck_days", 10, "school_days"),
    ("vgs", "attendance_absence_limit", 10, "percent"),
    ("vgs", "grade_appeal_deadline", 10, "days"),
    ("vgs", "decision_appeal_deadline", 3, "weeks"),
    ("havbruk", "exam_adaptation_lead_time", 1, "months"),
    ("havbruk", "exam_extra_time_max", 60, "minutes"),
    ("havbruk", "exam_withdrawal_before", 24, "hours"),
    ("havbruk", "justification_request_within", 1, "weeks"),
    ("havbruk", "justification_answer_within", 2, "weeks"),
    ("havbruk", "grade_appeal_deadline", 3, "weeks"),
    ("nki", "justification_request_within", 3, "weeks"),
    ("nki", "exam_sick_note_within", 2, "weeks"),
    ("nki", "exam_max_attempts", 3, "count"),
    ("nki", "grade_appeal_deadline", 3, "weeks"),
    ("more-og-romsdal", "attendance_required", 80, "percent"),
    ("more-og-romsdal", "attendance_warning", 15, "percent"),
    ("more-og-romsdal", "attendance_loss_of_place", 20, "percent"),
    ("more-og-romsdal", "grade_appeal_deadline", 3, "weeks"),
]


@pytest.mark.parametrize(("name", "key", "value", "unit"), DOMAIN_VALUES)
def test_domain_values(name, key, value, unit):
    profile = get_profile(name)
    rule = profile.rule(key)
    assert (rule.value, rule.unit) == (value, unit)
    assert profile.value(key) == value
    assert rule.reference.strip()
    assert rule.explanation.strip()


# Where seed [003] (Forskrift for Norsk Havbruksfagskole) says each havbruk rule: the
# paragraph, its numbered part and letter as the seed numbers them.
HAVBRUK_PARAGRAPHS = {
    "decision_appeal_deadline": "§ 7-2",
    "decision_appeal_first_instance": "§ 7-6 (2)",
    "appeal_body": "§ 7-5",
    "appeal_board_answer_within": "§ 7-6 (4)",
    "exam_attendance_required": "§ 4-3",
    "exam_withdrawal_before": "§ 4-4 (3)",
    "exam_adaptation_lead_time": "§ 4-5 (1)",
    "exam_adaptation_decider": "§ 4-5 (4)",
    "exam_extra_time_max": "§ 4-5 (2) a og (3)",
    "exam_sick_note_within": "§ 4-6 (2)",
    "justification_request_within": "§ 4-9 (1) a",
    "justification_request_absolute_limit": "§ 4-9 (1) a",
    "justification_request_oral": "§ 4-9 (1) a",
    "justification_answer_within": "§ 4-9 (1) b",
    "grade_appeal_deadline": "§ 4-9 (2)",
    "grade_appeal_excluded_forms": "§ 4-9 (2) a",
    "regrading_within": "§ 4-9 (4)",
    # the three weeks from learning of a formal error are in (1) a; (2) is the outcome
    "formal_error_appeal_deadline": "§ 4-10 (1) a",
    "formal_error_appeal_body": "§ 4-10 (4)",
}


@pytest.mark.parametrize(("key", "paragraph"), HAVBRUK_PARAGRAPHS.items())
def test_havbruk_rules_cite_the_paragraph_of_the_seed(key, paragraph):
    assert get_profile("havbruk").rule(key).reference == f"forskriften {paragraph}"


@pytest.mark.parametrize(
    ("name", "key", "amount", "describe"),
    [
        ("vgs", "decision_appeal_deadline", "3 uker", "3 uker, jf. forvaltningsloven § 29"),
        ("vgs", "study_leave_lead_time", "7 dager", None),
        ("vgs", "attendance_absence_limit", "10 %", "10 %, jf. opplæringsforskrifta § 9-8"),
        ("vgs", "absence_max_struck_days", "10 skoledager", None),
        ("vgs", "absence_religious_days", "2 skoledager", None),
        ("vgs", "absence_health_first_struck_day", "4", None),
        ("vgs", "appeal_body", "Klagenemnda i fylkeskommunen", None),
        ("havbruk", "exam_adaptation_lead_time", "1 måned", "1 måned, jf. forskriften § 4-5 (1)"),
        ("havbruk", "exam_extra_time_max", "60 minutter", None),
        ("havbruk", "exam_withdrawal_before", "24 timer", None),
        ("havbruk", "justification_request_within", "1 uke", None),
        # a period of none is "straks" (at once), not "0 dager"
        ("havbruk", "justification_request_oral", "straks", None),
        ("havbruk", "document_retention", "3 år", None),
        ("nki", "exam_max_attempts", "3", None),
        ("nki", "appeal_board_answer_within", "30 dager", None),
        ("more-og-romsdal", "attendance_required", "80 %", None),
    ],
)
def test_rule_amount_and_describe(name, key, amount, describe):
    rule = get_profile(name).rule(key)
    assert rule.amount() == amount
    assert rule.describe() == (describe or f"{amount}, jf. {rule.reference}")


@pytest.mark.parametrize(
    ("unit", "value", "amount"),
    [
        ("school_days", 1, "1 skoledag"),
        ("school_days", 0, "0 skoledager"),
        ("percent", 12.5, "12,5 %"),  # the decimal comma: Norwegian, outside a request too
        ("percent", 100, "100 %"),
        ("count", 0, "0"),
        ("working_days", 10, "10 virkedager"),
    ],
)
def test_rule_amount_for_other_values(unit, value, amount):
    rule = Rule(key="x", value=value, unit=unit, reference="ref", explanation="why")
    assert rule.amount() == amount


@pytest.mark.parametrize(
    ("name", "key"),
    [("vgs", "attendance_absence_limit"), ("vgs", "appeal_body"), ("nki", "exam_max_attempts")],
)
def test_non_period_rule_has_no_period(name, key):
    profile = get_profile(name)
    assert not profile.rule(key).is_period
    with pytest.raises(ValueError, match=key):
        _ = profile.rule(key).period
    with pytest.raises(ValueError, match=key):
        profile.period(key)


def test_profile_lookup_helpers():
    vgs = get_profile("vgs")
    assert vgs.has("decision_appeal_deadline", "study_leave_lead_time")
    assert not vgs.has("decision_appeal_deadline", "exam_withdrawal_before")
    assert "study_leave_lead_time" in vgs
    assert "exam_withdrawal_before" not in vgs
    assert vgs.period("study_leave_lead_time") == Period(7, "days")
    with pytest.raises(KeyError, match="exam_withdrawal_before"):
        vgs.rule("exam_withdrawal_before")
    with pytest.raises(KeyError, match="'vgs'"):
        vgs.value("exam_withdrawal_before")


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="nosuchschool"):
        get_profile("nosuchschool")


# --- loader errors --------------------------------------------------------------------

HEAD = """\
[profile]
name = "{name}"
title = "Testskolen"
school_type = "vgs"
source = "Testreglement"
"""

RULE = """
[rules.{key}]
value = {value}
unit = "{unit}"
reference = "forvaltningsloven § 29"
explanation = "Forklaring."
"""

BASE_RULES = {
    "decision_appeal_deadline": ("3", "weeks"),
    "appeal_body": ('"Klagenemnda"', "text"),
    "late_appeal_absolute_limit": ("12", "months"),
    "document_retention": ("36", "months"),
}


def profile_text(name="test", rules=None, head=None):
    rules = BASE_RULES if rules is None else rules
    text = HEAD.format(name=name) if head is None else head
    for key, (value, unit) in rules.items():
        text += RULE.format(key=key, value=value, unit=unit)
    return text


def write(tmp_path, text, stem="test"):
    path = tmp_path / f"{stem}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_profile_loads(tmp_path):
    path = write(tmp_path, profile_text())
    profile = load_profile(path)
    assert profile.name == "test"
    assert profile.title == "Testskolen"
    assert profile.school_type == "vgs"
    assert sorted(profile.rules) == sorted(REQUIRED)
    assert profile.period("decision_appeal_deadline") == Period(3, "weeks")
    assert profile.value("appeal_body") == "Klagenemnda"


def test_load_profile_accepts_a_string_path(tmp_path):
    path = write(tmp_path, profile_text())
    assert load_profile(str(path)).name == "test"


def test_load_profiles_reads_a_directory(tmp_path):
    write(tmp_path, profile_text(name="alpha"), stem="alpha")
    write(tmp_path, profile_text(name="beta"), stem="beta")
    (tmp_path / "notes.txt").write_text("not a profile", encoding="utf-8")
    profiles = load_profiles(tmp_path)
    assert list(profiles) == ["alpha", "beta"]
    assert profiles["beta"].name == "beta"


def test_load_profiles_stops_on_a_bad_file(tmp_path):
    write(tmp_path, profile_text(name="alpha"), stem="alpha")
    text = profile_text(name="beta").replace('unit = "weeks"', 'unit = "uker"')
    bad = write(tmp_path, text, stem="beta")
    with pytest.raises(ProfileError) as excinfo:
        load_profiles(tmp_path)
    assert str(bad) in str(excinfo.value)
    assert "rules.decision_appeal_deadline.unit" in str(excinfo.value)


def with_rule(key, value, unit, **extra_fields):
    rules = dict(BASE_RULES)
    rules[key] = (value, unit)
    text = profile_text(rules=rules)
    if extra_fields:
        marker = f"[rules.{key}]\n"
        fields = "".join(f"{k} = {v}\n" for k, v in extra_fields.items())
        text = text.replace(marker, marker + fields)
    return text


def without_rule(key):
    return {k: v for k, v in BASE_RULES.items() if k != key}


def edit_field(text, key, field, line=None):
    """`text` with the `field` line of [rules.<key>] replaced by `line` (None: removed)."""
    start = text.index(f"[rules.{key}]")
    end = text.find("\n[", start + 1)
    end = len(text) if end == -1 else end
    lines = text[start:end].split("\n")
    found = [i for i, old in enumerate(lines) if old.startswith(f"{field} =")]
    assert len(found) == 1, (key, field)
    if line is None:
        del lines[found[0]]
    else:
        lines[found[0]] = line
    return text[:start] + "\n".join(lines) + text[end:]


BAD_PROFILES = [
    # id, text, key the message must name, message detail
    pytest.param(
        HEAD.format(name="test") + "\n[rules.decision_appeal_deadline]\nvalue = \n",
        "line 8",
        "not valid TOML",
        id="invalid-toml",
    ),
    pytest.param(
        HEAD.format(name="test") + '\n[rules.x]\nvalue = "unterminated\n',
        "line 8",
        "not valid TOML",
        id="invalid-toml-string",
    ),
    pytest.param(
        profile_text(head=""),
        "profile",
        "[profile] table is missing",
        id="missing-profile-table",
    ),
    pytest.param(
        profile_text(name="other"),
        "profile.name",
        "'other' must equal the file name 'test'",
        id="name-not-file-stem",
    ),
    pytest.param(
        profile_text(head=HEAD.format(name="test").replace('name = "test"\n', "")),
        "profile.name",
        "required",
        id="missing-name",
    ),
    pytest.param(
        profile_text(head=HEAD.format(name="test").replace('"vgs"', '"universitet"')),
        "profile.school_type",
        "'universitet'",
        id="unknown-school-type",
    ),
    pytest.param(
        profile_text(head=HEAD.format(name="test").replace('title = "Testskolen"', 'title = " "')),
        "profile.title",
        "non-empty",
        id="blank-title",
    ),
    pytest.param(
        HEAD.format(name="test"),
        "rules",
        "missing",
        id="no-rules",
    ),
    pytest.param(
        profile_text().replace("[profile]", "[rules]\nstudy_leave_lead_time = 7\n\n[profile]"),
        "rules.study_leave_lead_time",
        "must be a table",
        id="rule-not-a-table",
    ),
    pytest.param(
        with_rule("study_leave_lead_time", "7", "years"),
        "rules.study_leave_lead_time.unit",
        "'years' is not one of",
        id="unknown-unit",
    ),
    pytest.param(
        with_rule("study_leave_lead_time", "-7", "days"),
        "rules.study_leave_lead_time.value",
        "-7",
        id="negative-value",
    ),
    pytest.param(
        with_rule("study_leave_lead_time", "1.5", "weeks"),
        "rules.study_leave_lead_time.value",
        "whole number",
        id="fractional-period",
    ),
    pytest.param(
        with_rule("study_leave_lead_time", "true", "days"),
        "rules.study_leave_lead_time.value",
        "True",
        id="boolean-value",
    ),
    pytest.param(
        with_rule("study_leave_lead_time", '"7"', "days"),
        "rules.study_leave_lead_time.value",
        "'7'",
        id="number-as-text",
    ),
    pytest.param(
        with_rule("attendance_absence_limit", "110", "percent"),
        "rules.attendance_absence_limit.value",
        "0 to 100",
        id="percent-over-100",
    ),
    pytest.param(
        with_rule("attendance_absence_limit", "-1", "percent"),
        "rules.attendance_absence_limit.value",
        "0 to 100",
        id="percent-below-0",
    ),
    pytest.param(
        with_rule("absence_reviewer", '""', "text"),
        "rules.absence_reviewer.value",
        "non-empty text",
        id="empty-text-value",
    ),
    pytest.param(
        with_rule("absence_reviewer", '"   "', "text"),
        "rules.absence_reviewer.value",
        "non-empty text",
        id="blank-text-value",
    ),
    pytest.param(
        with_rule("absence_reviewer", "3", "text"),
        "rules.absence_reviewer.value",
        "non-empty text",
        id="text-rule-with-number",
    ),
    pytest.param(
        edit_field(profile_text(), "decision_appeal_deadline", "reference"),
        "rules.decision_appeal_deadline.reference",
        "required",
        id="missing-reference",
    ),
    pytest.param(
        edit_field(profile_text(), "late_appeal_absolute_limit", "reference", 'reference = "  "'),
        "rules.late_appeal_absolute_limit.reference",
        "non-empty",
        id="blank-reference",
    ),
    pytest.param(
        edit_field(profile_text(), "appeal_body", "explanation"),
        "rules.appeal_body.explanation",
        "required",
        id="missing-explanation",
    ),
    pytest.param(
        with_rule("study_leave_lead_time", "7", "days", refrence='"typo"'),
        "rules.study_leave_lead_time",
        "unknown field(s) refrence",
        id="unknown-field",
    ),
    pytest.param(
        with_rule("attendance_absence_limit", "10", "percent",
                  staff_explanation='"Over 15 prosent."'),
        "rules.attendance_absence_limit.staff_explanation",
        "both texts must state the same rule",
        id="staff-explanation-with-other-numbers",
    ),
    pytest.param(
        with_rule("attendance_absence_limit", "10", "percent", staff_explanation='" "'),
        "rules.attendance_absence_limit.staff_explanation",
        "non-empty",
        id="blank-staff-explanation",
    ),
    pytest.param(
        edit_field(profile_text(), "document_retention", "unit"),
        "rules.document_retention.unit",
        "None is not one of",
        id="missing-unit",
    ),
    pytest.param(
        edit_field(profile_text(), "decision_appeal_deadline", "value"),
        "rules.decision_appeal_deadline.value",
        "got None",
        id="missing-value",
    ),
    pytest.param(
        profile_text(rules=without_rule("decision_appeal_deadline")),
        "rules.decision_appeal_deadline",
        "required in every profile",
        id="missing-decision-appeal-deadline",
    ),
    pytest.param(
        profile_text(rules=without_rule("document_retention")),
        "rules.document_retention",
        "required in every profile",
        id="missing-document-retention",
    ),
]


@pytest.mark.parametrize(("text", "key", "detail"), BAD_PROFILES)
def test_bad_profile_names_file_and_key(tmp_path, text, key, detail):
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as excinfo:
        load_profile(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: "), message
    assert key in message, message
    assert detail in message, message


def test_invalid_toml_error_keeps_the_parser_position(tmp_path):
    text = HEAD.format(name="test") + "\n[rules.decision_appeal_deadline]\nvalue = \n"
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as excinfo:
        load_profile(path)
    assert re.search(r"line 8, column \d+", str(excinfo.value))
    assert excinfo.value.__cause__ is not None


def test_profile_error_is_a_value_error():
    assert issubclass(ProfileError, ValueError)


def test_percent_bounds_are_inclusive(tmp_path):
    rules = dict(BASE_RULES, low=("0", "percent"), high=("100", "percent"), mid=("12.5", "percent"))
    profile = load_profile(write(tmp_path, profile_text(rules=rules)))
    assert [profile.value(k) for k in ("low", "high", "mid")] == [0, 100, 12.5]


def test_zero_is_an_allowed_amount(tmp_path):
    rules = dict(BASE_RULES, grace=("0", "days"))
    profile = load_profile(write(tmp_path, profile_text(rules=rules)))
    assert profile.period("grace") == Period(0, "days")


def test_profile_header_texts_are_stripped(tmp_path):
    head = HEAD.format(name="test").replace('"Testskolen"', '"  Testskolen  "')
    profile = load_profile(write(tmp_path, profile_text(head=head)))
    assert profile.title == "Testskolen"
    assert profile.source == "Testreglement"
