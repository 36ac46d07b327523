"""Actions after the review, under Vietnamese paths written without diacritics.

/don-vi/<unit_id>/giao-viec/        assign the unit an action; pre-filled by ?group=<code>,
                                    ?indicator=<code>, ?title=…, ?snapshot=<id> (the links of a
                                    points-lost row or a what-it-takes line)
/viec/                              the actions the viewer may read (?status=, ?mine=1)
/viec/tai-ve.csv|xlsx               the same list as a file
/viec/<id>/                         one action: figures then and now, comments, history
/viec/<id>/cap-nhat  (POST)         change status, owner, due date
/viec/<id>/binh-luan (POST)         comment
/hop-giao-ban/<scope_id>/?snapshot= the weekly review; POST adds actions for several units
/hop-giao-ban/<scope_id>/bien-ban/  its minutes, printable; bien-ban.pdf the same as a PDF
"""

from django.urls import path

from actions import download_views, views
from dashboard.download_urls import FormatConverter  # noqa: F401 - registers table_format

app_name = "actions"
urlpatterns = [
    path("don-vi/<int:pk>/giao-viec/", views.action_create, name="action_create"),
    path("viec/", views.action_list, name="action_list"),
    path("viec/tai-ve.<table_format:fmt>", download_views.action_export, name="action_export"),
    path("viec/<int:pk>/", views.action_detail, name="action_detail"),
    path("viec/<int:pk>/cap-nhat", views.action_update, name="action_update"),
    path("viec/<int:pk>/binh-luan", views.action_comment, name="action_comment"),
    path("hop-giao-ban/<int:scope_id>/", views.review_page, name="review"),
    path(
        "hop-giao-ban/<int:scope_id>/bien-ban/",
        download_views.review_minutes,
        name="review_minutes",
    ),
    path(
        "hop-giao-ban/<int:scope_id>/bien-ban.pdf",
        download_views.review_minutes_pdf,
        name="review_minutes_pdf",
    ),
]
