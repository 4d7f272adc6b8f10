"""Legal documents of a shop: upload (checked, cleaned, encrypted, stored) and the moderators'
audit-logged opening. No storage call happens while a row lock is held."""

from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from komeji.common.services import audit_record
from vendors import documents
from vendors.models import ShopDocument
from vendors.services.common import lock_shop_access, require
from vendors.services.errors import ShopNotFound
from vendors.services.shops import require_not_in_review
from vendors.services.verification import shop_identity_changed


def shop_document_upload(
    *, shop_id: int, actor: Any, kind: str, upload: IO[bytes] | Any
) -> ShopDocument:
    """Check, clean, encrypt and store a legal document, replacing the previous one of its kind.

    The file is checked and written before the transaction (no storage call under a row lock);
    if the database part fails, the new file is removed, and the old one only after commit.
    """
    require(kind in ShopDocument.Kind.values, _("Unknown document."))
    # Refuse early (and without touching storage) when the actor has no access.
    with transaction.atomic():
        access = lock_shop_access(actor=actor, shop_id=shop_id)
        require(access.can_edit_legal, _("You cannot upload this shop's documents."))
        require_not_in_review(access.shop)
    clean = documents.document_clean(upload)
    stored = documents.document_write(
        name=f"shops/{shop_id}/{kind}-{timezone.now():%Y%m%d%H%M%S}.{clean.extension}.enc",
        clean=clean,
    )
    try:
        with transaction.atomic():
            access = lock_shop_access(actor=actor, shop_id=shop_id)
            require(access.can_edit_legal, _("You cannot upload this shop's documents."))
            require_not_in_review(access.shop)
            shop = access.shop
            document = ShopDocument.objects.filter(shop=shop, kind=kind).first()
            old_name = document.storage_name if document is not None else None
            if document is None:
                document = ShopDocument(shop=shop, kind=kind)
            document.storage_name = stored
            document.content_type = clean.content_type
            document.size = len(clean.data)
            document.sha256 = clean.sha256
            document.uploaded_by = actor
            document.save()
            audit_record(
                actor=actor,
                action="shop.document.upload",
                obj=shop,
                data={"kind": kind, "replaced": old_name is not None, "as": access.role},
            )
            shop_identity_changed(shop=shop, actor=actor, what=str(document.get_kind_display()))
            if old_name:
                transaction.on_commit(lambda: documents.document_remove(name=old_name))
    except BaseException:
        documents.document_remove(name=stored)
        raise
    return document


def shop_document_open(*, document_id: int, actor: Any) -> tuple[ShopDocument, bytes]:
    """A moderator opens a legal document: allowed only with the view_legal_document permission,
    and every opening is audit-logged (before the file is read)."""
    if not (
        getattr(actor, "is_authenticated", False)
        and actor.is_staff
        and actor.has_perm("vendors.view_legal_document")
    ):
        raise ShopNotFound
    document = ShopDocument.objects.select_related("shop").filter(pk=document_id).first()
    if document is None:
        raise ShopNotFound
    audit_record(
        actor=actor,
        action="shop.document.view",
        obj=document.shop,
        data={"document": document.pk, "kind": document.kind},
    )
    return document, documents.document_read(name=document.storage_name)
