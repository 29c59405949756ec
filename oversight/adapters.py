from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # A user without a practice (a fresh sign-up) creates one first.
        if not request.user.memberships.exists():
            return reverse("practice_create")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return reverse("practice_create")
