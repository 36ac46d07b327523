"""Edits that change what cached published data shows (`indicators.published_cache`).

Framework rows (groups, indicators, bands: names, maxima, bounds) are on every board row;
unit names and codes too. Bulk loads of the registry bypass these signals and say so
themselves (`units.services.units_load`).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from indicators import published_cache
from indicators.models import Band, Framework, Indicator, IndicatorGroup
from units.models import AdministrativeUnit, UnitCode


@receiver([post_save, post_delete], sender=Framework)
@receiver([post_save, post_delete], sender=IndicatorGroup)
@receiver([post_save, post_delete], sender=Indicator)
@receiver([post_save, post_delete], sender=Band)
def framework_edited(sender, instance, **kwargs) -> None:
    framework_id = instance.pk if sender is Framework else instance.framework_id
    published_cache.framework_changed(framework_id)


@receiver([post_save, post_delete], sender=AdministrativeUnit)
@receiver([post_save, post_delete], sender=UnitCode)
def registry_edited(sender, **kwargs) -> None:
    published_cache.units_changed()
