from django import forms

from baas.choices import CarveOut, IndemnityCover

from .models import StandardPositions


class PositionsForm(forms.ModelForm):
    indemnification_covers = forms.MultipleChoiceField(
        choices=IndemnityCover.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Indemnification covers",
    )
    carve_outs = forms.MultipleChoiceField(
        choices=CarveOut.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Carve-outs from the cap",
    )

    class Meta:
        model = StandardPositions
        fields = [
            "indemnification",
            "indemnification_covers",
            "cap_kind",
            "cap_amount",
            "cap_months",
            "carve_outs",
            "breach_notice_days",
            "breach_notice_day_kind",
            "breach_notice_trigger",
            "subcontractor_flowdown",
            "offshore_restricted",
            "audit_rights",
            "return_destroy",
            "return_within_days",
            "insurance_amount",
            "governing_law",
        ]

    def clean_breach_notice_days(self):
        days = self.cleaned_data["breach_notice_days"]
        if not days:
            raise forms.ValidationError("The breach-notice window must be at least 1.")
        return days
