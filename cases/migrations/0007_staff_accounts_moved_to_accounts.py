"""Staff accounts moved from `cases` to `accounts`: state only, the tables and rows stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('cases', '0006_daily_mail_sent'),
        ('linking', '0002_staff_accounts_moved_to_accounts'),
        ('trends', '0002_staff_accounts_moved_to_accounts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables keep their names: only Django's idea of which app owns them changes.
            state_operations=[
                migrations.AlterField(
                    model_name='recusal',
                    name='member',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recusals', to='accounts.staffmember'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='assignee',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_cases', to='accounts.staffmember'),
                ),
                migrations.AlterField(
                    model_name='note',
                    name='author',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.staffmember'),
                ),
                migrations.AlterField(
                    model_name='recusal',
                    name='decided_by',
                    field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.staffmember'),
                ),
                migrations.AlterField(
                    model_name='caseevent',
                    name='actor',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.staffmember'),
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='StaffMember',
                ),
            ],
            database_operations=[],
        ),
    ]
