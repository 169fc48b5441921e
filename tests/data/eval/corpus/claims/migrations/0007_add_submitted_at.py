import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_auto_20240115_0930")]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="submitted_at",
            field=models.DateTimeField(
                default=datetime.datetime(2024, 1, 15, 9, 30, tzinfo=datetime.timezone.utc)
            ),
        ),
    ]
