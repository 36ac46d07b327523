from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting schema")

    def ready(self) -> None:
        from reporting import services

        # The views read columns that migrations of other apps may change or drop, and
        # PostgreSQL refuses to alter a column a view uses: they are dropped before every
        # migrate and made again after it, so no migration has to know about them.
        pre_migrate.connect(services.reporting_views_drop, sender=self)
        post_migrate.connect(services.reporting_views_create, sender=self)
