from django.urls import path

from . import views

urlpatterns = [
    path("portal/requests/", views.request_list, name="portal_requests"),
    path("portal/requests/<int:pk>/", views.request_detail, name="portal_request_detail"),
    path("portal/requests/<int:pk>/accept/", views.request_accept, name="portal_request_accept"),
    path("portal/requests/<int:pk>/return/", views.request_return, name="portal_request_return"),
    path("portal/requests/<int:pk>/revoke/", views.request_revoke, name="portal_request_revoke"),
    path("portal/files/<int:pk>/", views.file_download, name="portal_file_download"),
    path("portal/questionnaires/", views.questionnaire_list, name="portal_questionnaires"),
    path("portal/questionnaires/copy/", views.questionnaire_copy, name="portal_questionnaire_copy"),
    path(
        "portal/questionnaires/<int:pk>/",
        views.questionnaire_edit,
        name="portal_questionnaire_edit",
    ),
    path(
        "vendors/<int:pk>/questionnaire/new/",
        views.request_create,
        name="portal_request_create",
    ),
    # The vendor's page: the private link. Last, after every fixed /portal/ path.
    path("portal/<str:token>/", views.answer, name="portal_answer"),
]
