"""Dashboard pages, under Vietnamese paths written without diacritics.

/                               home: the home scope's latest snapshot, changes, freshness
                                (project urls, name "home")
/bang-xep-hang/                 → the home scope's leaderboard
/bang-xep-hang/<scope_id>/      leaderboard of a scope's snapshot:
    ?snapshot=<id>              a published (or superseded) snapshot of that scope; default latest
    ?peers=<peer key>|all       one peer table ("12:district"); default the broadest, or every
                                table when searching
    ?q=<name or code>           search, diacritics and prefixes folded ("Di An" finds Dĩ An)
    ?band=<code>                xuat_sac | tot | kha | trung_binh | yeu
    ?sort=total|name|movement|<group code>&dir=asc|desc
    ?groups=6|5                 the portal's six blocks or the decision's five groups
    ?page=<n>                   200 rows a page
/don-vi/<unit_id>/?snapshot=<id>  a unit: standing, breakdown, gaps, trend, children, lineage
/so-sanh/?units=1,2,3[&q=…]     up to four units side by side (repeated ?units= work too)
"""

from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("bang-xep-hang/", views.leaderboard_home, name="leaderboard_home"),
    path("bang-xep-hang/<int:scope_id>/", views.leaderboard, name="leaderboard"),
    path("don-vi/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("so-sanh/", views.compare, name="compare"),
]
