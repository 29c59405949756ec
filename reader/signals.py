"""The hook after a document upload: a new signed BAA or amendment is read in the background.

Connected in ``apps.ReaderConfig.ready`` so that the BAA app needs no import of the reader
(imports flow one way: reader -> baas)."""

from django.db.models.signals import post_save

from baas.choices import DocumentKind
from baas.models import AgreementDocument


def read_new_document(sender, instance: AgreementDocument, created: bool, raw=False, **kwargs):
    if not created or raw or instance.kind not in (DocumentKind.SIGNED, DocumentKind.AMENDMENT):
        return
    from .services import reading_queue

    reading_queue(agreement=instance.agreement, actor=instance.uploaded_by, document=instance)


def connect() -> None:
    post_save.connect(read_new_document, sender=AgreementDocument, dispatch_uid="reader-upload")
