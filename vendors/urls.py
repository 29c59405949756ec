from django.urls import path, re_path

from . import determination_views, io_views, views

urlpatterns = [
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("vendors/new/", views.vendor_create, name="vendor_create"),
    re_path(r"^vendors/export\.(?P<fmt>csv|xlsx)$", io_views.vendor_export, name="vendor_export"),
    path("vendors/import/", io_views.vendor_import, name="vendor_import"),
    path("vendors/import/confirm/", io_views.vendor_import_confirm, name="vendor_import_confirm"),
    re_path(
        r"^vendors/import/template\.(?P<fmt>csv|xlsx)$",
        io_views.import_template,
        name="vendor_import_template",
    ),
    path("vendors/<int:pk>/", views.vendor_detail, name="vendor_detail"),
    path("vendors/<int:pk>/edit/", views.vendor_edit, name="vendor_edit"),
    path("vendors/<int:pk>/archive/", views.vendor_archive, name="vendor_archive"),
    path("vendors/<int:pk>/tier/", views.tier_override, name="vendor_tier_override"),
    path(
        "vendors/<int:pk>/determination/",
        determination_views.determination_create,
        name="vendor_determination",
    ),
    path("vendors/<int:pk>/contacts/new/", views.contact_edit, name="contact_create"),
    path("vendors/<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path(
        "vendors/<int:pk>/contacts/<int:contact_pk>/end/",
        views.contact_end,
        name="contact_end",
    ),
    path(
        "vendors/<int:pk>/subcontractors/new/",
        views.subcontractor_edit,
        name="subcontractor_create",
    ),
    path(
        "vendors/<int:pk>/subcontractors/<int:sub_pk>/",
        views.subcontractor_edit,
        name="subcontractor_edit",
    ),
    path(
        "vendors/<int:pk>/subcontractors/<int:sub_pk>/end/",
        views.subcontractor_end,
        name="subcontractor_end",
    ),
]
