from django.urls import path

from . import views

urlpatterns = [
    path("agreements/<int:pk>/reader/", views.reader_panel, name="reader_panel"),
    path("agreements/<int:pk>/reader/read/", views.reader_start, name="reader_start"),
    path("agreements/<int:pk>/reader/decide/", views.reader_decide, name="reader_decide"),
    path("agreements/<int:pk>/reader/edit/", views.reader_edit, name="reader_edit"),
]
