from django.core.validators import RegexValidator
from django.db import models

SSN_FORMAT = RegexValidator(r"^(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")


class Patient(models.Model):
    mrn = models.CharField(max_length=12, unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    dob = models.DateField()
    ssn = models.CharField(max_length=11, validators=[SSN_FORMAT], blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
