"""Writes of the catalogue, one module per concern:

- products: products and variants, quick edit, publish / hide, denormalised search columns
- images: product photos (checked, cleaned) and their WebP thumbnails
- certificates: P-IRT / BPOM / halal certificates, their verification and expiry
- moderation: blocking products, buyers' reports
- imports: CSV import (a Celery task with progress) and export
"""
