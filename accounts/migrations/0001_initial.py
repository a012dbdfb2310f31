"""Staff accounts moved from `cases` to `accounts`: state only, the tables and rows stay as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED_MODELS = ["staffmember", "membership"]


def content_types_to_accounts(apps, schema_editor):
    """Keep the content types (and the admin log entries pointing at them) with the moved models."""
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="cases", model__in=MOVED_MODELS).update(app_label="accounts")


def content_types_to_cases(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="accounts", model__in=MOVED_MODELS).update(app_label="cases")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cases', '0006_daily_mail_sent'),
        ('org', '0003_alter_facility_options'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables keep their names: only Django's idea of which app owns them changes.
            state_operations=[
                migrations.CreateModel(
                    name='StaffMember',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('operator', 'Hotline operator'), ('investigator', 'Investigator'), ('supervisor', 'Supervisor'), ('manager', 'Manager'), ('administrator', 'Administrator'), ('auditor', 'Auditor')], max_length=20)),
                        ('public_key', models.BinaryField()),
                        ('private_key_ct', models.BinaryField(help_text='Encrypted under Argon2id(password, key_salt).')),
                        ('key_salt', models.BinaryField()),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='staff', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_staffmember',
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sealed_unit_key', models.BinaryField()),
                        ('granted_at', models.DateTimeField(auto_now_add=True)),
                        ('keypair', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='org.unitkeypair')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='org.unit')),
                        ('granted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='grants_given', to='accounts.staffmember')),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='accounts.staffmember')),
                    ],
                    options={
                        'db_table': 'cases_membership',
                        'constraints': [models.UniqueConstraint(fields=('member', 'keypair'), name='one_grant_per_member_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_accounts, content_types_to_cases),
    ]
