"""Print the page benchmark: `page/floor <name>, cold|warm: X.XX` per page, then the
Monday-mix load test."""

import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from scoreboard import page_bench


class Command(BaseCommand):
    help = "Time the pages people wait for and a Monday-morning load against a bare floor."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=page_bench.WEEKS)
        parser.add_argument("--rounds", type=int, default=7)
        parser.add_argument("--seconds", type=float, default=20, help="per load level (at most 60)")
        parser.add_argument("--clients", type=int, nargs="+", default=[10, 50])
        parser.add_argument(
            "--cache-url",
            default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13"),
            help="a Redis database of its own: emptied before each cold request",
        )

    def handle(self, *args, weeks, rounds, seconds, clients, cache_url, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The page benchmark needs PostgreSQL: set DATABASE_URL.")
        say = self.stdout.write
        say(f"national history: {weeks} weekly snapshots of {page_bench.COMMUNES} communes")
        history = page_bench.build_history(weeks=weeks, say=say)
        url = connection.settings_dict
        database_url = (
            f"postgres://{url.get('USER') or 'postgres'}"
            f"{':' + url['PASSWORD'] if url.get('PASSWORD') else ''}"
            f"@{url.get('HOST') or '127.0.0.1'}:{url.get('PORT') or 5432}/{url['NAME']}"
        )
        with page_bench.serving(database_url, cache_url) as base:
            try:
                ratios = page_bench.measure_pages(
                    base, history, cache_url=cache_url, rounds=rounds, say=say
                )
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            for name, ratio in ratios.items():
                say(f"page/floor {name}: {ratio:.2f}")
            # As the worker does after a publish: Monday's readers find the snapshot warmed.
            started = time.perf_counter()
            warmed = page_bench.warm_cache(history, cache_url)
            say(f"cache warmed: {warmed} units in {time.perf_counter() - started:.0f} s")
            results = {}
            for level in clients:
                for floor in (False, True):
                    result = page_bench.load_test(
                        base, history, clients=level, seconds=seconds, floor=floor
                    )
                    results[(level, floor)] = result
                    say(
                        f"load {'floor' if floor else 'app'} {level} clients: "
                        f"{result.throughput:.1f} req/s, p50 {result.percentile(50) * 1000:.0f} ms, "
                        f"p95 {result.percentile(95) * 1000:.0f} ms, "
                        f"p99 {result.percentile(99) * 1000:.0f} ms, errors {result.errors}"
                    )
            top = max(clients)
            app, floor = results[(top, False)], results[(top, True)]
            say(f"load/floor throughput: {app.throughput / floor.throughput:.2f}")
