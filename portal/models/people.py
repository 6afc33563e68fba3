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

    def schools(self) -> list:
        """The schools the user holds a role at, by name."""
        found = {at.id: at for _role, at in self._grants() if at is not None}
        return list(found.values())  # in the database's order of names (its collation)

    @classmethod
    def by_username(cls, username: str):
        return cls.get_or_none(fn.LOWER(cls.username) == username.strip().lower())


class RoleGrant(BaseModel):
    user = ForeignKeyField(User, backref="role_grants", on_delete="CASCADE")
    role = CharField(max_length=32)
    school = ForeignKeyField(School, null=True, backref="role_grants", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "role", "school"), True),)


_grants_of = Prepared(lambda user_id: (
    RoleGrant.select(RoleGrant.role, RoleGrant.school, School)
    .join(School, JOIN.LEFT_OUTER)
    .where(RoleGrant.user == user_id)
    .order_by(School.name, RoleGrant.id)))


class LoginThrottle(BaseModel):
    """Failed logins per key ("user:<name>" or "ip:<address>"), kept in the database so that
    several app servers share the count."""

    key = CharField(max_length=300, unique=True)
    failures = IntegerField(default=0)
    last_failure_at = DateTimeField(default=utcnow)

    WINDOW = timedelta(minutes=15)


def validate_role(code: str) -> str:
    if code not in ROLES:
        raise ValueError(f"unknown role {code!r}; known: {', '.join(ROLES)}")
    return code
