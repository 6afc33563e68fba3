"""Schools and their school years, then CSV imports of users and class lists: every row
checked first, then all or nothing.

users.csv:   username,full_name,email,roles,school[,password]
             roles separated by ";" (student;teacher), school is a school code or empty
classes.csv: school,year,class,username,part[,subject_code,subject_name,planned_lessons,practice]
             part: student | contact_teacher | year_coordinator | cohort_coordinator | teacher
             (teacher rows name the subject they teach the class, and may give the lessons
             planned for the year and whether the subject is a practice period: ja/nei)
"""

import csv
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from peewee import fn

from portal.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    acceptable,
    hash_password,
    unusable_password,
)
from portal.db import database
from portal.i18n import gettext as _
from portal.models import (
    Enrolment,
    RoleGrant,
    School,
    SchoolBreak,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
)
from portal.roles import ROLES

USER_COLUMNS = ["username", "full_name", "email", "roles", "school"]
CLASS_COLUMNS = ["school", "year", "class", "username", "part"]
MAX_PLANNED_LESSONS = 2000  # more lessons than a school year has; catches typos
YES, NO = frozenset({"ja", "yes", "1", "true"}), frozenset({"nei", "no", "0", "false"})
HASHING_THREADS = 4  # at most, for the passwords of an import
# What import_classes reports, in this order
CLASS_COUNTS = ("classes created", "students enrolled", "teaching assignments added",
                "class roles set")
