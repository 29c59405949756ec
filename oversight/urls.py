from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import activity_views, calendar_views, health, views

# The Django admin signs in through allauth: same form, MFA, rate limits and lockout.
admin.site.login = secure_admin_login(admin.site.login)

practice_patterns = [
    path("new/", views.practice_create, name="practice_create"),
    path("switch/", views.practice_switch, name="practice_switch"),
    path("settings/", views.practice_settings, name="practice_settings"),
    path("policy/", views.tier_policy, name="tier_policy"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("members/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("members/<int:pk>/unlock/", views.membership_unlock, name="membership_unlock"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", health.favicon, name="favicon"),
    path("session/keepalive/", health.session_keepalive, name="session_keepalive"),
    path("activity/", activity_views.activity_log, name="activity_log"),
    path("calendar/", calendar_views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path(
        "history/<str:app_label>/<str:model_name>/<int:pk>/",
        activity_views.object_history,
        name="object_history",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("practice/", include(practice_patterns)),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("", include("generator.urls")),
    path("", include("dashboard.urls")),
    path("", include("binder.urls")),
    path("", include("baas.urls")),
    path("", include("reader.urls")),
    path("", include("diligence.urls")),
    path("", include("incidents.urls")),
    path("", include("portal.urls")),
    path("", include("reminders.urls")),
    path("", include("vendors.urls")),
]
