"""Rule profiles: every number the portal enforces, with its legal reference.

A profile is one TOML file in `profiles/` (see `vgs.toml` for the format).  Each rule has
a value, a unit, the legal reference the UI shows beside it ("jf. forvaltningsloven § 29")
and a short Norwegian explanation, written to the student ("du"); a rule that staff also read
about a student has a `staff_explanation` too ("eleven"), naming the same numbers.  A bad
file stops the application at start-up with the file and the key named, so a school never
runs on a half-read profile.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from portal.rules.deadlines import PERIOD_UNITS, Period

PROFILE_DIR = Path(__file__).parent / "profiles"
SCHOOL_TYPES = ("vgs", "fagskole")
VALUE_UNITS = ("percent", "count", "school_days", "text")
UNITS = PERIOD_UNITS + VALUE_UNITS
ZERO_PERIOD = "straks"  # a rule's period of no length, in words (Rule.amount)

# Rules every profile must have: they are used by the case engine for any decision.
REQUIRED = (
    "decision_appeal_deadline",
    "appeal_body",
    "late_appeal_absolute_limit",
    "document_retention",
)


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Rule:
    key: str
    value: int | float | str
    unit: str
    reference: str
    explanation: str
    staff_explanation: str = ""  # about the student, for staff; "" when `explanation` serves

    @property
    def period(self) -> Period:
        if self.unit not in PERIOD_UNITS:
            raise ValueError(f"rule {self.key} is {self.unit}, not a period")
        return Period(int(self.value), self.unit)

    @property
    def is_period(self) -> bool:
        return self.unit in PERIOD_UNITS

    def explain(self, *, staff: bool = False) -> str:
        """The explanation for the student, about themselves; with `staff`, for staff about
        the student (the same text where the rule speaks to no one in particular)."""
        return (self.staff_explanation or self.explanation) if staff else self.explanation

    def cite(self) -> str:
        """The reference as the UI shows it: "jf. forvaltningsloven § 29"."""
        return f"jf. {self.reference}"

    def amount(self) -> str:
        """The value in words: "3 uker", "10 %", "10 skoledager"; a period of none "straks"
        (at once: asking for the justification of an oral exam's grade, not "0 dager")."""
        if self.is_period:
            return self.period.describe() if self.value else ZERO_PERIOD
        if self.unit == "percent":  # "12,5 %": the decimal comma of the request's language
            from portal.filters import number

            return f"{number(float(self.value))} %"
        if self.unit == "school_days":
            return f"{self.value} skoledag" + ("" if self.value == 1 else "er")
        return str(self.value)

    def describe(self) -> str:
        """Value and reference together: "3 uker, jf. forvaltningsloven § 29"."""
        return f"{self.amount()}, {self.cite()}"


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    school_type: str
    source: str
    rules: dict[str, Rule] = field(default_factory=dict)

    def rule(self, key: str) -> Rule:
        try:
            return self.rules[key]
        except KeyError:
            raise KeyError(f"profile {self.name!r} has no rule {key!r}") from None

    def value(self, key: str):
        return self.rule(key).value

    def period(self, key: str) -> Period:
        return self.rule(key).period

    def has(self, *keys: str) -> bool:
        return all(key in self.rules for key in keys)

    def __contains__(self, key: str) -> bool:
        return key in self.rules


def _text(path: Path, where: str, table: dict, name: str) -> str:
    value = table.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{path}: {where}.{name}: required, a non-empty text")
    return value.strip()


def _rule(path: Path, key: str, table) -> Rule:
    where = f"rules.{key}"
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: {where}: must be a table with value, unit, reference")
    unknown = set(table) - {"value", "unit", "reference", "explanation", "staff_explanation"}
    if unknown:
        raise ProfileError(f"{path}: {where}: unknown field(s) {', '.join(sorted(unknown))}")
    unit = table.get("unit")
    if unit not in UNITS:
        raise ProfileError(f"{path}: {where}.unit: {unit!r} is not one of {', '.join(UNITS)}")
    value = table.get("value")
    if unit == "text":
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(f"{path}: {where}.value: a text rule needs a non-empty text")
    elif unit == "percent":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise ProfileError(f"{path}: {where}.value: a percentage from 0 to 100, got {value!r}")
    elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProfileError(f"{path}: {where}.value: a whole number >= 0, got {value!r}")
    explanation = _text(path, where, table, "explanation")
    staff_explanation = ""
    if "staff_explanation" in table:
        staff_explanation = _text(path, where, table, "staff_explanation")
        if _numbers(staff_explanation) != _numbers(explanation):
            raise ProfileError(
                f"{path}: {where}.staff_explanation: names the numbers "
                f"{_numbers(staff_explanation)} where explanation names {_numbers(explanation)}; "
                "both texts must state the same rule")
    return Rule(
        key=key,
        value=value,
        unit=unit,
        reference=_text(path, where, table, "reference"),
        explanation=explanation,
        staff_explanation=staff_explanation,
    )


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:[.,]\d+)?", text))


def load_profile(path: Path) -> Profile:
    """Read and check one profile file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    head = data.get("profile")
    if not isinstance(head, dict):
        raise ProfileError(f"{path}: profile: the [profile] table is missing")
    name = _text(path, "profile", head, "name")
    if name != path.stem:
        raise ProfileError(f"{path}: profile.name: {name!r} must equal the file name {path.stem!r}")
    school_type = _text(path, "profile", head, "school_type")
    if school_type not in SCHOOL_TYPES:
        raise ProfileError(f"{path}: profile.school_type: {school_type!r} is not one of "
                           f"{', '.join(SCHOOL_TYPES)}")
    tables = data.get("rules")
    if not isinstance(tables, dict):
        raise ProfileError(f"{path}: rules: the [rules.*] tables are missing")
    rules = {key: _rule(path, key, table) for key, table in tables.items()}
    for key in REQUIRED:
        if key not in rules:
            raise ProfileError(f"{path}: rules.{key}: required in every profile")
    return Profile(
        name=name,
        title=_text(path, "profile", head, "title"),
        school_type=school_type,
        source=_text(path, "profile", head, "source"),
        rules=rules,
    )


def load_profiles(directory: Path = PROFILE_DIR) -> dict[str, Profile]:
    return {path.stem: load_profile(path) for path in sorted(Path(directory).glob("*.toml"))}


@cache
def _profiles() -> dict[str, Profile]:
    return load_profiles()


def get_profile(name: str) -> Profile:
    try:
        return _profiles()[name]
    except KeyError:
        raise ProfileError(f"no rule profile named {name!r} in {PROFILE_DIR}") from None


def profile_names() -> list[str]:
    return sorted(_profiles())


def validate_all() -> list[str]:
    """Load every profile afresh (raising ProfileError on the first bad one); their names."""
    _profiles.cache_clear()
    return profile_names()
