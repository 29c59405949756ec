from datetime import datetime, time

from django import forms
from django.apps import apps
from django.forms.utils import flatatt
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .activity import (
    Entry,
    activity_page,
    entries_for,
    history_records,
    model_key,
    tracked_models,
)
from .models import Membership, Organization
from .tenancy import member_required


class Select(forms.Select):
    """Django's select, its options written here: Django renders each option through two
    templates, which on the record types (some thirty) cost more than the rest of the form."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>', widget["name"], flatatt(widget["attrs"]), options
        )


class MemberChoiceIterator(forms.models.ModelChoiceIterator):
    """The practice's members read in one plain query: the default ``iterator()`` opens a
    server-side cursor, three round trips for a handful of rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for member in self.queryset:
            yield self.choice(member)


class MemberChoiceField(forms.ModelChoiceField):
    iterator = MemberChoiceIterator


class ActivityFilterForm(forms.Form):
    person = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Anyone", widget=Select
    )
    object_type = forms.ChoiceField(required=False, label="Record type", widget=Select)
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.for_org(organization).select_related("user")
        self.fields["person"].queryset = members
        self.fields["person"].label_from_instance = lambda m: m.display_name
        choices = [("", "Everything"), ("access", "Downloads, exports and sign-ins")]
        choices += [
            (model_key(m), str(m._meta.verbose_name).capitalize()) for m in tracked_models()
        ]
        self.fields["object_type"].choices = choices
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm"
            )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        for name, value in (("since", since), ("until", until)):
            if value and not 1900 <= value.year <= 9000:
                self.add_error(name, "Enter a date between 1900 and 9000.")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned


def _aware(day, end=False):
    if day is None:
        return None
    moment = datetime.combine(day, time.min)
    if end:
        moment = moment + timezone.timedelta(days=1)
    return timezone.make_aware(moment, timezone.get_current_timezone())


PER_PAGE = 50  # each row is a diff of its record: the page builds only what it shows


@member_required
def activity_log(request):
    practice = request.practice
    query = request.GET.copy()
    try:
        page = max(1, int(query.pop("page", ["1"])[-1]))
    except ValueError:
        page = 1
    form = ActivityFilterForm(query or None, organization=practice)
    entries: list[Entry] = []
    has_next = False
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        person = data.get("person")
        entries, has_next = activity_page(
            practice,
            user_id=person.user_id if person else None,
            object_type=data.get("object_type") or "",
            since=_aware(data.get("since")),
            until=_aware(data.get("until"), end=True),
            page=page,
            per_page=PER_PAGE,
        )
    context = {
        "form": form,
        "entries": entries,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
    }
    return render(request, "oversight/activity_log.html", context)


@member_required
def object_history(request, app_label: str, model_name: str, pk: int):
    """The History tab of any tracked record of the current practice, deleted ones included."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as error:
        raise Http404 from error
    if model not in tracked_models():
        raise Http404
    records = history_records(model).filter(id=pk)
    if model is Organization:
        records = records.filter(id=request.practice.pk)
    else:
        records = records.filter(organization_id=request.practice.pk)
    records = list(records.order_by("-history_date", "-history_id"))
    if not records:
        raise Http404
    entries = entries_for(model, records, request.practice)
    context = {
        "entries": entries,
        "object_type": model._meta.verbose_name,
        "object_repr": str(records[0].instance),
        "object_url": entries[0].object_url,
    }
    return render(request, "oversight/object_history.html", context)
