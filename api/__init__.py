"""The REST API, version 1, under /api/v1/ (schema at /api/schema/, docs at /api/docs/).

Decisions, so that clients can rely on them:

- **Who may call.** Every endpoint needs an authenticated user: a token
  (`Authorization: Token <token>`, from `manage.py create_api_token USER --client NAME`;
  hashed at rest, one per client, with an expiry; failed tokens throttled per address, see
  api.authentication) or the browser session. Anonymous calls get 401 JSON, never a redirect to
  the login page: the views are exempt from LoginRequiredMiddleware (api.base) because a
  token-authenticated request is still anonymous when the middleware runs. The public
  scopes of SCOREBOARD_PUBLIC_SCOPES are for the pages (and their downloads) only.
- **What is public reference data.** Administrative units (names, codes, lineage) and
  frameworks (groups, indicators, bands) are public knowledge, so any authenticated user
  lists them. Scores are not: every score, rank and breakdown goes through
  `accounts.access` like the pages do. A unit's scores, breakdown and history answer 404
  unless `can_read_unit`; a leaderboard returns only the peer sets `can_read_peer_set`
  allows (a unit chair sees their own peer table, not the scope's others) and 404 when
  none; uploads are for data admins (403 otherwise), an upload of a scope the user does
  not administer is a 404, and creating one there is a 403.
- **A snapshot is listed** when the user may read its whole scope or at least one unit's
  score in it (the same rule read from the other side).
- **Numbers.** Points are JSON strings with exactly 2 decimals ("92.00", "-0.50"), counts
  (numerator, denominator) strings with 4, thresholds ratios with 4: decimals, never
  binary floats. `total` is what ranks and bands a unit (the official total when the
  source gave one, else the recomputed sum), as on the pages; `official_total` and
  `recomputed_total` are both given, with `totals_disagree` above 0.02.
- **Errors** always have the body {"error": {"code", "message", "details"}} (api.errors).
- **Pagination** is limit/offset (`?limit=&offset=`, 100 by default, at most 1000).
- **Versioning** is by path: a breaking change is a new /api/v2/ next to this one.
"""
