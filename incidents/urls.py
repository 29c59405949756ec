from django.urls import path, re_path

from . import views

urlpatterns = [
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    re_path(
        r"^incidents/hhs-log\.(?P<fmt>csv|xlsx)$", views.hhs_log_export, name="incident_hhs_log"
    ),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/notices/new/", views.notice_create, name="incident_notice_create"),
    path(
        "vendors/<int:pk>/incidents/new/",
        views.incident_create_for_vendor,
        name="incident_create_for_vendor",
    ),
]
