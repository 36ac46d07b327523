from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("766 index")

    def ready(self) -> None:
        from indicators import (
            cache_receivers,  # noqa: F401  (cached published data follows edits)
            receivers,
        )
        from indicators.signals import snapshot_published

        snapshot_published.connect(receivers.on_snapshot_published, dispatch_uid="cache-warming")
