"""``createsuperuser`` for a product where everyone signs in with an email address: the email
is asked first and required (Django's default allows it blank, which makes an account that
cannot sign in), and the username is the email unless one is given."""

from __future__ import annotations

import os

from allauth.account.models import EmailAddress
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_email


class Command(createsuperuser.Command):
    help = "Create a superuser who signs in with their email address (asked first, required)."

    def _clean_email(self, raw: str) -> str:
        email = (raw or "").strip()
        validate_email(email)
        if self.UserModel._default_manager.filter(email__iexact=email).exists():
            raise ValidationError("A user with this email address already exists.")
        return email

    def handle(self, *args, **options):
        username_field = self.UserModel.USERNAME_FIELD
        database = options.get("database") or "default"
        email = options.get("email") or os.environ.get("DJANGO_SUPERUSER_EMAIL") or ""
        tty = hasattr(self.stdin, "isatty") and self.stdin.isatty()
        if options["interactive"] and not tty:
            return super().handle(*args, **options)  # Django says it skips creation: no TTY
        if options["interactive"] and not email:
            while True:
                raw = input("Email address (used to sign in): ")
                try:
                    email = self._clean_email(raw)
                    break
                except ValidationError as error:
                    self.stderr.write("Error: " + "; ".join(error.messages))
        else:
            try:
                email = self._clean_email(email)
            except ValidationError as error:
                raise CommandError(
                    "An email address is required (sign-in is by email): "
                    + "; ".join(error.messages)
                ) from error
        options["email"] = email
        if not options.get(username_field) and not os.environ.get(
            "DJANGO_SUPERUSER_" + username_field.upper()
        ):
            options[username_field] = email[:150]
        super().handle(*args, **options)
        user = self.UserModel._default_manager.db_manager(database).get(email__iexact=email)
        EmailAddress.objects.using(database).update_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
