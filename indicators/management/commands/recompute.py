"""Recompute scores, ranks and movement of one snapshot, or of every snapshot."""

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Snapshot, SnapshotStatus
from indicators.services import SnapshotStateError, snapshot_recompute


class Command(BaseCommand):
    help = "Recompute a snapshot (--snapshot ID), or every snapshot that is not discarded."

    def add_arguments(self, parser):
        parser.add_argument("--snapshot", type=int, help="ID of the snapshot to recompute")

    def handle(self, *args, snapshot=None, **options):
        if snapshot is not None:
            ids = [snapshot]
        else:
            # Oldest first: movement reads the previous published snapshot's final ranks.
            ids = list(
                Snapshot.objects.exclude(status=SnapshotStatus.DISCARDED)
                .order_by("as_of", "revision")
                .values_list("id", flat=True)
            )
        for position, snapshot_id in enumerate(ids, start=1):
            try:
                result = snapshot_recompute(snapshot_id=snapshot_id)
            except Snapshot.DoesNotExist as exc:
                raise CommandError(f"no snapshot {snapshot_id}") from exc
            except SnapshotStateError as exc:
                raise CommandError(str(exc)) from exc
            units = result.unit_scores.count()
            self.stdout.write(f"[{position}/{len(ids)}] {result}: {units} units")
