from django.urls import path, re_path

from . import views

urlpatterns = [
    path("binder/", views.binder_page, name="binder_page"),
    path("binder/<int:pk>/status/", views.binder_status, name="binder_status"),
    re_path(
        r"^binder/(?P<pk>\d+)/download\.(?P<kind>pdf|zip)$",
        views.binder_download,
        name="binder_download",
    ),
]
