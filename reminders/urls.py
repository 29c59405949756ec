from django.urls import path

from . import views

urlpatterns = [
    path("reminders/", views.reminder_list, name="reminder_list"),
    path("reminders/<int:pk>/resend/", views.reminder_resend, name="reminder_resend"),
    path("reminders/preference/", views.reminder_preference, name="reminder_preference"),
]
