"""People, their roles, and login throttling."""

from datetime import timedelta

from flask_login import UserMixin
from peewee import (
    JOIN,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    fn,
)

from portal.collation import by_name
from portal.db import Prepared
from portal.models.base import BaseModel, utcnow
from portal.models.school import School
from portal.roles import ROLES


class User(UserMixin, BaseModel):
    username = CharField(max_length=64, unique=True)
    full_name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The hash prefix invalidates sessions when the password changes.
        return f"{self.id}:{self.password_hash[-12:]}"

    @classmethod
    def load(cls, user_id: int):
        """The user, their roles and the USER_STATE values, in one query (what every page of a
        logged-in user shows in its menu); None when there is no such user."""
        rows = _loaded(user_id)
        if not rows:
            return None
        user = rows[0]
        user._grant_cache = [
            (row.grant.role, row.grant.at if row.grant.school_id else None)
            for row in rows if getattr(row, "grant", None) is not None and row.grant.role]
        user.state = {part: getattr(user, f"state_{i}") for i, part in enumerate(USER_STATE)}
        return user

    def _grants(self) -> list[tuple[str, object]]:
        """(role, school or None) of each of the user's grants: one query, kept on the
        instance (a request loads its user once)."""
        if not hasattr(self, "_grant_cache"):
            self._grant_cache = [(grant.role, grant.school if grant.school_id else None)
                                 for grant in _grants_of(self.id)]
        return self._grant_cache

    def role_codes(self, school=None) -> set[str]:
        """The user's roles; at `school`, those granted there or everywhere."""
        if school is None:
            return {role for role, _school in self._grants()}
        key = getattr(school, "id", school)
        return {role for role, at in self._grants() if at is None or at.id == key}

    def has_role(self, *roles: str, school=None) -> bool:
        return bool(self.role_codes(school) & set(roles))

    def schools_as(self, role: str) -> list | None:
        """The schools where the user holds `role`, by name; None for every school (a grant
        of it without a school: county-wide)."""
        at = [school for granted, school in self._grants() if granted == role]
        return None if any(school is None for school in at) else at

    def schools(self) -> list:
        """The schools the user holds a role at, by name."""
        found = {at.id: at for _role, at in self._grants() if at is not None}
        return list(found.values())  # by name, in Norwegian order (portal/collation.py)

    @classmethod
    def by_username(cls, username: str):
        return cls.get_or_none(fn.LOWER(cls.username) == username.strip().lower())


class RoleGrant(BaseModel):
    user = ForeignKeyField(User, backref="role_grants", on_delete="CASCADE")
    role = CharField(max_length=32)
    school = ForeignKeyField(School, null=True, backref="role_grants", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "role", "school"), True),)


# Roles a county holds for all its schools: the county's exam office, its appeals body, the
# examiners it appoints. A grant of one without a school makes its holder part of the cases of
# every school that the role takes part in (holders). A school's own roles (principal,
# department head, coordinators, teachers) granted without a school are not: the principal
# who decides a school's case is that school's, and a county-wide grant of it would make one
# person part of every follow-up and every exam adaptation, with its health documents, at
# every school.
COUNTY_ROLES = frozenset({"exam_office", "appeals_board", "examiner"})


def holders(school, role: str):
    """The active users who hold `role` at `school`, by name: granted there, or, for a role a
    county holds (COUNTY_ROLES), at every school (a grant without a school)."""
    at = RoleGrant.school == school
    if role in COUNTY_ROLES:
        at |= RoleGrant.school.is_null()
    granted = RoleGrant.select(RoleGrant.user).where((RoleGrant.role == role) & at)
    return (User.select().where(User.active & User.id.in_(granted))
            .order_by(by_name(User.full_name), User.id))


_grants_of = Prepared(lambda user_id: (
    RoleGrant.select(RoleGrant.role, RoleGrant.school, School)
    .join(School, JOIN.LEFT_OUTER)
    .where(RoleGrant.user == user_id)
    .order_by(by_name(School.name), RoleGrant.id)))


class LoginThrottle(BaseModel):
    """Failed logins per key ("user:<name>", or "ip:<address>@<window>":
    portal/auth/throttle.py), kept in the database so that several app servers share the
    count."""

    key = CharField(max_length=300, unique=True)
    failures = IntegerField(default=0)
    last_failure_at = DateTimeField(default=utcnow)

    WINDOW = timedelta(minutes=15)


def validate_role(code: str) -> str:
    if code not in ROLES:
        raise ValueError(f"unknown role {code!r}; known: {', '.join(ROLES)}")
    return code


# What the pages show of their user beyond the row and the roles, added by feature packages
# (the menu's count of unread notifications): functions user_id -> a query of one value. They
# are read with the user and the roles in the one query that loads the user for a request
# (User.load) and kept on it as `user.state` ({function: value}).
USER_STATE: list = []


def register_user_state(part) -> None:
    """Add a value to what User.load reads; at import, before the first request (the query
    is prepared once). The value is read when the request loads its user: a view that changes
    it (marks notifications read) redirects before showing it, as every POST here does."""
    if part in USER_STATE:
        return
    if _loaded.prepared:
        raise RuntimeError("register_user_state after the first user was loaded: register "
                           "at import")
    USER_STATE.append(part)


_loaded = Prepared(lambda user_id: (
    User.select(User, RoleGrant.role, RoleGrant.school, School,
                *(part(user_id).alias(f"state_{i}") for i, part in enumerate(USER_STATE)))
    .join(RoleGrant, JOIN.LEFT_OUTER, on=(RoleGrant.user == User.id), attr="grant")
    .join(School, JOIN.LEFT_OUTER, on=(RoleGrant.school == School.id), attr="at")
    .where(User.id == user_id)
    .order_by(by_name(School.name), RoleGrant.id)))