CLASS_PARTS = {"student", "contact_teacher", "year_coordinator", "cohort_coordinator", "teacher"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    # what an import of several things did, each counted apart: {what: how many}
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def summary(self) -> str:
        if self.counts:
            return "Imported. " + "; ".join(f"{what.capitalize() if i == 0 else what}: {n}"
                                            for i, (what, n) in enumerate(self.counts.items())) \
                + "."
        return f"Imported: {self.created} created, {self.updated} updated."


SCHOOL_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LONGEST_SCHOOL_YEAR = 366  # days: a typo in a year (2072 for 2027) is caught


def create_school(code: str, name: str, profile: str) -> ImportResult:
    """A school with the rule profile its regulations are in (portal/rules/profiles/)."""
    from portal.rules import profile_names

    result = ImportResult()
    code, name = code.strip(), name.strip()
    if not SCHOOL_CODE.fullmatch(code):
        result.errors.append(f"code {code!r}: 1-32 lower-case letters, digits and hyphens, "
                             "starting with a letter or digit (e.g. solberg-vgs)")
    elif School.select().where(School.code == code).exists():
        result.errors.append(f"a school with code {code!r} exists already")
    if not name or len(name) > 200:
        result.errors.append("name: 1-200 characters")
    if profile not in profile_names():
        result.errors.append(f"profile {profile!r} is none of {', '.join(profile_names())}")
    if result.ok:
        School.create(code=code, name=name, profile=profile)
        result.created = 1
    return result


def create_school_year(school_code: str, name: str, starts_on: str,
                       ends_on: str) -> ImportResult:
    """A school year of a school: the days its deadlines and absence are counted within.
    It may not overlap the school's other years (a day belongs to one school year), nor
    start in the calendar year another one starts in (case numbers are the starting year
    and a number counted per school year: 2026-0001 would be given twice)."""
    result = ImportResult()
    school = School.get_or_none(School.code == school_code.strip())
    if school is None:
        result.errors.append(f"no school with code {school_code!r} (create-school first)")
    name = name.strip()
    if not name or len(name) > 16:
        result.errors.append(f"name {name!r}: 1-16 characters (e.g. 2026/2027)")
    days = [d for d in (_iso_day("starts", starts_on, result), _iso_day("ends", ends_on, result))
            if d is not None]
    if len(days) == 2 and days[0] >= days[1]:
        result.errors.append(f"the year must end after it starts ({days[0]} – {days[1]})")
    elif len(days) == 2 and (days[1] - days[0]).days > LONGEST_SCHOOL_YEAR:
        result.errors.append(f"{days[0]} – {days[1]} is longer than a year")
    if school is not None and result.ok:
        for other in SchoolYear.select().where(SchoolYear.school == school):
            if other.name == name:
                result.errors.append(f"{school.code} has a school year {name!r} already")
            elif other.starts_on <= days[1] and days[0] <= other.ends_on:
                result.errors.append(f"overlaps {school.code}'s school year {other.name} "
                                     f"({other.starts_on} – {other.ends_on})")
            elif other.starts_on.year == days[0].year:
                result.errors.append(f"{school.code}'s school year {other.name} starts in "
                                     f"{days[0].year} too (case numbers begin with the year)")
    if result.ok:
        SchoolYear.create(school=school, name=name, starts_on=days[0], ends_on=days[1])
        result.created = 1
    return result


def _iso_day(label: str, text: str, result: ImportResult) -> date | None:
    try:
        if not ISO_DATE.fullmatch(text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError:
        result.errors.append(f"{label} {text!r} is not a date (YYYY-MM-DD)")
        return None


def _school_year(school_code: str, year_name: str, result: ImportResult):
    """The school year named `year_name` of the school with `school_code`, or None with the
    error in `result`."""
    school = School.get_or_none(School.code == school_code.strip())
    if school is None:
        result.errors.append(f"no school with code {school_code!r}")
        return None
    year = SchoolYear.get_or_none((SchoolYear.school == school)
                                  & (SchoolYear.name == year_name.strip()))
    if year is None:
        names = [y.name for y in SchoolYear.select().where(SchoolYear.school == school)
                 .order_by(SchoolYear.starts_on)]
        result.errors.append(f"{school.code} has no school year {year_name!r} (it has: "
                             f"{', '.join(names) or 'none'})")
    return year


def add_break(school_code: str, year_name: str, name: str, first_day: str,
              last_day: str) -> ImportResult:
    """A break of a school year (autumn break, a planning day): weekdays without teaching
    that are no public holiday. Inside the year, apart from its other breaks, and holding at
    least one weekday that is no public holiday (a break of only weekend is a typo)."""
    from portal.rules.calendar import school_days

    result = ImportResult()
    year = _school_year(school_code, year_name, result)
    name = name.strip()
    if not name or len(name) > 80:
        result.errors.append(f"name {name!r}: 1-80 characters (e.g. Høstferie)")
    first = _iso_day("first", first_day, result)
    last = _iso_day("last", last_day, result)
    if first is not None and last is not None and last < first:
        result.errors.append(f"the break must end on or after its first day ({first} – {last})")
    if year is None or not result.ok:
        return result
    if not (year.contains(first) and year.contains(last)):
        result.errors.append(f"{first} – {last} is not inside the school year {year.name} "
                             f"({year.starts_on} – {year.ends_on})")
    elif not school_days(first, last):
        result.errors.append(f"{first} – {last} has only weekend days and public holidays, "
                             "which are no school days already")
    for other in SchoolBreak.of(year):
        if other.first_day <= last and first <= other.last_day:
            result.errors.append(f"overlaps the break {other.name} "
                                 f"({other.first_day} – {other.last_day})")
    if result.ok:
        result.errors += _absence_in(year, first, last)
    if result.ok:
        SchoolBreak.create(school_year=year, name=name, first_day=first, last_day=last)
        result.created = 1
    return result


def _absence_in(year, first: date, last: date) -> list[str]:
    """Why a break cannot be added on days the school has already treated as school days:
    absence registered in a lesson, or an accepted absence note counting them (a break has
    no lessons, and its days would still count as absent, or toward the diploma's 10 days).
    Checked before the break is added, so that nobody's figures change unseen."""
    try:
        from portal.absence.models import AbsenceCover, AbsenceRecord
    except ImportError:  # (a portal without the absence register)
        return []
    errors = []
    for model, what in ((AbsenceRecord, "lessons of absence are registered"),
                        (AbsenceCover, "days are covered by accepted absence notes or "
                                       "completed study leaves")):
        in_break = ((model.school_year == year) & (model.date >= first)
                    & (model.date <= last))
        if model is AbsenceRecord:
            in_break &= ~AbsenceRecord.corrected
            counted = fn.COUNT(model.id)
        else:  # (a study leave covers a day once per subject)
            counted = fn.COUNT(model.date.distinct())
        found = model.select(counted, fn.MIN(model.date)).where(in_break).tuples()
        count, earliest = found.get()
        if count:
            errors.append(f"{count} {what} in {first} – {last} (the first on {earliest}): "
                          "correct them in the register or the notes first, or check the "
                          "break's dates")
    return errors


def remove_break(school_code: str, year_name: str, first_day: str) -> ImportResult:
    """Remove the break of a school year that starts on `first_day`."""
    result = ImportResult()
    year = _school_year(school_code, year_name, result)
    first = _iso_day("first", first_day, result)
    if year is None or first is None:
        return result
    removed = SchoolBreak.delete().where((SchoolBreak.school_year == year)
                                         & (SchoolBreak.first_day == first)).execute()
    if not removed:
        result.errors.append(f"{year.name} has no break starting on {first}")
    result.updated = removed
    return result


def list_breaks(school_code: str, year_name: str) -> tuple[ImportResult, list]:
    """The breaks of a school year, in order."""
    result = ImportResult()
    year = _school_year(school_code, year_name, result)
    return result, ([] if year is None else SchoolBreak.of(year))


def _rows(text: str, required: list[str], result: ImportResult):
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append(_("line 1: missing column(s): %(columns)s",
                               columns=", ".join(missing)))
        return []
    rows = []
    for row in reader:
        # (a password is taken as it stands: its spaces are part of it)
        clean = {k: (v or "") if k == "password" else (v or "").strip()
                 for k, v in row.items() if k is not None}
        if None in row:
            result.errors.append(_("line %(line)s: more fields than columns",
                                   line=reader.line_num))
            continue
        if any(clean.values()):
            rows.append((reader.line_num, clean))
    return rows


def import_users(text: str, typed: bool = False, tell: bool = False) -> ImportResult:
    """`typed`: the passwords were typed (create-user), not read from a file, so a space they
    begin or end with is meant. `tell`: a user who was there and gets a password hears of it
    by e-mail (create-user; not a file's import, which would tell every user it names each
    time it is run, whether their password changed or not)."""
    result = ImportResult()
    rows = _rows(text, USER_COLUMNS, result)
    schools = {s.code: s for s in School.select()}
    seen: set[str] = set()
    plan = []
    for line, row in rows:
        problems = []
        username = row["username"].lower()
        if not username or len(username) > 64 or not username.replace("-", "").replace(
            "_", "").replace(".", "").isalnum():
            problems.append("username must be letters, digits, '.', '-' or '_'")
        elif username in seen:
            problems.append(f"username {username!r} appears twice in the file")
        if not row["full_name"]:
            problems.append("full_name is empty")
        roles = [r.strip() for r in row["roles"].split(";") if r.strip()]
        unknown = [r for r in roles if r not in ROLES]
        if not roles:
            problems.append("roles is empty")
        if unknown:
            problems.append(f"unknown role(s): {', '.join(unknown)} "
                            f"(roles: {', '.join(sorted(ROLES))})")
        school = None
        if row["school"]:
            school = schools.get(row["school"])
            if school is None:
                problems.append(f"no school with code {row['school']!r}")
        password = row.get("password") or ""
        if password and not acceptable(password):
            problems.append(f"password must have {MIN_LENGTH} to {MAX_LENGTH} characters "
                            "(not only spaces), or be left empty")
        elif password != password.strip() and not typed:
            # (a spreadsheet's padding would become part of a password nobody knows to type;
            # such a password, if meant, is set with create-user, which takes it as typed)
            problems.append("password begins or ends with a space or tab: remove it, or set "
                            "such a password with create-user")
        if problems:
            result.errors.append(f"line {line}: " + "; ".join(problems))
            continue
        seen.add(username)
        plan.append((username, row, roles, school))
    if result.errors:
        return result
    hashes = _hashes([row.get("password") or "" for _username, row, _roles, _school in plan])
    with database.atomic():
        for (username, row, roles, school), password_hash in zip(plan, hashes, strict=True):
            user = User.by_username(username)
            if user is None:
                user = User.create(username=username, full_name=row["full_name"],
                                   email=row["email"] or None,
                                   password_hash=password_hash or unusable_password())
                result.created += 1
            else:
                # (the columns the file gives only: not the row as read, over a password the
                # user changed meanwhile)
                changes = {User.full_name: row["full_name"], User.email: row["email"] or None}
                if password_hash:
                    changes[User.password_hash] = password_hash
                User.update(changes).where(User.id == user.id).execute()
                result.updated += 1
                if tell and password_hash:
                    from portal.auth.reset import tell_changed

                    tell_changed(User.get_by_id(user.id))
            for role in roles:
                RoleGrant.insert(user=user, role=role, school=school).on_conflict_ignore().execute()
    return result


def _hashes(passwords: list[str]) -> list[str | None]:
    """The hash of each password given (None where none is), made before the import's
    transaction begins, which would otherwise hold the database's writer for 0.1 s an account,
    and on up to HASHING_THREADS of the cores this process may use (argon2 lets go of
    Python's lock while it works; each hash takes 64 MiB while it is made, and the app
    servers on the same machine keep cores for logins)."""
    given = [p for p in passwords if p]
    if not given:
        return [None] * len(passwords)
    usable = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
              else os.cpu_count() or 1)  # (the cores this process may use, where known)
    with ThreadPoolExecutor(max_workers=min(HASHING_THREADS, usable)) as pool:
        made = iter(list(pool.map(hash_password, given)))
    return [next(made) if p else None for p in passwords]


def import_classes(text: str) -> ImportResult:
    result = ImportResult()
    rows = _rows(text, CLASS_COLUMNS, result)
    schools = {s.code: s for s in School.select()}
    plan = []
    for line, row in rows:
        problems = []
        school = schools.get(row["school"])
        year = None
        if school is None:
            problems.append(f"no school with code {row['school']!r}")
        else:
            year = SchoolYear.get_or_none((SchoolYear.school == school)
                                          & (SchoolYear.name == row["year"]))
            if year is None:
                problems.append(f"school {school.code} has no school year {row['year']!r}")
        if not row["class"]:
            problems.append("class is empty")
        user = User.by_username(row["username"]) if row["username"] else None
        if user is None:
            problems.append(f"no user {row['username']!r} (import users first)")
        part = row["part"]
        if part not in CLASS_PARTS:
            problems.append(f"part must be one of {', '.join(sorted(CLASS_PARTS))}")
        elif user is not None:
            needed = "teacher" if part == "teacher" else part
            if not RoleGrant.select().where((RoleGrant.user == user)
                                             & (RoleGrant.role == needed)).exists():
                problems.append(f"user {user.username} does not have the role {needed}")
        if part == "teacher" and not (row.get("subject_code") and row.get("subject_name")):
            problems.append("teacher rows need subject_code and subject_name")
        planned = (row.get("planned_lessons") or "").strip()
        if planned and not (planned.isdecimal() and int(planned) <= MAX_PLANNED_LESSONS):
            problems.append(f"planned_lessons must be a whole number from 0 to "
                            f"{MAX_PLANNED_LESSONS}, not {planned!r}")
        practice = (row.get("practice") or "").strip().lower()
        if practice and practice not in YES | NO:
            problems.append(f"practice must be ja or nei, not {row.get('practice')!r}")
        if problems:
            result.errors.append(f"line {line}: " + "; ".join(problems))
            continue
        plan.append((school, year, row, user, part))
    if result.errors:
        return result
    for what in CLASS_COUNTS:  # (each named in the summary, none done or not)
        result.count(what, 0)
    with database.atomic():
        for school, year, row, user, part in plan:
            klass, created = SchoolClass.get_or_create(school=school, school_year=year,
                                                       name=row["class"])
            result.created += int(created)
            result.count("classes created", int(created))
            if part == "student":
                result.count("students enrolled", Enrolment.insert(
                    student=user, school_class=klass).on_conflict_ignore().as_rowcount()
                    .execute())
            elif part == "teacher":
                subject, _ = Subject.get_or_create(school=school, code=row["subject_code"],
                                                   defaults={"name": row["subject_name"]})
                practice = (row.get("practice") or "").strip().lower()
                if practice and subject.practice != (practice in YES):
                    subject.practice = practice in YES
                    subject.save()
                result.count("teaching assignments added", TeachingAssignment.insert(
                    teacher=user, subject=subject, school_class=klass).on_conflict_ignore()
                    .as_rowcount().execute())
                planned = (row.get("planned_lessons") or "").strip()
                if planned:
                    (TeachingAssignment.update(planned_lessons=int(planned))
                     .where((TeachingAssignment.teacher == user)
                            & (TeachingAssignment.subject == subject)
                            & (TeachingAssignment.school_class == klass)).execute())
            elif getattr(klass, f"{part}_id") != user.id:  # (set already: nothing to do)
                setattr(klass, part, user)
                klass.save()
                result.updated += 1
                result.count("class roles set")
    return result
