"""Peewee migrations -- 036_grade_set_aside.py: a grade set aside, kept in the record but no
longer the student's result: a published failing grade undone by a doctor's note sent within
its window (havbruk: forskriften § 4-6: an absence not documented is graded as sat, a
documented one is valid absence and the exam does not count as an attempt). NULL, and '', for
every grade that stands, and for those the previous release writes during an upgrade (it does
not know the columns: the reason has its default in the database).

The notes sent before this release for a registration whose published failing grade still
stands set it aside now (BACKFILL), as the note's step does from now on: at the time of the
registration's first note."""

import peewee as pw
from peewee_migrate import Migrator

BACKFILL = """
UPDATE "grade" SET "set_aside_because" = 'documented_absence',
    "set_aside_at" = (SELECT MIN(n."uploaded_at") FROM "exam_sick_note" n
                      WHERE n."registration_id" = "grade"."registration_id")
WHERE "grade"."replaced_by_id" IS NULL AND "grade"."set_aside_at" IS NULL
  AND "grade"."published_at" IS NOT NULL AND "grade"."grade" IN ('F', 'fail')
  AND "grade"."registration_id" IN (SELECT r."id" FROM "exam_registration" r
                                    WHERE r."status" = 'sick_documented')
  AND EXISTS (SELECT 1 FROM "exam_sick_note" n
              WHERE n."registration_id" = "grade"."registration_id")
"""


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "grade",
        set_aside_at=pw.DateTimeField(null=True),
        set_aside_because=pw.CharField(max_length=32, default="",
                                       constraints=[pw.SQL("DEFAULT ''")]),
    )
    migrator.sql(BACKFILL)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("grade", "set_aside_at", "set_aside_because")
