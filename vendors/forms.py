import copy
from datetime import date, timedelta

from django import forms
from django.forms.models import construct_instance

from oversight.models import Membership
from oversight.stale import StaleSaveCheck

from . import activation, determination
from .choices import Category, PhiType, RelationshipStatus, Tier
from .models import BaDetermination, BusinessAssociate, Subcontractor, VendorContact

# Earlier dates are typos: HIPAA itself dates from 1996.
EARLIEST_DATE = date(1990, 1, 1)

MSP_WITHOUT_REMOTE_ACCESS = (
    "An IT managed service provider usually has remote or privileged access to your systems "
    "(remote support, administrator accounts), and then needs a BAA even if it never looks at "
    'patient data. Tick "remote or privileged access", or confirm below that this one has none.'
)


class VendorForm(StaleSaveCheck, forms.ModelForm):
    phi_types = forms.MultipleChoiceField(
        label="Types of PHI",
        choices=PhiType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = BusinessAssociate
        fields = [
            "name",
            "category",
            "services",
            "status",
            "owner",
            "phi_electronic",
            "phi_paper",
            "phi_types",
            "record_count",
            "access_level",
            "remote_access",
            "offshore",
            "uses_subcontractors",
            "criticality",
            "phi_access_began",
            "website",
            "external_id",
            "activation_override_reason",
            "notes",
        ]
        widgets = {
            "services": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "activation_override_reason": forms.Textarea(attrs={"rows": 2}),
            "phi_access_began": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"activation_override_reason": "Reason for going active with items missing"}
        help_texts = {
            "activation_override_reason": "Required only when the vendor becomes active while "
            "something is missing (for example a signed BAA).",
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner"].queryset = Membership.objects.for_org(organization).select_related(
            "user"
        )
        self.fields["owner"].label_from_instance = lambda m: m.display_name
        self.fields["record_count"].widget.attrs["min"] = 0
        category = self.data.get("category") if self.is_bound else self.instance.category
        if category == Category.MSP:
            # Choosing the MSP category proposes remote access: leaving it unticked takes a
            # confirmation (shown next to the box).
            self.fields["msp_no_remote_access"] = forms.BooleanField(
                label="I confirm this IT managed service provider has no remote or privileged "
                "access to our systems",
                required=False,
                # An MSP already saved without remote access was confirmed then.
                initial=bool(self.instance.pk and not self.instance.remote_access),
            )
            order = list(self.fields)
            order.remove("msp_no_remote_access")
            order.insert(order.index("remote_access") + 1, "msp_no_remote_access")
            self.order_fields(order)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the vendor a name.")
        duplicates = BusinessAssociate.objects.for_org(self.organization).filter(
            name__iexact=name, archived_at__isnull=True
        )
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError("A vendor with this name is already in your inventory.")
        return name

    def clean_phi_access_began(self):
        # A typo such as 0202 or 9999 would otherwise flow into every date computed from it.
        value = self.cleaned_data.get("phi_access_began")
        if value is not None:
            latest = date.today() + timedelta(days=5 * 366)
            if not (EARLIEST_DATE <= value <= latest):
                raise forms.ValidationError(
                    f"Enter a date between {EARLIEST_DATE:%Y} and {latest:%Y}."
                )
        return value

    def clean_record_count(self):
        value = self.cleaned_data.get("record_count")
        if value is not None and value > 1_000_000_000:
            raise forms.ValidationError("Enter a realistic number of records (at most 1 billion).")
        return value

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("category") == Category.MSP
            and not cleaned.get("remote_access")
            and not cleaned.get("msp_no_remote_access")
        ):
            self.add_error("remote_access", MSP_WITHOUT_REMOTE_ACCESS)
        new_status = cleaned.get("status")
        if new_status:
            # self.instance still holds the stored values here (the form copies the new ones
            # in after clean()); check a copy carrying the new values.
            previous = self.instance.status if self.instance.pk else RelationshipStatus.PROSPECTIVE
            candidate = construct_instance(self, copy.copy(self.instance))
            candidate.organization = self.organization
            missing = activation.needs_override(candidate, new_status, previous)
            reason = (cleaned.get("activation_override_reason") or "").strip()
            if missing and not reason:
                self.add_error(
                    "activation_override_reason",
                    "This vendor is not ready to be active: "
                    + "; ".join(missing)
                    + ". Record why it goes active anyway, or keep its current status.",
                )
        return cleaned


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(choices=Tier.choices)
    reason = forms.CharField(
        label="Justification",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the computed tier does not fit this vendor. Kept in the tier history.",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 10:
            raise forms.ValidationError("Write a justification of at least 10 characters.")
        return reason


class ContactForm(forms.ModelForm):
    class Meta:
        model = VendorContact
        fields = ["name", "role", "email", "phone", "notes"]


class SubcontractorForm(forms.ModelForm):
    class Meta:
        model = Subcontractor
        fields = ["name", "linked_vendor", "services", "offshore"]

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.fields["linked_vendor"].queryset = (
            BusinessAssociate.objects.for_org(vendor.organization).current().exclude(pk=vendor.pk)
        )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("name") or "").strip() and not cleaned.get("linked_vendor"):
            raise forms.ValidationError("Name the subcontractor or pick it from your inventory.")
        return cleaned


class DeterminationForm(forms.ModelForm):
    """A "not a business associate" determination (rules: ``vendors/determination.py``)."""

    class Meta:
        model = BaDetermination
        fields = ["basis", "explanation", "determined_by", "determined_on"]
        widgets = {
            "basis": forms.RadioSelect,
            "explanation": forms.Textarea(attrs={"rows": 3}),
            "determined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "explanation": "What the vendor does and why it does not create, receive, maintain "
            'or transmit PHI for the practice. Required for "Other".',
        }

    def __init__(self, *args, vendor, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        members = Membership.objects.for_org(vendor.organization).select_related("user")
        self.fields["determined_by"].queryset = members
        self.fields["determined_by"].label_from_instance = lambda m: m.display_name
        self.fields["determined_by"].required = True
        self.initial.setdefault("determined_by", membership.pk)
        self.initial.setdefault("determined_on", vendor.organization.today())

    def clean_determined_on(self):
        value = self.cleaned_data["determined_on"]
        if value < EARLIEST_DATE:
            raise forms.ValidationError(f"Enter a date from {EARLIEST_DATE:%Y} on.")
        if value > self.vendor.organization.today():
            raise forms.ValidationError("A determination cannot be dated in the future.")
        return value

    def clean(self):
        cleaned = super().clean()
        refused = determination.refusals(
            profile=self.vendor.risk_profile,
            category=self.vendor.category,
            basis=cleaned.get("basis") or "",
            explanation=cleaned.get("explanation") or "",
        )
        for field, message in refused.items():
            self.add_error(field, message)
        return cleaned
