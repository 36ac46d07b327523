"""Celery application: configured from Django settings (CELERY_* names).

The beat schedule (CELERY_BEAT_SCHEDULE in settings) runs the upload sweeper; `make worker`
starts a worker with beat embedded (-B), docker-compose runs beat as its own service.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scoreboard.settings")

app = Celery("scoreboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
