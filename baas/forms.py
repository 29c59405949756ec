from datetime import date

from django import forms

from oversight.stale import StaleSaveCheck
from vendors.models import BusinessAssociate

from .choices import (
    EDITABLE_STATUSES,
    AgreementStatus,
    CapKind,
    CarveOut,
    DocumentKind,
    IndemnityCover,
    ProvisionState,
)
from .models import BusinessAssociateAgreement
from .services import COPIED_FIELDS

DATE = {"type": "date"}


EARLIEST, LATEST = date(1990, 1, 1), date(2199, 12, 31)


def _check_range(value):
    # Contract dates outside this range are typos, and date arithmetic on them would overflow.
    if value is not None and not (EARLIEST <= value <= LATEST):
        raise forms.ValidationError(
            f"Enter a date between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}."
        )


def _date(**kwargs) -> forms.DateField:
    return forms.DateField(
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), validators=[_check_range], **kwargs
    )


class AgreementForm(StaleSaveCheck, forms.ModelForm):
    indemnification_covers = forms.MultipleChoiceField(
        label="Indemnification covers",
        choices=IndemnityCover.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    carve_outs = forms.MultipleChoiceField(
        label="Carve-outs from the liability cap",
        choices=CarveOut.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = BusinessAssociateAgreement
        # The terms a new version copies, in the same order, plus what is per version.
        fields = ["vendor", "status", *COPIED_FIELDS, "notes"]
        widgets = {
            "effective_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        for name in ("effective_on", "expires_on"):
            self.fields[name].validators.append(_check_range)
        self.fields["vendor"].queryset = BusinessAssociate.objects.for_org(organization).current()
        if self.instance.pk:
            # The vendor of an existing agreement does not change.
            self.fields["vendor"].disabled = True
        if self.instance.pk and not self.instance.is_open:
            # Signed, terminated...: the status changes only through the actions.
            del self.fields["status"]
        else:
            self.fields["status"].choices = [
                (value, label)
                for value, label in AgreementStatus.choices
                if value in EDITABLE_STATUSES
            ]
        for name in ("annual_contract_value", "cap_amount", "cyber_insurance_amount"):
            self.fields[name].widget.attrs["min"] = 0
            self.fields[name].widget.attrs["step"] = "0.01"

    def clean(self):
        cleaned = super().clean()
        effective, expires = cleaned.get("effective_on"), cleaned.get("expires_on")
        if effective and expires and effective >= expires:
            self.add_error("expires_on", "The expiration date must be after the effective date.")
        if cleaned.get("renewal_notice_days") is not None and not cleaned.get("auto_renews"):
            self.add_error(
                "renewal_notice_days", "A notice period applies only to an agreement that renews."
            )
        if cleaned.get("auto_renews") and not expires:
            self.add_error("expires_on", "An agreement that renews needs its term end date.")
        kind = cleaned.get("cap_kind")
        needs = {
            CapKind.FEES_MONTHS: ("cap_months", "Give the number of months of fees."),
            CapKind.FIXED: ("cap_amount", "Give the cap amount in dollars."),
            CapKind.MULTIPLE: ("cap_multiple", "Give the multiple of the annual contract value."),
        }
        if kind in needs:
            name, message = needs[kind]
            if cleaned.get(name) in (None, ""):
                self.add_error(name, message)
        for name in ("annual_contract_value", "cap_amount", "cyber_insurance_amount"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, "Enter an amount of zero or more.")
        multiple = cleaned.get("cap_multiple")
        if multiple is not None and multiple <= 0:
            self.add_error("cap_multiple", "The multiple must be positive.")
        return cleaned


class SignForm(forms.Form):
    signed_on = _date(label="Signed on")
    effective_on = _date(label="Effective from", required=False, help_text="Default: signed date.")
    practice_signatory_name = forms.CharField(label="Our signatory", max_length=200)
    practice_signatory_title = forms.CharField(label="Title", max_length=200, required=False)
    vendor_signatory_name = forms.CharField(label="Vendor's signatory", max_length=200)
    vendor_signatory_title = forms.CharField(label="Title", max_length=200, required=False)

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement

    def clean(self):
        cleaned = super().clean()
        effective = cleaned.get("effective_on") or cleaned.get("signed_on")
        if effective and self.agreement.expires_on and effective >= self.agreement.expires_on:
            self.add_error("effective_on", "The effective date must be before the expiration date.")
        return cleaned


class TerminateForm(forms.Form):
    terminated_on = _date(label="Ends on")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class ChecklistForm(forms.Form):
    """One radio row per required provision."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[item.provision] = forms.ChoiceField(
                label=item.provision_text,
                choices=ProvisionState.choices,
                initial=item.state,
                widget=forms.RadioSelect,
            )

    def rows(self):
        return [(item, self[item.provision]) for item in self.items]


class DocumentForm(forms.Form):
    file = forms.FileField(label="PDF file")
    kind = forms.ChoiceField(choices=DocumentKind.choices, initial=DocumentKind.SIGNED)


class AmendmentForm(forms.Form):
    amended_on = _date(label="Date of the amendment")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label="PDF of the amendment", required=False)
