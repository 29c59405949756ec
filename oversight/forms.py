from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.validators import MaxValueValidator, MinValueValidator

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
            "breach_notice_threshold_days",
            "breach_clock_from",
            "require_mfa",
        ]
        help_texts = {
            "require_mfa": "Members without an authenticator app are asked to set one up "
            "before they can do anything else. HIPAA 164.312(d) requires verifying who signs "
            "in; it does not name two-factor (the proposed 2025 Security Rule update would).",
            "cost_per_record": "Estimated cost of a breach per patient record, in US dollars; "
            "used to compare liability caps with exposure.",
            "cost_per_record_year": "The year the cost-per-record figure comes from.",
            "breach_notice_threshold_days": "A vendor's BAA allowing longer than this to report "
            "a breach is flagged. The law's 60 calendar days (164.410(b)) is an outer limit, and "
            "an agent's discovery may count as the practice's (164.404(a)(2)). Default 30.",
            "breach_clock_from": "The default for each new incident: the 60 days of 164.404(b) "
            "count from the vendor's discovery when the vendor is the practice's agent "
            "(164.404(a)(2)).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["breach_notice_threshold_days"]
        field.required = False  # left empty: keep the current value
        field.min_value, field.max_value = 1, 60
        field.widget.attrs.update(min=1, max=60)
        field.validators += [MinValueValidator(1), MaxValueValidator(60)]
        self.fields["breach_clock_from"].required = False  # left empty: keep the current value

    def clean_breach_clock_from(self):
        return self.cleaned_data.get("breach_clock_from") or self.instance.breach_clock_from

    def clean_breach_notice_threshold_days(self):
        value = self.cleaned_data.get("breach_notice_threshold_days")
        return value if value is not None else self.instance.breach_notice_threshold_days


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


class TierPolicyForm(forms.Form):
    """One tier of the practice's oversight policy (admins edit it on the policy page)."""

    review_interval_months = forms.IntegerField(
        label="Full review every (months)", min_value=1, max_value=120
    )
    expiry_warning_days = forms.CharField(
        label="BAA expiry warnings (days before)",
        help_text="Comma-separated, for example 90, 60, 30, 7.",
    )
    evidence_valid_months = forms.IntegerField(
        label="Ask for fresh diligence evidence every (months)",
        help_text="How long evidence stays valid depends on its kind, not the tier.",
        min_value=1,
        max_value=120,
    )
    resend_days = forms.IntegerField(
        label="Re-send overdue items every (days)", min_value=1, max_value=365
    )
    escalate_days = forms.IntegerField(
        label="Escalate to admins after (days overdue)", min_value=1, max_value=365
    )
    certificate_days = forms.IntegerField(
        label="Disposition certificate due (days after termination)", min_value=1, max_value=365
    )

    FIELDS = (
        "review_interval_months",
        "expiry_warning_days",
        "evidence_valid_months",
        "resend_days",
        "escalate_days",
        "certificate_days",
    )

    def clean_expiry_warning_days(self):
        from .policy import validate_warning_days

        raw = self.cleaned_data["expiry_warning_days"]
        parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
        try:
            return list(validate_warning_days([int(p) for p in parts]))
        except ValueError as error:
            message = str(error)
            if "invalid literal" in message:
                message = "Give whole numbers of days separated by commas."
            raise forms.ValidationError(message) from error

    @staticmethod
    def initial_from(rules) -> dict:
        return {
            "review_interval_months": rules.review_interval_months,
            "expiry_warning_days": ", ".join(str(d) for d in rules.expiry_warning_days),
            "evidence_valid_months": rules.evidence_valid_months,
            "resend_days": rules.resend_days,
            "escalate_days": rules.escalate_days,
            "certificate_days": rules.certificate_days,
        }
