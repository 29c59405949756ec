from django.urls import path

from . import views

urlpatterns = [
    path("work-queue/", views.work_queue, name="work_queue"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_edit, name="action_edit"),
    path("vendors/<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("vendors/<int:pk>/diligence/new/", views.diligence_create, name="diligence_create"),
    path("diligence/<int:pk>/edit/", views.diligence_edit, name="diligence_edit"),
    path("diligence/<int:pk>/archive/", views.diligence_archive, name="diligence_archive"),
    path("diligence/files/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("vendors/<int:pk>/reviews/new/", views.review_create, name="review_create"),
    path("vendors/<int:pk>/offboarding/", views.offboarding_edit, name="offboarding_edit"),
    path(
        "offboarding/certificates/<int:pk>/",
        views.certificate_download,
        name="certificate_download",
    ),
]
