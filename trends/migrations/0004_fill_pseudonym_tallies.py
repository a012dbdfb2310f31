"""Fill the pseudonym tallies once from the mentions already stored, so the increments start from the truth."""

from django.db import migrations


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from trends.services import pseudonym_counts_refresh

    pseudonym_counts_refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("trends", "0003_pseudonym_tallies"),
        ("linking", "0004_automatic_linking"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
