"""Import jobs: the upload (stored, then queued as a Celery task), reads of jobs for the pages,
the run of a queued job and the purge of old files."""

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.models import ImportJob, Product, Variant
from marketplace.services.imports.format import (
    CategoryIndex,
    ImportRefused,
    _protect,
    csv_parse,
    import_categories,
)
from marketplace.services.imports.importer import REFUSED, _group_rows, _Importer, _Progress
from vendors.selectors import shop_access_get
from vendors.services.errors import ShopNotFound

logger = logging.getLogger(__name__)

# The progress bar advances at least this often (rows), at a product boundary.
FLUSH_ROWS = 25
# A running job without progress for this long has lost its worker.
STALE_AFTER = timedelta(minutes=10)


# --- Upload --------------------------------------------------------------------------------------


def _import_storage() -> Storage:
    return ImportJob._meta.get_field("file").storage  # type: ignore[attr-defined]


def import_job_create(*, shop_id: int, actor: Any, filename: str, data: bytes) -> ImportJob:
    """Store the uploaded CSV and queue its import (after commit). ShopNotFound for anyone who
    may not manage the shop's products; ImportRefused when the file is not importable or another
    import of the shop is still running (nothing stored or queued then)."""
    access = shop_access_get(user=actor, shop_id=shop_id)
    if access is None or not access.can_manage_products:
        raise ShopNotFound
    csv_parse(data)
    # The file is stored before the transaction: no storage call while the shop row is locked.
    name = _import_storage().save(
        f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.csv", ContentFile(data)
    )
    try:
        with transaction.atomic():
            access = shop_access_get(user=actor, shop_id=shop_id, for_update=True)
            if access is None or not access.can_manage_products:
                raise ShopNotFound
            # A job the workers lost (no progress for STALE_AFTER) does not block the shop.
            busy = ImportJob.objects.filter(
                shop_id=shop_id,
                status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
                updated_at__gte=timezone.now() - STALE_AFTER,
            ).exists()
            if busy:
                raise ImportRefused(
                    _("Another import of this shop is still running. Wait until it is done.")
                )
            job = ImportJob.objects.create(shop_id=shop_id, uploaded_by=actor, file=name)
            job_id = job.pk

            def queue() -> None:
                from marketplace.tasks import product_import_run

                product_import_run.delay(job_id)

            transaction.on_commit(queue)
    except BaseException:
        _import_storage().delete(name)
        raise
    logger.info("import %s queued for shop %s (%s)", job.pk, shop_id, filename[:100])
    return job


def import_jobs_recent(*, shop_id: int, limit: int = 10) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(shop_id=shop_id).select_related("uploaded_by")[:limit]


def import_job_get(*, shop_id: int, job_id: int) -> ImportJob | None:
    return (
        ImportJob.objects.filter(shop_id=shop_id, pk=job_id).select_related("uploaded_by").first()
    )


def import_job_is_stale(job: ImportJob) -> bool:
    """Waiting or running without progress for STALE_AFTER: its worker is gone."""
    return (
        job.status in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
        and job.updated_at < timezone.now() - STALE_AFTER
    )


def import_refused_rows(*, job: ImportJob) -> Iterator[list[str]]:
    """The refused rows of a finished job as they were uploaded, plus an `alasan` (reason)
    column: fix them and upload this file again."""
    reasons: dict[int, str] = {
        entry["row"]: entry["message"] for entry in job.report if entry["outcome"] == REFUSED
    }
    if not job.file:  # purged after 30 days (import_files_purge)
        return
    with job.file.open("rb") as handle:
        parsed = csv_parse(handle.read())
    yield [*parsed.columns, "alasan"]
    for row in parsed.rows:
        if row.number in reasons:
            # The reason quotes the seller's cells: protected like them against formulas.
            yield [
                *(_protect(row.cells[c]) for c in parsed.columns),
                _protect(reasons[row.number]),
            ]


# --- Running an import ---------------------------------------------------------------------------


class _JobFailed(Exception):
    """Stops a job with a message for the seller (in the uploader's language)."""


def import_run(*, job_id: int) -> None:
    """Run a queued import. Safe to deliver twice: the job is claimed by a guarded UPDATE
    pending → running, and a second delivery of a claimed job does nothing (one whose worker
    died, with no progress for STALE_AFTER, is marked failed instead). An unexpected error marks
    the job failed with its message (the traceback goes to the log); nothing is raised."""
    job = ImportJob.objects.select_related("uploaded_by").filter(pk=job_id).first()
    if job is None:
        return
    language = getattr(job.uploaded_by, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
            status=ImportJob.Status.RUNNING, updated_at=timezone.now()
        )
        if not claimed:
            _fail(
                job_id,
                _(
                    "The import stopped before the end. The rows marked created or updated in "
                    "the report were imported; upload the others again."
                ),
                only_stale=True,
            )
            return
        progress = _Progress(job_id=job_id)
        try:
            _run(job, progress)
        except Exception as exc:
            if isinstance(exc, _JobFailed):
                message = str(exc)
            else:
                logger.exception("import %s failed", job_id)
                detail = (str(exc).splitlines() or [""])[0][:300]
                message = _("The import stopped because of an unexpected error (%(error)s).") % {
                    "error": f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
                }
            try:
                progress.flush()
            finally:
                _fail(job_id, message)
            return
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now(), updated_at=timezone.now()
    )


def _fail(job_id: int, message: str, *, only_stale: bool = False) -> None:
    jobs = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING)
    if only_stale:
        jobs = jobs.filter(updated_at__lt=timezone.now() - STALE_AFTER)
    jobs.update(
        status=ImportJob.Status.FAILED,
        error=message,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _run(job: ImportJob, progress: _Progress) -> None:
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise _JobFailed(_("The uploaded file is gone. Upload it again.")) from None
    try:
        parsed = csv_parse(data)
    except ImportRefused as exc:
        raise _JobFailed(str(exc.message)) from None
    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=len(parsed.rows), updated_at=timezone.now()
    )
    access = shop_access_get(user=job.uploaded_by, shop_id=job.shop_id)
    if access is None or not access.can_manage_products:
        raise _JobFailed(_("The uploader no longer manages this shop's products."))

    groups = _group_rows(parsed.rows)
    product_ids = {g.product_id for g in groups if g.product_id is not None}
    existing = {
        p.pk: p
        for p in Product.objects.filter(shop_id=job.shop_id, pk__in=product_ids)
        .select_related("category")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
    }
    skus = {row.cells["sku"].upper() for row in parsed.rows if row.cells.get("sku")}
    sku_owner = dict(
        Variant.objects.filter(shop_id=job.shop_id, sku__in=skus).values_list("sku", "product_id")
    )
    importer = _Importer(
        job=job,
        categories=CategoryIndex(import_categories(active_only=False)),
        existing=existing,
        sku_owner=sku_owner,
    )
    for group in groups:
        importer.run_group(group, progress)
        if len(progress.entries) >= FLUSH_ROWS:
            progress.flush()
    progress.flush()


def import_files_purge(*, older_than_days: int = 30, limit: int = 1000) -> int:
    """Delete the stored CSV files of finished imports older than `older_than_days` (the report
    rows stay). Returns how many files were deleted."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    jobs = list(
        ImportJob.objects.filter(
            status__in=(ImportJob.Status.DONE, ImportJob.Status.FAILED), created_at__lt=cutoff
        )
        .exclude(file="")
        .order_by("pk")[:limit]
    )
    for job in jobs:
        _import_storage().delete(job.file.name)
        ImportJob.objects.filter(pk=job.pk).update(file="")
    return len(jobs)
