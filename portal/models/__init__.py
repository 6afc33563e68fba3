"""All tables. Migrations in migrations/ create them; keep the two in step."""

from portal.models.base import BaseModel, utcnow
from portal.models.cases import (
    Attachment,
    AttachmentAccess,
    Case,
    CaseCounter,
    CaseListing,
    Decision,
    Event,
    HeldUpload,
    Participant,
)
from portal.models.classes import Enrolment, SchoolClass, Subject, TeachingAssignment
from portal.models.people import LoginThrottle, RoleGrant, User
from portal.models.school import School, SchoolBreak, SchoolYear

ALL_MODELS = [
    School,
    SchoolYear,
    SchoolBreak,
    User,
    RoleGrant,
    LoginThrottle,
    SchoolClass,
    Subject,
    Enrolment,
    TeachingAssignment,
    CaseCounter,
    Case,
    Participant,
    CaseListing,
    Event,
    Attachment,
    HeldUpload,
    AttachmentAccess,
    Decision,
]



def feature_packages() -> list:
    """Import every non-kind feature package (portal/<pkg>/ that has a models.py or views.py)."""
    import importlib
    import pkgutil
    from pathlib import Path

    import portal

    root = Path(portal.__file__).parent
    found = []
    for info in sorted(pkgutil.iter_modules(portal.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name in ("models", "kinds"):
            continue
        if any((root / info.name / f"{sub}.py").exists() for sub in ("models", "views")):
            found.append(importlib.import_module(f"portal.{info.name}"))
    return found


def all_tables() -> list[type[BaseModel]]:
    """Every table, the request kinds' own included (they import when the app is built)."""
    import portal.kinds  # noqa: F401  (registers the kinds and their models)

    feature_packages()  # portal/<pkg>/ with a models.py (exams, ...)

    found, stack = [], list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop(0)
        if model not in found:
            found.append(model)
            stack.extend(model.__subclasses__())
    return found


__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "BaseModel", "all_tables", "utcnow"]
