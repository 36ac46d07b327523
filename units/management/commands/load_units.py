"""Load the administrative units (2025 and pre-2025), their codes and lineage."""

import time

from django.core.management.base import BaseCommand

from units.services import units_load


class Command(BaseCommand):
    help = (
        "Load provinces, districts and communes before and since 2025-07-01, their codes and "
        "lineage, from vietnam-provinces and vietnam-address-converter. Idempotent."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        report = units_load(progress=self.stdout.write)
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {time.monotonic() - started:.1f}s: {report.created} created "
                f"(units {report.units.created}, codes {report.codes.created}, "
                f"links {report.links.created})."
            )
        )
