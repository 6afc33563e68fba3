"""People, their roles, and login throttling."""

from datetime import timedelta

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    fn,
)

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

    def role_codes(self, school=None) -> set[str]:
        query = RoleGrant.select(RoleGrant.role).where(RoleGrant.user == self)
        if school is not None:
            query = query.where((RoleGrant.school == school) | (RoleGrant.school.is_null()))
        if not hasattr(self, "_role_cache"):
            self._role_cache = {}
        key = getattr(school, "id", school)
        if key not in self._role_cache:
            self._role_cache[key] = {g.role for g in query}
        return self._role_cache[key]

    def has_role(self, *roles: str, school=None) -> bool:
        return bool(self.role_codes(school) & set(roles))

    def schools(self) -> list:
        """The schools the user holds a role at, by name (kept on the instance, as the roles
        are: a request loads its user once)."""
        if not hasattr(self, "_school_cache"):
            self._school_cache = list(
                School.select()
                .join(RoleGrant, on=(RoleGrant.school == School.id))
                .where(RoleGrant.user == self)
                .distinct()
                .order_by(School.name)
            )
        return self._school_cache

    @classmethod
    def by_username(cls, username: str):
        return cls.get_or_none(fn.LOWER(cls.username) == username.strip().lower())


class RoleGrant(BaseModel):
    user = ForeignKeyField(User, backref="role_grants", on_delete="CASCADE")
    role = CharField(max_length=32)
    school = ForeignKeyField(School, null=True, backref="role_grants", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "role", "school"), True),)


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
