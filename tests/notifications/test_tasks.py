"""Beat runs the time-based rules often and the digest on Monday 07:30 (Asia/Ho_Chi_Minh)."""

from django.conf import settings

from scoreboard.celery import app


def test_beat_schedules_the_alerts_and_the_weekly_digest():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["alerts-schedule"]["task"] == "notifications.tasks.alert_evaluate_schedule_task"
    digest = schedule["weekly-digest"]
    assert digest["task"] == "notifications.tasks.digest_send_week_task"
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"
    cron = digest["schedule"]
    assert cron.day_of_week == {1} and cron.hour == {7} and cron.minute == {30}
    # crontab counts weekdays from Sunday (0): 1 is Monday, in CELERY_TIMEZONE.


def test_the_tasks_are_registered():
    app.loader.import_default_modules()
    names = set(app.tasks)
    for name in (
        "notifications.tasks.alert_evaluate_snapshot_task",
        "notifications.tasks.alert_evaluate_schedule_task",
        "notifications.tasks.email_send_task",
        "notifications.tasks.digest_send_week_task",
    ):
        assert name in names
