"""Celery tasks of the catalogue. Each takes ids, is idempotent, and retries with backoff."""

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task

# Storage failures (local disk or S3) are worth retrying; a bad image is not.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


@shared_task(bind=True, autoretry_for=STORAGE_ERRORS, retry_backoff=True, max_retries=5)
def product_image_thumbnails(self, image_id: int) -> None:  # type: ignore[no-untyped-def]
    from marketplace.services.images import image_make_thumbnails

    image_make_thumbnails(image_id=image_id)


@shared_task
def certificates_check_expiry() -> None:
    from marketplace.services.certificates import certificates_check_expiry as run

    run()


@shared_task(bind=True, acks_late=True)
def product_import_run(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    from marketplace.services.imports import import_run

    import_run(job_id=job_id)


@shared_task
def product_images_requeue_missing_thumbnails() -> int:
    from marketplace.services.images import images_requeue_missing_thumbnails

    return images_requeue_missing_thumbnails()


@shared_task
def import_files_purge() -> int:
    from marketplace.services.imports import import_files_purge as run

    return run()
