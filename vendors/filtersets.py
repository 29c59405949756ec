import django_filters
from django import forms
from django.db.models import Q

from oversight.models import Membership, rules_for

from . import baa_status
from .baa_status import BaaStatus
from .choices import Category, RelationshipStatus, Tier
from .models import BusinessAssociate

COMPLIANT = "compliant"
# The baa helper's ``baa_status.COMPLIANT`` (signed, current, not deficient), else its rule.
COMPLIANT_STATUSES = getattr(baa_status, "COMPLIANT", (BaaStatus.CURRENT, BaaStatus.EXPIRING))


class VendorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    # ``tier`` is a column of the vendor row (no join): no DISTINCT needed, and a DISTINCT over
    # every column and the BAA-status annotation cost the filtered list a sort of the practice.
    tier = django_filters.MultipleChoiceFilter(
        choices=Tier.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any category")
    status = django_filters.ChoiceFilter(
        choices=RelationshipStatus.choices, empty_label="Any status"
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=Membership.objects.none(), empty_label="Any owner"
    )
    # An annotation added by ``inventory_filterset`` (``vendors/baa_status.py``); "compliant"
    # is the set the dashboard counts as covered (``baa_status.COMPLIANT``).
    baa = django_filters.ChoiceFilter(
        field_name="baa_status",
        choices=[*BaaStatus.choices, (COMPLIANT, "Signed, current and complete (compliant)")],
        empty_label="Any BAA status",
        method="filter_baa",
    )
    phi = django_filters.ChoiceFilter(
        choices=[
            ("yes", "Handles PHI"),
            ("no", "No PHI"),
            ("baa", "Needs a BAA (PHI or system access)"),
        ],
        method="filter_phi",
        empty_label="PHI or not",
        label="PHI",
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
        for name in ("category", "status", "owner", "baa", "phi", "sort"):
            self.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.form.fields["tier"].widget.attrs["class"] = "form-check-input"

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(services__icontains=value) | Q(external_id__iexact=value)
        )

    def filter_baa(self, queryset, name, value):
        if value == COMPLIANT:
            return queryset.filter(baa_status__in=COMPLIANT_STATUSES)
        return queryset.filter(baa_status=value)

    def filter_phi(self, queryset, name, value):
        if value == "baa":  # ``RiskProfile.needs_baa``: PHI, or remote or privileged access
            return queryset.filter(needs_baa=True)
        return queryset.filter(handles_phi=value == "yes")

    def filter_archived(self, queryset, name, value):
        # Archived vendors are hidden unless asked for; the records are kept.
        return queryset if value else queryset.filter(archived_at__isnull=True)

    @property
    def qs(self):
        qs = super().qs
        if not (self.form.is_bound and self.form.cleaned_data.get("archived")):
            qs = qs.filter(archived_at__isnull=True)
        return qs


def inventory_filterset(
    data, *, organization, queryset=None, warning_days: dict[str, int] | None = None
) -> VendorFilterSet:
    """The inventory as the list shows it: the practice's vendors with their BAA status
    annotated for the practice's today and tier policy, filtered by ``data`` (the list's query
    string). Shared by the list, its export and the dashboard's figures, so a figure and the
    list its link opens are one queryset."""
    if queryset is None:
        queryset = BusinessAssociate.objects.for_org(organization)
    if warning_days is None:  # the tier policy's first BAA expiry warning, by tier
        rules = rules_for([organization.pk])[organization.pk]
        warning_days = baa_status.warning_days_by_tier(rules)
    return VendorFilterSet(
        data or None,
        queryset=baa_status.annotate(queryset, organization.today(), warning_days),
        organization=organization,
    )
