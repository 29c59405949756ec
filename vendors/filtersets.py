import django_filters
from django import forms
from django.db.models import Q

from oversight.models import Membership

from .baa_status import BaaStatus
from .choices import Category, RelationshipStatus, Tier
from .models import BusinessAssociate


class VendorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    tier = django_filters.MultipleChoiceFilter(
        choices=Tier.choices, widget=forms.CheckboxSelectMultiple
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any category")
    status = django_filters.ChoiceFilter(
        choices=RelationshipStatus.choices, empty_label="Any status"
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=Membership.objects.none(), empty_label="Any owner"
    )
    # An annotation added by the view (``vendors/baa_status.py``).
    baa = django_filters.ChoiceFilter(
        field_name="baa_status", choices=BaaStatus.choices, empty_label="Any BAA status"
    )
    archived = django_filters.BooleanFilter(
        method="filter_archived",
        label="Show archived",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("tier_rank", "tier"),
            ("baa_rank", "baa"),
            ("category", "category"),
            ("status", "status"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "tier_rank": "Tier (most critical first)",
            "baa_rank": "BAA status (most urgent first)",
        },
        empty_label="Default (name)",
    )

    class Meta:
        model = BusinessAssociate
        fields = ["q", "tier", "category", "status", "owner"]

    def __init__(self, data=None, *args, organization, **kwargs):
        super().__init__(data, *args, **kwargs)
        owners = Membership.objects.for_org(organization).select_related("user")
        self.filters["owner"].queryset = owners
        self.filters["owner"].field.label_from_instance = lambda m: m.display_name
        for name in ("category", "status", "owner", "baa", "sort"):
            self.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.form.fields["tier"].widget.attrs["class"] = "form-check-input"

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(services__icontains=value) | Q(external_id__iexact=value)
        )

    def filter_archived(self, queryset, name, value):
        # Archived vendors are hidden unless asked for; the records are kept.
        return queryset if value else queryset.filter(archived_at__isnull=True)

    @property
    def qs(self):
        qs = super().qs
        if not (self.form.is_bound and self.form.cleaned_data.get("archived")):
            qs = qs.filter(archived_at__isnull=True)
        return qs
