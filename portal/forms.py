from datetime import timedelta

from django import forms

from diligence.choices import DiligenceKind, DiligenceOutcome
from oversight.models import Membership
from vendors.models import VendorContact

from . import library, services
from .models import PracticeQuestionnaire

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def questionnaire_choices(organization) -> list[tuple[str, str]]:
    """The library's questionnaires, then the practice's own copies."""
    choices = [(f"lib:{q.key}", q.title) for q in library.LIBRARY.values()]
    choices += [
        (f"own:{q.pk}", q.title)
        for q in PracticeQuestionnaire.objects.for_org(organization).filter(archived_at=None)
    ]
    return choices


def questions_for(organization, choice: str) -> tuple[str, list[dict]] | None:
    """(title, questions) of a chosen questionnaire of the library or of the practice."""
    source, _, key = choice.partition(":")
    if source == "lib" and key in library.LIBRARY:
        found = library.LIBRARY[key]
        return found.title, [q.as_dict() for q in found.questions]
    if source == "own" and key.isascii() and key.isdigit() and len(key) < 12:
        own = (
            PracticeQuestionnaire.objects.for_org(organization)
            .filter(pk=int(key), archived_at=None)
            .first()
        )
        if own is not None:
            return own.title, list(own.questions)
    return None


class RequestForm(forms.Form):
    contact = forms.ModelChoiceField(
        queryset=VendorContact.objects.none(),
        label="Send to",
        help_text="One of the vendor's contacts with an email address.",
    )
    questionnaire = forms.ChoiceField(
        help_text="Proposed from the vendor's tier (an MSP gets the MSP questionnaire)."
    )
    evidence_requested = forms.MultipleChoiceField(
        choices=[(str(k), DiligenceKind(k).label) for k in library.EVIDENCE_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Evidence requested",
    )
    confirm_breach_contact = forms.BooleanField(
        required=False,
        initial=True,
        label="Ask the vendor to confirm its breach-notification contact",
    )
    due_on = forms.DateField(widget=DATE, label="Answers due on")

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        organization = vendor.organization
        self.fields["contact"].queryset = (
            VendorContact.objects.for_org(organization)
            .filter(vendor=vendor, ended_on=None)
            .exclude(email="")
        )
        self.fields["contact"].label_from_instance = lambda c: (
            f"{c.name} ({c.get_role_display()}, {c.email})"
        )
        self.fields["questionnaire"].choices = questionnaire_choices(organization)
        if not self.is_bound:
            self.initial.update(
                questionnaire="lib:"
                + library.proposed_questionnaire(tier=vendor.tier, category=vendor.category),
                evidence_requested=list(library.proposed_evidence(vendor.tier)),
                due_on=organization.today() + timedelta(days=14),
                confirm_breach_contact=True,
            )

    def clean_questionnaire(self):
        found = questions_for(self.vendor.organization, self.cleaned_data["questionnaire"])
        if found is None:
            raise forms.ValidationError("Choose a questionnaire.")
        self.chosen = found
        return self.cleaned_data["questionnaire"]

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        today = self.vendor.organization.today()
        if due_on < today:
            raise forms.ValidationError("The due date cannot be in the past.")
        if due_on > today + timedelta(days=services.LONGEST_DUE_DAYS):
            raise forms.ValidationError("The due date must be within a year.")
        return due_on


class AcceptForm(forms.Form):
    outcome = forms.ChoiceField(choices=DiligenceOutcome.choices, label="Outcome of the diligence")
    reviewer = forms.ModelChoiceField(queryset=Membership.objects.none(), label="Reviewer")
    propose_actions = forms.BooleanField(
        required=False,
        initial=True,
        label="Create a follow-up action for each finding (owner: the vendor's owner)",
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = Membership.objects.for_org(organization).select_related(
            "user"
        )
        self.fields["reviewer"].label_from_instance = lambda m: m.display_name


class ReturnForm(forms.Form):
    comments = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comments to the vendor",
        help_text="Sent to the vendor's contact: no internal notes, no patient information.",
        max_length=4000,
    )


class QuestionnaireEditForm(forms.Form):
    title = forms.CharField(max_length=200)

    def __init__(self, *args, questionnaire: PracticeQuestionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.initial.setdefault("title", questionnaire.title)
        for n, question in enumerate(questionnaire.questions, start=1):
            self.fields[f"q_{question['key']}"] = forms.CharField(
                label=f"Question {n}" + (f" ({question['cite']})" if question.get("cite") else ""),
                initial=question["text"],
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Empty the text to remove the question.",
            )
        for n in (1, 2, 3):
            self.fields[f"new_{n}"] = forms.CharField(
                label=f"Add a question ({n})",
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def texts(self) -> dict[str, str]:
        return {
            q["key"]: self.cleaned_data.get(f"q_{q['key']}", "")
            for q in self.questionnaire.questions
        }

    def added(self) -> list[str]:
        return [self.cleaned_data.get(f"new_{n}", "") for n in (1, 2, 3)]
