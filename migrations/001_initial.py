"""Peewee migrations -- 001_initial.py.

Some examples (model - class or model name)::

    > Model = migrator.orm['table_name']            # Return model in current state by name
    > Model = migrator.ModelClass                   # Return model in current state by name

    > migrator.sql(sql)                             # Run custom SQL
    > migrator.run(func, *args, **kwargs)           # Run python function with the given args
    > migrator.create_model(Model)                  # Create a model (could be used as decorator)
    > migrator.remove_model(model, cascade=True)    # Remove a model
    > migrator.add_fields(model, **fields)          # Add fields (allow_not_null=True skips default)
    > migrator.change_fields(model, **fields)       # Change fields
    > migrator.remove_fields(model, *field_names, cascade=True)
    > migrator.rename_field(model, old_field_name, new_field_name)
    > migrator.rename_table(model, new_table_name)
    > migrator.add_index(model, *col_names, unique=False)
    > migrator.add_not_null(model, *field_names)
    > migrator.add_default(model, field_name, default)
    > migrator.add_constraint(model, name, sql)
    > migrator.drop_index(model, *col_names)
    > migrator.drop_not_null(model, *field_names)
    > migrator.drop_constraints(model, *constraints)

"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""
    
    @migrator.create_model
    class School(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=200)
        code = pw.CharField(max_length=32, unique=True)
        profile = pw.CharField(max_length=64)

        class Meta:
            table_name = "school"

    @migrator.create_model
    class SchoolYear(pw.Model):
        id = pw.AutoField()
        school = pw.ForeignKeyField(column_name='school_id', field='id', model=migrator.orm['school'], on_delete='CASCADE')
        name = pw.CharField(max_length=16)
        starts_on = pw.DateField()
        ends_on = pw.DateField()

        class Meta:
            table_name = "school_year"
            indexes = [(('school', 'name'), True), (('school', 'starts_on'), False)]

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=64, unique=True)
        full_name = pw.CharField(max_length=200)
        email = pw.CharField(max_length=254, null=True)
        password_hash = pw.CharField(max_length=255)
        active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "user"

    @migrator.create_model
    class Case(pw.Model):
        id = pw.AutoField()
        school = pw.ForeignKeyField(column_name='school_id', field='id', model=migrator.orm['school'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        number = pw.IntegerField()
        kind = pw.CharField(max_length=32)
        state = pw.CharField(max_length=32)
        is_open = pw.BooleanField(default=True)
        student = pw.ForeignKeyField(column_name='student_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        title = pw.CharField(max_length=200)
        version = pw.IntegerField(default=1)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        staff_due_on = pw.DateField(null=True)

        class Meta:
            table_name = "case"
            indexes = [(('school', 'school_year', 'number'), True), (('student', 'updated_at'), False), (('kind', 'state'), False)]

    @migrator.create_model
    class Attachment(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        uploaded_by = pw.ForeignKeyField(column_name='uploaded_by_id', field='id', model=migrator.orm['user'])
        filename = pw.CharField(max_length=255)
        content_type = pw.CharField(max_length=100)
        size = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        is_health = pw.BooleanField(default=False)
        purpose = pw.CharField(default='documentation', max_length=48)
        data = pw.BlobField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "attachment"
            indexes = [(('case',), False)]

    @migrator.create_model
    class AttachmentAccess(pw.Model):
        id = pw.AutoField()
        attachment = pw.ForeignKeyField(column_name='attachment_id', field='id', model=migrator.orm['attachment'], on_delete='CASCADE')
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'])
        part = pw.CharField(max_length=32)
        opened_at = pw.DateTimeField()

        class Meta:
            table_name = "attachment_access"

    @migrator.create_model
    class CaseCounter(pw.Model):
        id = pw.AutoField()
        school = pw.ForeignKeyField(column_name='school_id', field='id', model=migrator.orm['school'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        last_number = pw.IntegerField(default=0)

        class Meta:
            table_name = "case_counter"
            indexes = [(('school', 'school_year'), True)]

    @migrator.create_model
    class Decision(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        outcome = pw.CharField(max_length=32)
        summary = pw.TextField()
        reasons = pw.TextField(default='')
        rule_reference = pw.CharField(max_length=200)
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['user'])
        decided_role = pw.CharField(max_length=32)
        decided_at = pw.DateTimeField()
        appeal_body = pw.CharField(max_length=200)
        appeal_deadline = pw.DateField()
        appeal_rule = pw.CharField(max_length=200)
        reasons_requested_at = pw.DateTimeField(null=True)
        reasons_given_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "decision"
            indexes = [(('case', 'decided_at'), False)]

    @migrator.create_model
    class SchoolClass(pw.Model):
        id = pw.AutoField()
        school = pw.ForeignKeyField(column_name='school_id', field='id', model=migrator.orm['school'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        name = pw.CharField(max_length=32)
        contact_teacher = pw.ForeignKeyField(column_name='contact_teacher_id', field='id', model=migrator.orm['user'], null=True)
        year_coordinator = pw.ForeignKeyField(column_name='year_coordinator_id', field='id', model=migrator.orm['user'], null=True)
        cohort_coordinator = pw.ForeignKeyField(column_name='cohort_coordinator_id', field='id', model=migrator.orm['user'], null=True)

        class Meta:
            table_name = "school_class"
            indexes = [(('school_year', 'name'), True)]

    @migrator.create_model
    class Enrolment(pw.Model):
        id = pw.AutoField()
        student = pw.ForeignKeyField(column_name='student_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        school_class = pw.ForeignKeyField(column_name='school_class_id', field='id', model=migrator.orm['school_class'], on_delete='CASCADE')

        class Meta:
            table_name = "enrolment"
            indexes = [(('student', 'school_class'), True), (('school_class',), False)]

    @migrator.create_model
    class Event(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        actor = pw.ForeignKeyField(column_name='actor_id', field='id', model=migrator.orm['user'], null=True)
        role = pw.CharField(max_length=32)
        action = pw.CharField(max_length=48)
        state_before = pw.CharField(max_length=32, null=True)
        state_after = pw.CharField(max_length=32)
        text = pw.TextField(default='')
        data = pw.TextField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "event"
            indexes = [(('case', 'id'), False)]

    @migrator.create_model
    class LoginThrottle(pw.Model):
        id = pw.AutoField()
        key = pw.CharField(max_length=300, unique=True)
        failures = pw.IntegerField(default=0)
        last_failure_at = pw.DateTimeField()

        class Meta:
            table_name = "login_throttle"

    @migrator.create_model
    class Participant(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        part = pw.CharField(max_length=32)
        added_at = pw.DateTimeField()

        class Meta:
            table_name = "participant"
            indexes = [(('case', 'user', 'part'), True), (('user', 'case'), False)]

    @migrator.create_model
    class RoleGrant(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        role = pw.CharField(max_length=32)
        school = pw.ForeignKeyField(column_name='school_id', field='id', model=migrator.orm['school'], null=True, on_delete='CASCADE')

        class Meta:
            table_name = "role_grant"
            indexes = [(('user', 'role', 'school'), True)]

    @migrator.create_model
    class Subject(pw.Model):
        id = pw.AutoField()
        school = pw.ForeignKeyField(column_name='school_id', field='id', model=migrator.orm['school'], on_delete='CASCADE')
        code = pw.CharField(max_length=32)
        name = pw.CharField(max_length=200)

        class Meta:
            table_name = "subject"
            indexes = [(('school', 'code'), True)]

    @migrator.create_model
    class TeachingAssignment(pw.Model):
        id = pw.AutoField()
        teacher = pw.ForeignKeyField(column_name='teacher_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='CASCADE')
        school_class = pw.ForeignKeyField(column_name='school_class_id', field='id', model=migrator.orm['school_class'], on_delete='CASCADE')
        planned_lessons = pw.IntegerField(default=0)

        class Meta:
            table_name = "teaching_assignment"
            indexes = [(('teacher', 'subject', 'school_class'), True), (('school_class',), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_model('teaching_assignment')

    migrator.remove_model('subject')

    migrator.remove_model('role_grant')

    migrator.remove_model('participant')

    migrator.remove_model('login_throttle')

    migrator.remove_model('event')

    migrator.remove_model('enrolment')

    migrator.remove_model('school_class')

    migrator.remove_model('decision')

    migrator.remove_model('case_counter')

    migrator.remove_model('attachment_access')

    migrator.remove_model('attachment')

    migrator.remove_model('case')

    migrator.remove_model('user')

    migrator.remove_model('school_year')

    migrator.remove_model('school')
