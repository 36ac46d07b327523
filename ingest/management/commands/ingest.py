"""Import one weekly export from the command line, through the same services as the pages."""

import datetime
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators.models import PERIOD_ALIASES, SnapshotPeriod
from ingest import services
from ingest.models import UploadStatus
from ingest.selectors import upload_preview
from units.services import unit_resolve


class _DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Validate, preview and optionally publish a group or indicator table "
        "(CSV, XLSX, XLS, ODS, or the portal's JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--scope", required=True, help="unit code (GSO, portal) or name")
        parser.add_argument("--as-of", required=True, type=datetime.date.fromisoformat)
        parser.add_argument(
            "--period",
            required=True,
            choices=[*SnapshotPeriod.values, *PERIOD_ALIASES],
            help='ytd, half, quarter or month ("year" is accepted for ytd)',
        )
        parser.add_argument("--sheet", default="", help="sheet name (default: the first sheet)")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and preview, change nothing"
        )
        parser.add_argument("--publish", action="store_true", help="publish once validated")
        parser.add_argument("--synthetic", action="store_true", help="label the data as demo data")
        parser.add_argument(
            "--register-departments",
            action="store_true",
            help="register the departments (sở, ban, ngành) of the province that the file names "
            "and the registry lacks, then validate again",
        )

    def handle(self, *args, **opts):
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        scope = unit_resolve(text=opts["scope"], as_of=opts["as_of"])
        if scope.unit is None:
            raise CommandError(f"--scope {opts['scope']!r}: {scope.error}")
        try:
            with transaction.atomic():
                upload, code = self._run(path, scope.unit, opts)
                if opts["dry_run"]:
                    raise _DryRunRollback
        except _DryRunRollback:
            self.stdout.write("Dry run: nothing was saved.")
        if code:
            sys.exit(code)

    def _run(self, path, scope, opts):
        upload, created = services.upload_receive(
            data=path.read_bytes(),
            filename=path.name,
            scope=scope,
            as_of=opts["as_of"],
            period=opts["period"],
            sheet=opts["sheet"],
            is_synthetic=opts["synthetic"],
            enqueue=False,
        )
        if not created:
            self.stdout.write(
                f"{path.name}: already received as upload #{upload.pk} ({upload.status}); nothing changed."
            )
        upload = services.upload_validate(upload_id=upload.pk, on_progress=self._progress)
        self.stdout.write("")
        if opts["register_departments"] and upload.status == UploadStatus.REJECTED:
            units = services.upload_register_departments(upload_id=upload.pk, enqueue=False)
        else:
            units = []
        if units:
            kept = " (dry run: not kept)" if opts["dry_run"] else ""
            self.stdout.write(
                f"Registered {len(units)} department(s) of {scope}{kept}: "
                + ", ".join(u.name for u in units)
            )
            upload = services.upload_validate(upload_id=upload.pk, on_progress=self._progress)
            self.stdout.write("")
        for warning in upload.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning['message']} {warning['fix']}"))
        if upload.status in (UploadStatus.REJECTED, UploadStatus.FAILED):
            for error in upload.errors:
                self.stderr.write(f"error: {error['message']} {error['fix']}")
            if upload.failure_reason:
                self.stderr.write(upload.failure_reason)
            self.stderr.write(f"{path.name}: rejected ({len(upload.errors)} error(s)).")
            return upload, 2
        self._print_preview(upload)
        if opts["publish"] and not opts["dry_run"] and upload.status == UploadStatus.PREVIEWED:
            services.upload_request_publish(upload_id=upload.pk, enqueue=False)
            upload = services.upload_publish(upload_id=upload.pk)
            if upload.status != UploadStatus.PUBLISHED:
                self.stderr.write(upload.failure_reason)
                return upload, 1
            self.stdout.write(
                self.style.SUCCESS(
                    f"Published snapshot #{upload.snapshot_id} (revision {upload.snapshot.revision})."
                )
            )
        elif upload.status == UploadStatus.PREVIEWED and not opts["dry_run"]:
            self.stdout.write(
                f"Upload #{upload.pk} is ready; publish it with --publish or on the upload page."
            )
        return upload, 0

    def _progress(self, percent: int, message: str) -> None:
        filled = percent // 5
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (20 - filled)}] {percent:3d}% {message:<40}", ending=""
        )
        self.stdout.flush()

    def _print_preview(self, upload) -> None:
        preview = upload_preview(upload=upload)
        if preview is None:
            return
        against = (
            f"against {preview.previous}"
            if preview.previous
            else "(first snapshot of this scope and period)"
        )
        self.stdout.write(f"Preview of {upload.unit_count} units {against}:")
        for row in preview.rows:
            old = f"{row.old_total}" if row.old_total is not None else "—"
            flag = (
                f"  (official ≠ recomputed {row.recomputed_total})" if row.totals_disagree else ""
            )
            self.stdout.write(
                f"  {row.new_rank or '—':>3}/{row.peer_count or '—':<3} {row.unit_label:<32} "
                f"{old:>6} → {row.new_total!s:>6}  {row.new_band or ''}{flag}"
            )
        if preview.missing_units:
            self.stdout.write(
                "Units in the previous snapshot but not in this file: "
                + ", ".join(preview.missing_units)
            )
