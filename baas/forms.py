from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings

from oversight.stale import StaleSaveCheck
from vendors.models import BusinessAssociate

from .choices import (
    EDITABLE_STATUSES,
    AgreementStatus,
    CapKind,
    CarveOut,
    DocumentKind,
    IndemnityCover,
    NoticeTrigger,
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


class MoneyInput(forms.TextInput):
    """A dollar amount shown as people write it ("50,000"), not "50000.00"."""

    def format_value(self, value):
        if value in (None, ""):
            return None
        try:
            amount = Decimal(str(value).replace(",", "").replace("$", "").strip())
        except InvalidOperation:
            return value  # the user's own (invalid) input, shown back with its error
        return f"{amount:,.2f}".removesuffix(".00")


class MoneyField(forms.DecimalField):
    """Accepts "$50,000", "50,000" or "50000.00"."""

    widget = MoneyInput

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("$", "").strip()
        return super().to_python(value)

    def widget_attrs(self, widget):
        # A text box (commas allowed), with the numeric keyboard on phones.
        return {"inputmode": "decimal", "autocomplete": "off"}


# Which cap field each cap kind needs (the others are hidden on the page and ignored).
CAP_FIELDS = {
    CapKind.FEES_MONTHS: "cap_months",
    CapKind.FIXED: "cap_amount",
    CapKind.MULTIPLE: "cap_multiple",
}
MONEY_FIELDS = ("annual_contract_value", "cap_amount", "cyber_insurance_amount")


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
        field_classes = {name: MoneyField for name in MONEY_FIELDS}
        labels = {
            "cap_amount": "Cap: fixed amount ($)",
            "annual_contract_value": "Annual contract value ($)",
            "cyber_insurance_amount": "Vendor's cyber-insurance coverage ($)",
        }
        help_texts = {
            "breach_notice_day_kind": "Business days are converted on the worst case "
            "(weekends and federal holidays).",
        }
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
        # Optional: left out, it stays "not recorded yet".
        self.fields["breach_notice_trigger"].required = False
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

    CAP_GROUPS = {**{name: kind for kind, name in CAP_FIELDS.items()}, "carve_outs": "capped"}

    @property
    def cap_hidden(self) -> set[str]:
        """The cap fields the page hides (server-rendered): all but the chosen cap kind's, and
        the carve-outs when there is no cap; a field with an error always shows.
        ``static/js/agreement.js`` follows changes of the cap kind."""
        kind = self["cap_kind"].value()
        shown = {CAP_FIELDS.get(kind)} | ({"carve_outs"} if kind != CapKind.NONE else set())
        return {n for n in self.CAP_GROUPS if n not in shown and not self.errors.get(n)}

    def clean_breach_notice_trigger(self):
        return self.cleaned_data.get("breach_notice_trigger") or NoticeTrigger.UNKNOWN

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
        # The hidden cap fields of other kinds are not kept: one cap, one figure.
        for other in CAP_FIELDS.values():
            if CAP_FIELDS.get(kind) != other and other in cleaned:
                cleaned[other] = None
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
    """One row per required provision: present / absent / not reviewed, and the clause
    reference, which a provision marked absent must give (where the agreement was read). The
    return/destruction provision is answered once, by the "PHI at termination" term."""

    def __init__(self, *args, items, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        self.items = list(items)
        for item in self.items:
            if item.provision in TERM_PROVISIONS:
                continue
            self.fields[item.provision] = forms.ChoiceField(
                label=item.provision_text,
                choices=ProvisionState.choices,
                initial=item.state,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{item.provision}"] = forms.CharField(
                label=f"Clause reference: {item.provision_text}",
                max_length=500,
                required=False,
                initial=item.note,
            )

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            if item.provision in TERM_PROVISIONS:
                continue
            if (
                cleaned.get(item.provision) == ProvisionState.ABSENT
                and not (cleaned.get(f"note_{item.provision}") or "").strip()
            ):
                self.add_error(
                    f"note_{item.provision}",
                    "Marked absent: give the clause reference (or the sections you read).",
                )
        return cleaned

    def states(self, *, all_present: bool = False) -> dict[str, str]:
        """The submitted states; ``all_present`` marks every row present except those marked
        absent (the "Mark all present" button)."""
        out = {}
        for item in self.items:
            if item.provision in TERM_PROVISIONS:
                continue
            state = self.cleaned_data[item.provision]
            if all_present and state != ProvisionState.ABSENT:
                state = ProvisionState.PRESENT
            out[item.provision] = state
        return out

    def notes(self) -> dict[str, str]:
        return {
            item.provision: self.cleaned_data[f"note_{item.provision}"].strip()
            for item in self.items
            if item.provision not in TERM_PROVISIONS
        }

    def rows(self):
        """(item, state field or None, note field or None) per provision, in order."""
        return [
            (item, self[item.provision], self[f"note_{item.provision}"])
            if item.provision in self.fields
            else (item, None, None)
            for item in self.items
        ]


# Provisions answered by a term of the agreement ("PHI at termination") instead of the
# checklist (``findings.effective_provisions``): one question, asked once.
TERM_PROVISIONS = frozenset({"return_destroy"})


class DocumentForm(forms.Form):
    file = forms.FileField(label="PDF or Word (.docx) file")
    kind = forms.ChoiceField(choices=DocumentKind.choices, initial=DocumentKind.SIGNED)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = (
            f"A PDF or a Word document (.docx, without macros) of at most {upload_limit_mb()} MB."
        )


def upload_limit_mb() -> str:
    """The upload size limit in MB, as the help texts state it ("20")."""
    mb = settings.MAX_UPLOAD_BYTES / (1024 * 1024)
    return f"{mb:g}" if mb >= 1 else f"{mb:.1f}"


class AmendmentForm(forms.Form):
    amended_on = _date(label="Date of the amendment")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    hitech_omnibus = forms.BooleanField(
        label="This is the HITECH/Omnibus amendment",
        required=False,
        help_text="It adds the breach-notification, subcontractor and Security Rule terms the "
        "Omnibus Rule requires (compliance date 2013-09-23).",
    )
    file = forms.FileField(label="PDF or Word (.docx) file of the amendment", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = (
            f"A PDF or a Word document (.docx, without macros) of at most {upload_limit_mb()} MB."
        )
