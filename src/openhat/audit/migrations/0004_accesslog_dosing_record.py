# The day sheet logs a view of each patient's dosing record (CLINIC.md §7 invariant 7).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='accesslog',
            name='record',
            field=models.CharField(choices=[('identity', 'Identifying data'), ('photo', 'Identity photo'), ('dosing_record', 'Dosing record (day sheet)')], max_length=20),
        ),
    ]
