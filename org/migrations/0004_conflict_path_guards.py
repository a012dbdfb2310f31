"""Make the database refuse a national unit that serves a region (DESIGN.md section 5).

The conflict-of-interest path sends "staff involved" reports to the national unit;
if that unit were also a region's office, reports would reach the office they may
accuse. The models' clean() and the admin refuse it, and routing refuses to use
such a unit (org.routing.conflict_path_unit); these triggers also stop raw SQL and
other clients. A region cannot be pointed at a national unit, and a unit that a
region points at cannot become national. `BACKWARD` is also used by the tests to
change the database behind the application's back.
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    """
    CREATE FUNCTION org_region_refuse_national_unit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- FOR SHARE waits for a concurrent change of the unit's kind, and blocks one.
        IF EXISTS (SELECT 1 FROM org_unit WHERE id = NEW.unit_id AND kind = 'national' FOR SHARE) THEN
            RAISE EXCEPTION 'org_region: a region cannot be served by the national unit'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER org_region_not_national BEFORE INSERT OR UPDATE OF unit_id ON org_region
        FOR EACH ROW EXECUTE FUNCTION org_region_refuse_national_unit()
    """,
    """
    CREATE FUNCTION org_unit_refuse_national_with_regions() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.kind = 'national' AND EXISTS (SELECT 1 FROM org_region WHERE unit_id = NEW.id) THEN
            RAISE EXCEPTION 'org_unit: a unit that serves a region cannot be the national unit'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER org_unit_national_serves_no_region BEFORE UPDATE OF kind ON org_unit
        FOR EACH ROW EXECUTE FUNCTION org_unit_refuse_national_with_regions()
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER org_unit_national_serves_no_region ON org_unit",
    "DROP FUNCTION org_unit_refuse_national_with_regions()",
    "DROP TRIGGER org_region_not_national ON org_region",
    "DROP FUNCTION org_region_refuse_national_unit()",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER org_region_not_national_insert BEFORE INSERT ON org_region
    WHEN EXISTS (SELECT 1 FROM org_unit WHERE id = NEW.unit_id AND kind = 'national')
    BEGIN
        SELECT RAISE(ABORT, 'org_region: a region cannot be served by the national unit');
    END
    """,
    """
    CREATE TRIGGER org_region_not_national_update BEFORE UPDATE OF unit_id ON org_region
    WHEN EXISTS (SELECT 1 FROM org_unit WHERE id = NEW.unit_id AND kind = 'national')
    BEGIN
        SELECT RAISE(ABORT, 'org_region: a region cannot be served by the national unit');
    END
    """,
    """
    CREATE TRIGGER org_unit_national_serves_no_region BEFORE UPDATE OF kind ON org_unit
    WHEN NEW.kind = 'national' AND EXISTS (SELECT 1 FROM org_region WHERE unit_id = NEW.id)
    BEGIN
        SELECT RAISE(ABORT, 'org_unit: a unit that serves a region cannot be the national unit');
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER org_unit_national_serves_no_region",
    "DROP TRIGGER org_region_not_national_update",
    "DROP TRIGGER org_region_not_national_insert",
]
FORWARD = {"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}
BACKWARD = {"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, FORWARD)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_alter_facility_options"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
