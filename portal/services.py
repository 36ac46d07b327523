"""The portal sync: fetch what the portal publishes for a scope and send it down the one
import pipeline, as any upload (docs/PORTAL_API.md, README "Portal sync").

1. Ask the portal (portal.client: polite, checked). A province needs its portal id, from the
   34 provinces' answer (or its sync scope), then its units' totals and each group's points.
2. Bundle the answers (`scoreboard-portal-bundle/1`, docs/FORMATS.md) with the request and the
   fetch time: that is the upload's kept original, so the exact figures can be audited.
3. If the figures are those of the last published snapshot, record the fetch and stop.
4. Otherwise `ingest.services`: receive → validate → preview, and publish only when asked or
   when the scope auto-publishes and the preview is clean; else its admins are told.
A fetch that fails counts towards the scope's circuit breaker; the breaker stops the schedule
for the scope and tells its admins. Departments are never registered by a fetch: that is an
admin's decision on the upload page (the preview says which rows are unknown and why).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.models import (
    Framework,
    Snapshot,
    SnapshotStatus,
    period_from_input,
    period_number_on,
)
from indicators.services import snapshot_has_group_figures
from ingest import services as ingest_services
from ingest.models import Upload, UploadSource, UploadStatus
from ingest.portal_json import BUNDLE_FORMAT, GROUP_ENDPOINTS, RESULTS
from ingest.validation import validate_upload_bytes
from notifications.models import RuleKind
from notifications.services import alert_raise_for_scope
from portal.client import PortalClient, PortalError, user_agent
from portal.models import PORTAL_PERIODS, Fetch, FetchOutcome, FetchTrigger, SyncScope
from units.models import AdministrativeUnit, CodeScheme, UnitLevel
from units.text import fold

logger = logging.getLogger(__name__)
# The portal's figures are to-date when fetched: a fetch's date is its date in Vietnam.
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# The snapshot period each of the portal's timeTypes fills.
SNAPSHOT_PERIOD = {"year": "ytd", "quarter": "quarter", "month": "month"}
PAGE_SIZE = 300
# Warnings that say a row was read as a note and skipped: nothing for an admin to decide.
# Every other warning (a total that disagrees with its groups, a group with no data, a
# column not read) waits for a person before publication.
INFORMATIONAL_WARNINGS = frozenset({"note_row_skipped", "summary_row_skipped"})


class SyncError(ValueError):
    """A sync asked with parameters that cannot be right (before anything is sent)."""


def local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(LOCAL).date()


def request_body(
    *,
    period: str,
    year: int,
    quarter: int | None = None,
    month: int | None = None,
    root_id: str | None = None,
) -> dict:
    """The service-results body, as the portal's own pages send it (docs/PORTAL_API.md)."""
    body: dict = {"timeType": period, "year": year}
    if period == "quarter":
        body["quarter"] = quarter
    if period == "month":
        body["month"] = month
    body["departmentType"] = "ADMINISTRATIVE_UNIT"
    if root_id:
        body["rootDepartmentId"] = root_id
    body |= {"pageSize": PAGE_SIZE, "currentPage": 1}
    return body


