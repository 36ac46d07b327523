from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Listen to publications without indicators or ingest importing this app.
        from indicators.signals import snapshot_published
        from notifications import receivers

        snapshot_published.connect(receivers.on_snapshot_published, dispatch_uid="alerts")
