"""Absence: teachers register it per lesson, students see it per subject against the planned
lessons, staff see each class sorted by risk, and warnings are created once when a threshold
of the school's rule profile is crossed. The counting rules are in `rules.py` (pure); the
student's absence note is the request kind in portal/kinds/absence_note/.
"""

from flask import Blueprint

from portal.absence.models import AbsenceCover, AbsenceRecord, AbsenceWarning, ChronicCondition
from portal.absence.services import (
    absence_summary,
    apply_covers,
    check_warnings,
    record_absence,
)

bp = Blueprint("absence", __name__, url_prefix="/absence", template_folder="templates",
               cli_group=None)

from portal.absence import cli, views  # noqa: E402,F401
from portal.absence.demo import load_demo  # noqa: E402

__all__ = [
    "AbsenceCover",
    "AbsenceRecord",
    "AbsenceWarning",
    "ChronicCondition",
    "absence_summary",
    "apply_covers",
    "bp",
    "check_warnings",
    "load_demo",
    "record_absence",
]
