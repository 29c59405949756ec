from django.urls import path

from . import views

urlpatterns = [
    path("practice/baa-standard/", views.positions_page, name="baa_positions"),
    path("vendors/<int:pk>/our-baa/", views.generate, name="baa_generate"),
    path("our-baa/<int:pk>/docx/", views.docx_download, name="baa_generated_docx"),
    path(
        "agreements/<int:pk>/negotiation-memo.pdf",
        views.comparison_memo,
        name="baa_comparison_memo",
    ),
]
