import re

from django import forms

from vendors.models import BusinessAssociate

from .choices import BreachLocation, BreachType, IncidentStatus, PhiCategory
from .models import NO_IDENTIFIERS, IncidentNotice, VendorIncident
from .services import incident_errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STATE_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z .'-]{0,40}?)\s*[:=,]\s*(\d{1,9})\s*$")


class StatesField(forms.CharField):
    """Residents affected by state, one "state: count" per line, e.g. "NY: 600"."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{k}: {v}" for k, v in value.items())
        return value

    def to_python(self, value) -> dict[str, int]:
        counts: dict[str, int] = {}
        for number, line in enumerate((value or "").splitlines(), 1):
            if not line.strip():
                continue
            match = STATE_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    f'Line {number}: write "state: count", for example "NY: 600".'
                )
            state = (
                match.group(1).strip().upper()
                if len(match.group(1).strip()) <= 3
                else (match.group(1).strip())
            )
            counts[state] = counts.get(state, 0) + int(match.group(2))
        return counts


class IncidentForm(forms.ModelForm):
    phi_categories = forms.MultipleChoiceField(
        label="PHI involved",
        choices=PhiCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Categories only. " + NO_IDENTIFIERS,
    )
    breach_types = forms.MultipleChoiceField(
        label="Type of breach",
        choices=BreachType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="As the HHS breach portal asks.",
    )
    locations = forms.MultipleChoiceField(
        label="Location of the information",
        choices=BreachLocation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="As the HHS breach portal asks.",
    )
    states = StatesField(
        label="Residents affected by state",
        required=False,
        help_text='One "state: count" per line (e.g. "NY: 600"). Counts only, no names.',
    )

    close = forms.BooleanField(
        label="Close the incident",
        required=False,
        help_text="Once assessed and every notice required is recorded. Otherwise the status "
        "follows the record: investigating, assessed, notified when every notice is recorded.",
    )

    class Meta:
        model = VendorIncident
        fields = [
            "vendor",
            "title",
            "vendor_discovered_on",
            "vendor_notified_on",
            "practice_discovered_on",
            "discovery_basis",
            "breach_started_on",
            "breach_ended_on",
            "description",
            "breach_types",
            "locations",
            "phi_categories",
            "individuals_affected",
            "states",
            "law_enforcement_delay",
            "law_enforcement_requested_on",
            "law_enforcement_until",
            "law_enforcement_in_writing",
            *VendorIncident.FACTORS,
            "conclusion",
            "assessed_on",
            "exception",
            "phi_secured",
            "secured_how",
        ]
        widgets = {
            "vendor_discovered_on": DATE,
            "vendor_notified_on": DATE,
            "practice_discovered_on": DATE,
            "breach_started_on": DATE,
            "breach_ended_on": DATE,
            "assessed_on": DATE,
            "law_enforcement_requested_on": DATE,
            "law_enforcement_until": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            **{f: forms.Textarea(attrs={"rows": 2}) for f in VendorIncident.FACTORS},
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["vendor"].queryset = BusinessAssociate.objects.filter(
            organization=organization
        ).order_by("name")
        if self.instance.pk:
            self.fields["vendor"].disabled = True
        self.initial["close"] = self.instance.status == IncidentStatus.CLOSED

    def clean(self):
        cleaned = super().clean()
        probe = VendorIncident(organization=self.organization)
        for name in self.Meta.fields:
            if name in cleaned:
                setattr(probe, name, cleaned[name])
        for name, message in incident_errors(probe, self.organization.today()).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned


class NoticeForm(forms.ModelForm):
    class Meta:
        model = IncidentNotice
        fields = ["kind", "given_on", "method", "details"]
        widgets = {"given_on": DATE}
