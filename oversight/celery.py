"""The Celery app: tasks are autodiscovered in every installed app; the broker comes from
``CELERY_BROKER_URL``. With no broker configured, settings make tasks run eagerly so the local
run needs no Redis. The beat schedule is static, in code, here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

app = Celery("oversight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs are added here as the apps that own them land.
app.conf.beat_schedule = {}