def period_of(
    as_of: datetime.date,
    period: str,
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
) -> tuple[int, int | None, int | None]:
    """(year, quarter, month) of a fetch, defaulting to the period containing as_of; the
    period must contain as_of, since the snapshot is dated as_of and its period is that
    date's (a past quarter is replayed with --as-of inside it)."""
    if period not in PORTAL_PERIODS:
        raise SyncError(f"period {period!r}: one of {', '.join(PORTAL_PERIODS)}")
    year = year or as_of.year
    quarter = (quarter or (as_of.month - 1) // 3 + 1) if period == "quarter" else None
    month = (month or as_of.month) if period == "month" else None
    inside = year == as_of.year
    if quarter is not None:
        inside = inside and quarter == (as_of.month - 1) // 3 + 1
    if month is not None:
        inside = inside and month == as_of.month
    if not inside:
        raise SyncError(
            f"the period asked ({year}, {period} {quarter or month or ''}) does not contain the "
            f"as-of date {as_of:%d/%m/%Y}: the portal's figures are to-date, so give --as-of a "
            "date inside the period (its last day for a closed one)"
        )
    return year, quarter, month


# --- One fetch ----------------------------------------------------------------------------


def portal_sync_scope(
    *,
    scope: AdministrativeUnit,
    period: str = "year",
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
    publish: bool | None = None,
    as_of: datetime.date | None = None,
    trigger: str = FetchTrigger.COMMAND,
    user=None,
    client: PortalClient | None = None,
    respect_breaker: bool = False,
    now: datetime.datetime | None = None,
) -> Fetch:
    """Fetch one scope and period from the portal and take it through the pipeline.

    publish: True publishes a preview without errors (a person asked for it), None follows
    the scope's auto-publish setting. respect_breaker: the schedule leaves a stopped scope
    alone; a person's run tries anyway, and a success closes the breaker.
    """
    now = now or timezone.now()
    as_of = as_of or local_date(now)
    year, quarter, month = period_of(as_of, period, year, quarter, month)
    sync = SyncScope.objects.filter(scope=scope).first()
    fetch = Fetch(
        scope=scope,
        sync_scope=sync,
        trigger=trigger,
        requested_by=user if user is not None and user.is_authenticated else None,
        started_at=now,
        as_of=as_of,
        parameters=request_body(period=period, year=year, quarter=quarter, month=month),
    )
    if respect_breaker and sync is not None and sync.breaker_is_open(now):
        fetch.outcome = FetchOutcome.SKIPPED
        fetch.reason = _(
            "Not fetched: the sync of this scope is stopped until %(until)s after %(count)s "
            "failed fetches in a row. A data admin may run it by hand (“Đồng bộ từ Cổng”)."
        ) % {
            "until": timezone.localtime(sync.breaker_open_until, LOCAL).strftime("%d/%m/%Y %H:%M"),
            "count": sync.consecutive_failures,
        }
        fetch.save()
        return fetch
    own_client = client is None
    try:
        client = client or PortalClient()
        before = client.requests_made
        try:
            responses, body = _ask(client, scope, sync, fetch.parameters)
        finally:
            fetch.requests_made = client.requests_made - before
    except PortalError as exc:
        return _failed(fetch, sync if exc.portal_at_fault else None, exc.reason)
    except SoftTimeLimitExceeded:
        # Recorded, then the task stops: the next scopes wait for the next run.
        _failed(fetch, None, _("the sync took longer than its time limit and was stopped"))
        raise
    finally:
        if own_client and client is not None:
            client.close()
    fetch.parameters = body
    fetch.fetched_at = timezone.now()
    bundle = {
        "format": BUNDLE_FORMAT,
        "fetched_at": fetch.fetched_at.astimezone(LOCAL).isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "request": {
            "base_url": client.base_url,
            "body": body,
            "user_agent": user_agent(),
            "endpoints": list(responses),
        },
        "responses": responses,
    }
    data = json.dumps(bundle, ensure_ascii=False, indent=1).encode()
    return _through_pipeline(
        data, fetch=fetch, sync=sync, period=SNAPSHOT_PERIOD[period], publish=publish
    )


def _ask(
    client: PortalClient, scope: AdministrativeUnit, sync: SyncScope | None, body: dict
) -> tuple[dict, dict]:
    """The answers one fetch needs, by endpoint, and the body sent for the scope's units."""
    if scope.level == UnitLevel.COUNTRY:
        return {RESULTS: client.service_results(body)}, body
    if scope.level != UnitLevel.PROVINCE:
        raise PortalError(
            _(
                "The portal's results are fetched for the country (its 34 provinces) or a "
                "province (its departments and communes), not for %(scope)s."
            )
            % {"scope": scope.full_name}
        )
    root = _province_id(client, scope, sync, body)
    body = request_body(
        period=body["timeType"],
        year=body["year"],
        quarter=body.get("quarter"),
        month=body.get("month"),
        root_id=root,
    )
    responses = {RESULTS: client.service_results(body)}
    # The groups of a province's units, one endpoint each; any failure ends the fetch, so a
    # table is never imported with some of its groups missing.
    for endpoint in GROUP_ENDPOINTS:
        responses[endpoint] = client.group(endpoint, body)
    return responses, body


def _province_id(
    client: PortalClient, scope: AdministrativeUnit, sync: SyncScope | None, body: dict
) -> str:
    """The portal's id of a province: its sync scope's, else the provinces' answer's."""
    if sync is not None and sync.portal_department_id:
        return sync.portal_department_id
    answer = client.service_results(body)
    codes = set(scope.codes.filter(scheme=CodeScheme.PORTAL).values_list("code", flat=True))
    for item in answer["data"]["evaluation"]:
        named = fold(str(item.get("departmentName") or "")) == fold(scope.name)
        if item.get("departmentCode") in codes or named:
            found = str(item.get("departmentId") or "")
            if not found:
                break
            if sync is not None:
                SyncScope.objects.filter(pk=sync.pk).update(portal_department_id=found)
                sync.portal_department_id = found
            return found
        continue
    else:
        raise PortalError(
            _("the portal's table of provinces does not list %(scope)s")
            % {"scope": scope.full_name}
        )
    raise PortalError(
        _(
            "the portal's table of provinces gives no departmentId for %(scope)s: set its "
            "“portal department id” on the sync scope in the admin"
        )
        % {"scope": scope.full_name}
    )


def _failed(fetch: Fetch, sync: SyncScope | None, reason: str) -> Fetch:
    """Record a failed fetch; after PORTAL_BREAKER_FAILURES in a row, stop the scope."""
    fetch.outcome = FetchOutcome.FAILED
    fetch.reason = _("Nothing was imported: %(reason)s.") % {"reason": reason.rstrip(".")}
    fetch.save()
    logger.warning("portal fetch of %s failed: %s", fetch.scope, reason)
    if sync is None:
        return fetch
    now = timezone.now()
    with transaction.atomic():
        sync = SyncScope.objects.select_for_update().get(pk=sync.pk)
        sync.consecutive_failures += 1
        opens = sync.consecutive_failures >= settings.PORTAL_BREAKER_FAILURES
        was_open = sync.breaker_is_open(now)
        if opens:
            sync.breaker_open_until = now + datetime.timedelta(hours=settings.PORTAL_BREAKER_HOURS)
        sync.save(update_fields=["consecutive_failures", "breaker_open_until"])
    if opens and not was_open:
        alert_raise_for_scope(
            kind=RuleKind.PORTAL_STOPPED,
            scope=fetch.scope,
            as_of=local_date(now),
            detail={
                "failures": sync.consecutive_failures,
                "until": sync.breaker_open_until.isoformat(),
                "reason": fetch.reason,
                "fetch": fetch.pk,
            },
        )
    return fetch


def _succeeded(sync: SyncScope | None) -> None:
    if sync is not None:
        SyncScope.objects.filter(pk=sync.pk).update(consecutive_failures=0, breaker_open_until=None)


# --- The pipeline -------------------------------------------------------------------------


def _through_pipeline(
    data: bytes, *, fetch: Fetch, sync: SyncScope | None, period: str, publish: bool | None
) -> Fetch:
    """Take a bundle through the upload pipeline and record what came of it."""
    scope, as_of = fetch.scope, fetch.as_of
    fetch.bundle_sha256 = hashlib.sha256(data).hexdigest()
    filename = f"cong-{fold(scope.name).replace(' ', '-') or scope.pk}-{period}-{as_of}.json"
    unchanged = _same_as_published(data, filename=filename, scope=scope, as_of=as_of, period=period)
    if unchanged is not None:
        fetch.outcome = FetchOutcome.UNCHANGED
        fetch.reason = _(
            "The portal's figures are those of the snapshot published for %(date)s: no new "
            "snapshot was made."
        ) % {"date": unchanged.as_of.strftime("%d/%m/%Y")}
        fetch.save()
        _succeeded(sync)
        return fetch
    upload, created = ingest_services.upload_receive(
        data=data,
        filename=filename,
        scope=scope,
        as_of=as_of,
        period=period,
        user=fetch.requested_by,
        enqueue=False,
        source=UploadSource.PORTAL,
        source_request=fetch.parameters,
        fetched_at=fetch.fetched_at,
    )
    fetch.upload = upload
    if created:
        upload = ingest_services.upload_validate(upload_id=upload.pk)
        fetch.upload = upload
    _succeeded(sync)
    if upload.status == UploadStatus.REJECTED:
        fetch.outcome = FetchOutcome.REJECTED
        fetch.reason = _rejection(upload)
        fetch.save()
        _tell_admins(upload, fetch)
        return fetch
    if upload.status == UploadStatus.PUBLISHED:
        fetch.outcome, fetch.reason = FetchOutcome.UNCHANGED, _("Already published.")
        fetch.save()
        return fetch
    if upload.status != UploadStatus.PREVIEWED:
        fetch.outcome = FetchOutcome.FAILED
        fetch.reason = upload.failure_reason or upload.get_status_display()
        fetch.save()
        return fetch
    wait = _why_wait(upload, sync=sync, publish=publish)
    if wait:
        fetch.outcome, fetch.reason = FetchOutcome.WAITING, wait
        fetch.save()
        _tell_admins(upload, fetch)
        return fetch
    ingest_services.upload_request_publish(
        upload_id=upload.pk, user=fetch.requested_by, enqueue=False
    )
    upload = ingest_services.upload_publish(upload_id=upload.pk)
    fetch.upload = upload
    if upload.status == UploadStatus.PUBLISHED:
        fetch.outcome, fetch.reason = FetchOutcome.PUBLISHED, ""
    else:
        fetch.outcome, fetch.reason = FetchOutcome.FAILED, upload.failure_reason
    fetch.save()
    return fetch


def _same_as_published(
    data: bytes, *, filename: str, scope: AdministrativeUnit, as_of: datetime.date, period: str
) -> Snapshot | None:
    """The last published snapshot of the scope and period if the bundle gives exactly its
    figures (checked as the pipeline would read them, writing nothing), else None."""
    period = period_from_input(period)  # the portal's "year" is the stored "ytd"
    previous = (
        Snapshot.objects.filter(
            scope=scope,
            period=period,
            period_year=as_of.year,
            period_number=period_number_on(period, as_of),
            status=SnapshotStatus.PUBLISHED,
            as_of__lte=as_of,
        )
        .select_related("framework")
        .order_by("-as_of", "-revision")
        .first()
    )
    if previous is None:
        return None
    framework = Framework.objects.valid_on(as_of)
    if framework is None or framework.pk != previous.framework_id:
        return None
    validated = validate_upload_bytes(
        data, filename=filename, sheet=None, scope=scope, as_of=as_of, framework=framework
    )
    if validated.errors or not validated.group_inputs:
        return None
    same = snapshot_has_group_figures(snapshot=previous, rows=validated.group_inputs)
    return previous if same else None


def _why_wait(upload: Upload, *, sync: SyncScope | None, publish: bool | None) -> str:
    """Why a clean preview is not published at once; "" to publish it."""
    if publish:
        return ""
    if sync is None or not sync.auto_publish:
        return _("The scope is set to wait for a data admin's review before publishing.")
    to_read = [w for w in upload.warnings if w.get("code") not in INFORMATIONAL_WARNINGS]
    if to_read:
        return ngettext(
            "%(count)s warning must be read by a data admin before publishing: %(first)s",
            "%(count)s warnings must be read by a data admin before publishing: %(first)s",
            len(to_read),
        ) % {"count": len(to_read), "first": to_read[0].get("message", "")}
    return ""


def _rejection(upload: Upload) -> str:
    """The checks' refusal in a few sentences, and why unknown departments stay unknown."""
    errors = upload.errors
    first = "; ".join(e.get("message", "") for e in errors[:3])
    text = ngettext(
        "The checks found %(count)s error; nothing was published: %(first)s",
        "The checks found %(count)s errors; nothing was published: %(first)s",
        len(errors),
    ) % {"count": len(errors), "first": first}
    departments = sum(e.get("code") == "unknown_department" for e in errors)
    if departments:
        text += " " + ngettext(
            "%(count)s row reads as a department not yet registered: a fetch never registers "
            "departments by itself; a data admin checks them and registers them on the upload "
            "page (“Register the departments”).",
            "%(count)s rows read as departments not yet registered: a fetch never registers "
            "departments by itself; a data admin checks them and registers them on the upload "
            "page (“Register the departments”).",
            departments,
        ) % {"count": departments}
    return text


def _tell_admins(upload: Upload, fetch: Fetch) -> None:
    alert_raise_for_scope(
        kind=RuleKind.PORTAL_REVIEW,
        scope=upload.scope,
        as_of=upload.as_of,
        period=upload.period,
        period_year=upload.period_year,
        period_number=period_number_on(upload.period, upload.as_of),
        detail={"upload": upload.pk, "status": upload.status, "reason": fetch.reason},
    )


# --- The schedule -------------------------------------------------------------------------


def portal_sync_due(*, now: datetime.datetime | None = None) -> list[Fetch]:
    """Run each enabled scope whose hour has come and that has not run today (beat)."""
    now = now or timezone.now()
    today, hour = local_date(now), now.astimezone(LOCAL).hour
    fetches: list[Fetch] = []
    client = None
    try:
        for sync in SyncScope.objects.filter(enabled=True).select_related("scope"):
            if hour < sync.hour or sync.last_scheduled_on == today:
                continue
            # Claimed first: two beat runs (or a slow one and the next) fetch a scope once.
            claimed = (
                SyncScope.objects.filter(pk=sync.pk)
                .exclude(last_scheduled_on=today)
                .update(last_scheduled_on=today)
            )
            if not claimed:
                continue
            for period in sync.period_list:
                if client is None:
                    try:
                        client = PortalClient()
                    except PortalError:
                        client = None  # not configured: each fetch records why
                try:
                    fetches.append(
                        portal_sync_scope(
                            scope=sync.scope,
                            period=period,
                            trigger=FetchTrigger.SCHEDULE,
                            client=client,
                            respect_breaker=True,
                            now=now,
                        )
                    )
                except (SoftTimeLimitExceeded, SyncError):
                    raise
                except Exception:
                    # One scope's fault (a bug, the database) must not stop the others.
                    logger.exception("portal sync of %s failed", sync.scope)
    finally:
        if client is not None:
            client.close()
    return fetches


# --- Replays of saved responses -------------------------------------------------------------

_DATE = re.compile(r"(20\d\d)-?([01]\d)-?([0-3]\d)")


def _date_in(text: str) -> datetime.date | None:
    for found in _DATE.finditer(text):
        try:
            return datetime.date(*map(int, found.groups()))
        except ValueError:
            continue
    return None


def captures_in(directory: Path) -> dict[datetime.date, dict[str, Path]]:
    """The saved answers of a directory by day, each day's by endpoint.

    As provinces' own scrapers keep them: one file a day (`2026-10-10.json`,
    `gia-lai-20261010.json`), a group's answer named after its endpoint
    (`2026-10-10-transparency.json`), or a folder a day (`2026-10-10/service-results.json`);
    a bundle (`scoreboard-portal-bundle/1`) stands for its day whole. The date is the
    path's, else a bundle's own as_of or fetched_at.
    """
    days: dict[datetime.date, dict[str, Path]] = {}
    for path in sorted(directory.rglob("*.json")):
        relative = path.relative_to(directory).as_posix()
        endpoint = next(
            (e for e in sorted(GROUP_ENDPOINTS, key=len, reverse=True) if e in path.stem), RESULTS
        )
        day = _date_in(relative)
        if day is None:
            day = _bundle_date(path)
            endpoint = "bundle"
        if day is None:
            raise SyncError(f"{relative}: no date in its name (such as 2026-10-10) or its content")
        if endpoint in days.setdefault(day, {}):
            raise SyncError(f"{relative}: a second {endpoint} answer for {day:%d/%m/%Y}")
        days[day][endpoint] = path
    return dict(sorted(days.items()))


def _bundle_date(path: Path) -> datetime.date | None:
    try:
        document = json.loads(path.read_bytes())
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("format") != BUNDLE_FORMAT:
        return None
    return _date_in(str(document.get("as_of") or document.get("fetched_at") or ""))


def portal_replay_dir(
    *,
    scope: AdministrativeUnit,
    directory: Path,
    period: str = "year",
    as_of: datetime.date | None = None,
    publish: bool = False,
    user=None,
) -> list[Fetch]:
    """Load a directory of saved daily answers, oldest first, each day as its own snapshot
    dated that day, through the same pipeline as a fetch."""
    days = captures_in(Path(directory))
    if not days:
        raise SyncError(f"{directory}: no saved answers (*.json)")
    if as_of is not None and len(days) > 1:
        raise SyncError("--as-of dates one capture; this directory holds several days")
    sync = SyncScope.objects.filter(scope=scope).first()
    fetches = []
    for day, files in days.items():
        when = as_of or day
        if "bundle" in files:
            data = files["bundle"].read_bytes()
            body = (json.loads(data).get("request") or {}).get("body") or {}
        else:
            data, body = _replay_bundle(files, directory=Path(directory), day=when)
        kind = body.get("timeType", period) if isinstance(body, dict) else period
        if kind not in SNAPSHOT_PERIOD:
            raise SyncError(f"{day}: timeType {kind!r} is not one of {', '.join(PORTAL_PERIODS)}")
        period_of(when, kind, body.get("year"), body.get("quarter"), body.get("month"))
        fetch = Fetch(
            scope=scope,
            sync_scope=sync,
            trigger=FetchTrigger.REPLAY,
            requested_by=user,
            as_of=when,
            parameters=body,
            fetched_at=datetime.datetime.combine(day, datetime.time(), LOCAL),
        )
        fetches.append(
            _through_pipeline(
                data, fetch=fetch, sync=None, period=SNAPSHOT_PERIOD[kind], publish=publish or None
            )
        )
    return fetches


def _replay_bundle(
    files: dict[str, Path], *, directory: Path, day: datetime.date
) -> tuple[bytes, dict]:
    """One day's saved answers as a bundle, naming the files (and their digests) it came from."""
    if RESULTS not in files:
        raise SyncError(f"{day:%d/%m/%Y}: no service-results answer among {sorted(files)}")
    responses = {}
    for endpoint in [RESULTS, *GROUP_ENDPOINTS]:
        if endpoint in files:
            try:
                responses[endpoint] = json.loads(files[endpoint].read_bytes().decode("utf-8-sig"))
            except ValueError as exc:
                raise SyncError(f"{files[endpoint]}: not JSON ({exc})") from exc
    bundle = {
        "format": BUNDLE_FORMAT,
        "fetched_at": None,
        "as_of": day.isoformat(),
        "request": {"body": {}},
        "replayed_from": {
            e: {
                "file": files[e].relative_to(directory).as_posix(),
                "sha256": hashlib.sha256(files[e].read_bytes()).hexdigest(),
            }
            for e in responses
        },
        "responses": responses,
    }
    return json.dumps(bundle, ensure_ascii=False, indent=1).encode(), {}
