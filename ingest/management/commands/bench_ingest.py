"""Print the ingest-vs-COPY benchmark; the last line is `ingest/copy ratio: X.XX`."""

from django.core.management.base import BaseCommand, CommandError

from ingest.bench import COPY_SAMPLES, NATIONAL_COMMUNES, bench_ingest


class Command(BaseCommand):
    help = "Time parse+validate+publish of a national indicator table against a bare COPY."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=NATIONAL_COMMUNES)
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, units, repeat, **options):
        try:
            result = bench_ingest(units=units, repeat=repeat, say=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"rows: {result.rows} ({result.units} units × {result.rows // result.units} indicators)"
        )
        self.stdout.write(
            f"ingest (parse+validate+publish), median of {repeat}: {result.ingest:.3f} s"
        )
        self.stdout.write(
            f"PostgreSQL COPY of the same rows into a bare table, median of {repeat} "
            f"(each the median of {COPY_SAMPLES}): {result.copy:.3f} s"
        )
        self.stdout.write(
            f"COPY of the same units' scored rows into the score tables alone, median of {repeat}: "
            f"{result.store:.3f} s ({result.store_ratio:.2f}× the bare COPY)"
        )
        self.stdout.write(f"ingest/copy ratio: {result.ratio:.2f}")
