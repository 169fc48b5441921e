from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ehr", "0011_patient_phone")]
    operations = [migrations.RenameField("patient", "ssn", "ssn_encrypted")]
