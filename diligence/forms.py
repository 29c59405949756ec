from types import SimpleNamespace

from django import forms

from oversight.models import Membership
from oversight.stale import StaleSaveCheck

from . import schedule
from .choices import ActionStatus, Answer, Control, DiligenceKind
from .models import DueDiligenceRecord, FollowUpAction, Offboarding, VendorReview
from .services import (
    evidence_date_errors,
    practice_today,
    review_contradictions,
    review_is_stale,
    review_record_facts,
    stale_review_message,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is validated by content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _members(form, field: str, organization) -> None:
    form.fields[field].queryset = Membership.objects.for_org(organization).select_related("user")
    form.fields[field].label_from_instance = lambda m: m.display_name


class DiligenceRecordForm(StaleSaveCheck, forms.ModelForm):
    files = MultipleFileField(
        label="Evidence files",
        required=False,
        help_text="PDF, Word, Excel, PowerPoint or images; each is checked by its content.",
    )

    class Meta:
        model = DueDiligenceRecord
        fields = [
            "kind",
            "performed_on",
            "period_covered",
            "period_end",
            "bridge_until",
            "valid_until",
            "reviewer",
            "outcome",
            "summary",
            "exceptions",
        ]
        widgets = {
            "performed_on": DATE,
            "period_end": DATE,
            "bridge_until": DATE,
            "valid_until": DATE,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "exceptions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        _members(self, "reviewer", organization)
        answers = {}
        if self.instance.pk:
            answers = {a.control: a for a in self.instance.controls.filter(superseded_at=None)}
        for control, label in Control.choices:
            existing = answers.get(control)
            self.fields[f"control_{control}"] = forms.ChoiceField(
                label=label,
                choices=[("", "not assessed"), *Answer.choices],
                required=False,
                initial=existing.answer if existing else "",
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"note_{control}"] = forms.CharField(
                label=f"Note on {label.lower()}",
                max_length=500,
                required=False,
                initial=existing.note if existing else "",
            )

    def clean(self):
        cleaned = super().clean()
        performed, until = cleaned.get("performed_on"), cleaned.get("valid_until")
        if performed and performed > practice_today(self.organization):
            self.add_error("performed_on", "The date performed cannot be in the future.")
        if performed and until and until < performed:
            self.add_error("valid_until", "'Valid until' cannot be before the date performed.")
        for field, message in evidence_date_errors(
            kind=cleaned.get("kind"),
            performed_on=performed,
            period_end=cleaned.get("period_end"),
            bridge_until=cleaned.get("bridge_until"),
            valid_until=until,
        ).items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    @property
    def controls(self) -> dict[str, tuple[str, str]]:
        return {
            c: (
                self.cleaned_data.get(f"control_{c}") or "",
                (self.cleaned_data.get(f"note_{c}") or "").strip(),
            )
            for c in Control.values
        }

    def record_fields(self):
        return [self[name] for name in self.Meta.fields]

    @staticmethod
    def validity_rows():
        """How long each kind of evidence stays valid (``schedule.EVIDENCE_VALIDITY``)."""
        return [(label, schedule.validity_of(kind)) for kind, label in DiligenceKind.choices]

    def control_rows(self):
        return [(self[f"control_{c}"], self[f"note_{c}"]) for c in Control.values]


class ActionForm(forms.ModelForm):
    class Meta:
        model = FollowUpAction
        fields = ["description", "owner", "due_on", "status", "justification"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "justification": forms.Textarea(attrs={"rows": 2}),
            "due_on": DATE,
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        _members(self, "owner", organization)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == ActionStatus.ACCEPTED_RISK
            and not (cleaned.get("justification") or "").strip()
        ):
            self.add_error("justification", "Explain why the risk is accepted.")
        return cleaned


class ReviewForm(forms.ModelForm):
    """A review checked against the record (``services.review_record_facts``): "BAA still
    current" and "diligence evidence current" start from what the record says and cannot be
    ticked against it; "continue" while follow-up actions are overdue needs a reason (kept in
    the notes); a review recorded by somebody else since the form was opened is not silently
    doubled."""

    overdue_reason = forms.CharField(
        label="Why continue while follow-up actions are overdue",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    last_review = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = VendorReview
        fields = [
            "reviewed_on",
            "reviewer",
            "baa_current",
            "services_changed",
            "evidence_current",
            "incidents_since_last",
            "subcontractors_changed",
            "outcome",
            "notes",
        ]
        widgets = {"reviewed_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "services_changed": "If so, you will be asked to update the vendor's facts so that "
            "its risk tier is recomputed."
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        _members(self, "reviewer", organization)
        self.facts = facts = review_record_facts(self.instance.vendor)
        # A new review starts from what the record says (the model's default is "no").
        self.initial["baa_current"] = facts.baa_current
        self.initial["evidence_current"] = facts.evidence_current
        self.initial["last_review"] = facts.last_review_id or 0
        if facts.since_last_review:
            self.initial["incidents_since_last"] = True
            self.fields["incidents_since_last"].help_text = "On record: " + "; ".join(
                i.text for i in facts.since_last_review
            )
        self.fields["baa_current"].help_text = f"On record: {facts.baa_label}."
        self.fields["evidence_current"].help_text = f"On record: {facts.evidence_detail}."
        if facts.overdue_actions:
            listed = "; ".join(
                f"{a.description[:80]} (due {a.due_on:%Y-%m-%d})" for a in facts.overdue_actions
            )
            self.fields["overdue_reason"].help_text = (
                f"Required to continue: {len(facts.overdue_actions)} follow-up action"
                f"{'s are' if len(facts.overdue_actions) > 1 else ' is'} overdue: {listed}."
            )
        else:
            del self.fields["overdue_reason"]

    def clean(self):
        cleaned = super().clean()
        facts = self.facts
        stated = SimpleNamespace(
            baa_current=cleaned.get("baa_current"),
            evidence_current=cleaned.get("evidence_current"),
            outcome=cleaned.get("outcome"),
        )
        errors = review_contradictions(
            review=stated, facts=facts, overdue_reason=cleaned.get("overdue_reason", "")
        )
        for field, message in errors.items():
            self.add_error(field, message)
        seen = cleaned.get("last_review")
        if seen is not None and review_is_stale(facts, seen):
            # Recording again, having read this, records a second review on purpose.
            self.data = self.data.copy()
            self.data[self.add_prefix("last_review")] = str(facts.last_review_id)
            raise forms.ValidationError(stale_review_message(facts), code="stale")
        return cleaned


class OffboardingForm(forms.ModelForm):
    certificate = forms.FileField(
        label="Certificate of return or destruction",
        required=False,
        help_text="PDF, office document or image; checked by its content.",
    )

    class Meta:
        model = Offboarding
        fields = [
            "started_on",
            "access_revoked_on",
            "ended_on",
            "disposition",
            "infeasibility_protections",
            "closed_on",
            "notes",
        ]
        widgets = {
            "started_on": DATE,
            "access_revoked_on": DATE,
            "ended_on": DATE,
            "closed_on": DATE,
            "infeasibility_protections": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "disposition": "164.504(e)(2)(ii)(J): PHI is returned or destroyed at termination; "
            "if that is infeasible, the protections are extended and further uses limited."
        }

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("disposition") == "infeasible"
            and not (cleaned.get("infeasibility_protections") or "").strip()
        ):
            self.add_error(
                "infeasibility_protections",
                "Explain why return or destruction is infeasible and how the protections are "
                "extended.",
            )
        started, closed = cleaned.get("started_on"), cleaned.get("closed_on")
        if started and closed and closed < started:
            self.add_error("closed_on", "The closed date cannot be before the start date.")
        return cleaned
