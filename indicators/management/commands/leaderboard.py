"""Print a published ranking, from the same selector the pages use."""

import csv
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from indicators.models import IndicatorGroup
from indicators.scoring import DISAGREEMENT_TOLERANCE
from indicators.selectors import leaderboard, peer_sets, snapshot_latest_published
from units.models import AdministrativeUnit, UnitLevel
from units.services import unit_resolve

PEERS = {
    "provinces": UnitLevel.PROVINCE,
    "districts": UnitLevel.DISTRICT,
    "communes": UnitLevel.COMMUNE,
    "departments": UnitLevel.DEPARTMENT,
}


def _number(value) -> str:
    return "" if value is None else f"{value:.2f}"


class Command(BaseCommand):
    help = "Print the published ranking of a scope (rank, n, code, unit, total, band, groups)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scope", required=True, help="Scope unit: code or name (VN = country)"
        )
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--peers", choices=sorted(PEERS), help="Which peer set level to print")
        parser.add_argument("--format", choices=["table", "csv"], default="table")

    def handle(self, *args, scope, as_of, peers, format, **options):  # noqa: A002
        unit = self._scope(scope, as_of or datetime.date.today())
        snapshot = snapshot_latest_published(scope=unit, as_of=as_of)
        if snapshot is None:
            raise CommandError(_("No published snapshot for %(scope)s.") % {"scope": unit})
        rows = leaderboard(snapshot=snapshot, level=PEERS[peers] if peers else None)
        groups = [
            g.code
            for g in IndicatorGroup.objects.filter(
                framework_id=snapshot.framework_id
            ).six_group_view()
        ]
        header = [_("Rank"), "n", _("Code"), _("Unit"), _("Total"), _("Band"), *groups]
        labels = {p.key: p.label for p in peer_sets(snapshot=snapshot)}
        if format == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow([_("Peer set"), *header, _("Recomputed total")])
            for row in rows:
                writer.writerow(
                    [
                        labels.get(row.peer_key, row.peer_key),
                        row.rank or "",
                        row.peer_count or "",
                        row.unit_code,
                        row.unit_full_name,
                        _number(row.ranking_total),
                        row.band_label,
                        *(_number(row.groups[g].ranking_points) for g in groups),
                        _number(row.total),
                    ]
                )
            return
        self.stdout.write(f"{snapshot.scope} · {snapshot.period_label} · {snapshot.as_of}")
        if snapshot.is_provisional:
            self.stdout.write(_("Provisional: the period has not closed."))
        if snapshot.is_synthetic:
            self.stdout.write(_("Synthetic demo data."))
        self.stdout.write(
            _("Ties share a rank (standard competition ranking on the rounded total).")
        )
        current_key = None
        for row in rows:
            if row.peer_key != current_key:
                current_key = row.peer_key
                self.stdout.write("")
                self.stdout.write(labels.get(row.peer_key, row.peer_key))
                self.stdout.write(
                    "  ".join(f"{h:>6}" for h in header[:2])
                    + "  "
                    + f"{header[2]:<10} {header[3]:<32} {header[4]:>7}  {header[5]:<14} "
                    + " ".join(f"{g:>6}" for g in groups)
                )
            band = row.band_label if row.band_is_confirmed else f"{row.band_label}*"
            flag = "!" if row.totals_disagree else " "
            self.stdout.write(
                f"{row.rank or '–':>6}  {row.peer_count or '':>6}  {row.unit_code:<10} "
                f"{row.unit_full_name[:32]:<32} {_number(row.ranking_total):>7}{flag} "
                f"{band:<14} "
                + " ".join(f"{_number(row.groups[g].ranking_points):>6}" for g in groups)
            )
        self.stdout.write("")
        self.stdout.write(
            _("! official total differs from the recomputed sum by more than %(tolerance)s")
            % {"tolerance": _number(DISAGREEMENT_TOLERANCE)}
        )
        self.stdout.write(_("* unconfirmed"))

    def _scope(self, text: str, as_of: datetime.date) -> AdministrativeUnit:
        # The same resolution as the upload form and the API: codes, the country ("VN"), and
        # for a bare name shared across levels the broadest unit ("Bình Dương" the province).
        match = unit_resolve(text=text, as_of=as_of)
        if match.unit is None:
            raise CommandError(
                f"{match.error} " + _("Is it valid on %(date)s? Try --as-of.") % {"date": as_of}
            )
        return match.unit
