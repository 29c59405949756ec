from django.urls import path

from . import signing_views, views

urlpatterns = [
    path("practice/baa-standard/", views.positions_page, name="baa_positions"),
    path("vendors/<int:pk>/our-baa/", views.generate, name="baa_generate"),
    path("our-baa/<int:pk>/docx/", views.docx_download, name="baa_generated_docx"),
    path("our-baa/<int:pk>/send/", signing_views.signature_send, name="baa_signature_send"),
    path(
        "agreements/<int:pk>/negotiation-memo.pdf",
        views.comparison_memo,
        name="baa_comparison_memo",
    ),
    path(
        "agreements/<int:pk>/countersign/",
        signing_views.signature_countersign,
        name="baa_countersign",
    ),
    # The vendor's signatory, through the private link (no account).
    path("sign/<str:token>/", signing_views.sign_page, name="sign_page"),
    path("sign/<str:token>/agreement.pdf", signing_views.sign_document, name="sign_document"),
    path("sign/<str:token>/signed.pdf", signing_views.sign_signed_copy, name="sign_signed_copy"),
]
