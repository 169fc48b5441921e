from celery.schedules import crontab

beat_schedule = {
    "send-reminders": {"task": "notify.send_reminders", "schedule": crontab(minute=0, hour="8-18")},
    "purge-sessions": {"task": "auth.purge", "schedule": crontab(minute=30, hour=2)},
}
