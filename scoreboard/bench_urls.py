"""The app's URLs plus the floor the page benchmark compares with (scoreboard/page_bench.py).

Served only by the benchmark's gunicorn (`scoreboard.bench_settings`), never in production.
"""

from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from scoreboard.urls import urlpatterns as app_urlpatterns

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><html><body><table>"
    "{% for name, total, rank, peers in rows %}"
    "<tr><td>{{ name }}</td><td>{{ total }}</td><td>{{ rank }}/{{ peers }}</td></tr>"
    "{% endfor %}</table></body></html>"
)


def floor(request, snapshot_id: int, rows: int):
    """One plain SQL query for `rows` rows of a snapshot, rendered by a minimal template."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.name, s.ranking_total, s.rank, s.peer_count "
            "FROM indicators_unitscore s JOIN units_administrativeunit u ON u.id = s.unit_id "
            "WHERE s.snapshot_id = %s ORDER BY s.peer_key, s.rank LIMIT %s",
            [snapshot_id, rows],
        )
        found = cursor.fetchall()
    return HttpResponse(FLOOR_TEMPLATE.render({"rows": found}, request))


urlpatterns = [
    path("__bench__/floor/<int:snapshot_id>/<int:rows>/", floor, name="bench_floor"),
    *app_urlpatterns,
]
