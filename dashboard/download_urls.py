"""Downloads beside the pages they export: /bang-xep-hang/<id>/tai-ve.csv, /don-vi/<id>/bao-cao/.

Link to them with the page's own query string, e.g.
{% url 'downloads:leaderboard' scope.pk 'xlsx' %}?{{ request.GET.urlencode }}
"""

from django.urls import path, register_converter

from dashboard import download_views


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "table_format")

app_name = "downloads"
urlpatterns = [
    path(
        "bang-xep-hang/<int:scope_id>/tai-ve.<table_format:fmt>",
        download_views.leaderboard_download,
        name="leaderboard",
    ),
    path("don-vi/<int:pk>/tai-ve.<table_format:fmt>", download_views.unit_download, name="unit"),
    path("don-vi/<int:pk>/bao-cao/", download_views.unit_report, name="unit_report"),
    path("don-vi/<int:pk>/bao-cao.pdf", download_views.unit_report_pdf, name="unit_report_pdf"),
]
