"""Fetch the portal's results (or replay saved answers) through the import pipeline."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal import services
from portal.models import PORTAL_PERIODS, FetchTrigger, SyncScope
from units.services import unit_resolve


class Command(BaseCommand):
    help = (
        "Fetch what the national portal publishes for the configured scopes (or those given) "
        "and take it through validation, preview and publication; --from-dir replays saved "
        "daily answers, one snapshot a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scope",
            nargs="+",
            metavar="CODE",
            help="unit code (GSO, portal) or name; default: every enabled sync scope",
        )
        parser.add_argument("--period", choices=PORTAL_PERIODS, help="the portal's timeType")
        parser.add_argument("--year", type=int)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--month", type=int, choices=range(1, 13), metavar="1-12")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish every preview without errors (default: the scope's auto-publish rule)",
        )
        parser.add_argument(
            "--from-dir", type=Path, help="replay saved answers instead of asking the portal"
        )
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            help="the snapshot's date (default: the fetch's date in Asia/Ho_Chi_Minh)",
        )

    def handle(self, *args, **opts):
        today = services.local_date(timezone.now())
        scopes = [self._scope(text, opts["as_of"] or today) for text in opts["scope"] or []]
        publish = True if opts["publish"] else None
        try:
            if opts["from_dir"] is not None:
                if len(scopes) != 1:
                    raise CommandError("--from-dir replays the answers of one scope: give --scope")
                if not opts["from_dir"].is_dir():
                    raise CommandError(f"{opts['from_dir']}: no such directory")
                fetches = services.portal_replay_dir(
                    scope=scopes[0],
                    directory=opts["from_dir"],
                    period=opts["period"] or "year",
                    as_of=opts["as_of"],
                    publish=bool(opts["publish"]),
                )
            else:
                plan = self._plan(scopes, opts["period"])
                fetches = [
                    services.portal_sync_scope(
                        scope=scope,
                        period=period,
                        year=opts["year"],
                        quarter=opts["quarter"],
                        month=opts["month"],
                        publish=publish,
                        as_of=opts["as_of"],
                        trigger=FetchTrigger.COMMAND,
                    )
                    for scope, period in plan
                ]
        except services.SyncError as exc:
            raise CommandError(str(exc)) from exc
        for fetch in fetches:
            upload = f" (upload #{fetch.upload_id})" if fetch.upload_id else ""
            period = fetch.parameters.get("timeType", "")
            self.stdout.write(
                f"{fetch.scope.full_name} · {period} · {fetch.as_of:%d/%m/%Y}: "
                f"{fetch.outcome}{upload} {fetch.reason}".rstrip()
            )

    def _scope(self, text: str, as_of: datetime.date):
        match = unit_resolve(text=text, as_of=as_of)
        if match.unit is None:
            raise CommandError(f"--scope {text!r}: {match.error}")
        return match.unit

    def _plan(self, scopes, period: str | None):
        """(scope, period) pairs: those asked, else every enabled sync scope's."""
        if scopes:
            configured = {s.scope_id: s for s in SyncScope.objects.filter(scope__in=scopes)}
            return [
                (scope, p)
                for scope in scopes
                for p in (
                    [period]
                    if period
                    else configured[scope.pk].period_list
                    if scope.pk in configured
                    else ["year"]
                )
            ]
        syncs = SyncScope.objects.filter(enabled=True).select_related("scope")
        if not syncs:
            raise CommandError("No sync scope is configured (Django admin, “Portal sync scopes”).")
        return [(s.scope, p) for s in syncs for p in ([period] if period else s.period_list)]
