"""Staff accounts moved from `cases` to `accounts`: state only, the tables and rows stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('trends', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables keep their names: only Django's idea of which app owns them changes.
            state_operations=[
                migrations.AlterField(
                    model_name='spikealert',
                    name='dismissed_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.staffmember'),
                ),
            ],
            database_operations=[],
        ),
    ]
