from django.urls import path, re_path

from . import views

urlpatterns = [
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    re_path(
        r"^agreements/export\.(?P<fmt>csv|xlsx)$", views.agreement_export, name="agreement_export"
    ),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path(
        "agreements/<int:pk>/new-version/",
        views.agreement_new_version,
        name="agreement_new_version",
    ),
    path("agreements/<int:pk>/terminate/", views.agreement_terminate, name="agreement_terminate"),
    path("agreements/<int:pk>/checklist/", views.checklist_save, name="agreement_checklist"),
    path(
        "agreements/<int:pk>/documents/new/",
        views.document_upload,
        name="agreement_document_upload",
    ),
    path(
        "agreements/<int:pk>/amendments/new/",
        views.amendment_create,
        name="agreement_amendment_create",
    ),
    path(
        "agreements/documents/<int:pk>/",
        views.document_download,
        name="agreement_document_download",
    ),
]
