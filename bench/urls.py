"""The app's URLs plus the benchmark floor (only for ``python -m bench``)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("", include("oversight.urls")),
]
