from django import forms
from django.contrib.auth import get_user_model, password_validation

from .choices import Role
from .models import Organization


class PracticeForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "timezone",
            "contact_name",
            "contact_email",
            "contact_phone",
            "cost_per_record",
            "cost_per_record_year",
            "require_mfa",
        ]
        help_texts = {
            "require_mfa": "Members without an authenticator app are asked to set one up "
            "before they can do anything else (HIPAA 164.312(d)).",
            "cost_per_record": "Estimated cost of a breach per patient record, in US dollars; "
            "used to compare liability caps with exposure.",
            "cost_per_record_year": "The year the cost-per-record figure comes from.",
        }


class PracticeCreateForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "timezone", "contact_name", "contact_email", "contact_phone"]
        labels = {"name": "Practice name"}


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MANAGER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password (again)", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            probe = get_user_model()(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
