from django.db import models


class LinkPurpose(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", "Security questionnaire"
    SIGNATURE = "signature", "BAA signature"
