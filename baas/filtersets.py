from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q

from .choices import AgreementStatus
from .models import BusinessAssociateAgreement


class AgreementFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=AgreementStatus.choices, empty_label="Any status", method="filter_status"
    )
    # A search field, not a <select> of every vendor (2,000 options would weigh 115 KB on
    # every page). ``vendor`` (an id) is kept for the vendor page's "All agreements" link;
    # the base queryset is the practice's, so another practice's id matches nothing.
    q = django_filters.CharFilter(
        method="filter_vendor_name", label="Vendor", max_length=200, widget=forms.SearchInput
    )
    vendor = django_filters.NumberFilter(field_name="vendor_id", min_value=1)
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring", label="Expiring within (days)", min_value=0, max_value=3650
    )
    critical = django_filters.BooleanFilter(
        method="filter_critical", label="Has critical findings", widget=forms.CheckboxInput
    )

    class Meta:
        model = BusinessAssociateAgreement
        fields = ["q", "status", "vendor"]

    def __init__(self, data=None, *args, organization, today, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.today = today
        self.form.fields["status"].widget.attrs["class"] = "form-select form-select-sm"
        self.form.fields["q"].widget.attrs.update(
            {"class": "form-control form-control-sm", "placeholder": "Name"}
        )
        self.form.fields["expiring_within"].widget.attrs.update(
            {"class": "form-control form-control-sm", "min": 0, "max": 3650}
        )

    def filter_status(self, queryset, name, value):
        # A signed agreement past its expiration date is listed as expired, not as signed.
        past = Q(status=AgreementStatus.SIGNED, expires_on__lt=self.today)
        if value == AgreementStatus.EXPIRED:
            return queryset.filter(Q(status=AgreementStatus.EXPIRED) | past)
        if value == AgreementStatus.SIGNED:
            return queryset.filter(status=AgreementStatus.SIGNED).exclude(past)
        return queryset.filter(status=value)

    def filter_vendor_name(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(vendor__name__icontains=value) if value else queryset

    def filter_expiring(self, queryset, name, value):
        # Signed and not yet expired (an expired BAA is no longer "expiring": it is listed
        # with status "expired").
        if value is None:
            return queryset
        return queryset.filter(
            status=AgreementStatus.SIGNED,
            expires_on__isnull=False,
            expires_on__gte=self.today,
            expires_on__lte=self.today + timedelta(days=int(value)),
        )

    def filter_critical(self, queryset, name, value):
        return queryset.filter(findings_critical__gt=0) if value else queryset


def agreement_filterset(data, *, organization, today) -> AgreementFilterSet:
    """The practice's agreements filtered by ``data`` (the list's query string): shared by the
    agreement list, its export and the dashboard's figures (a figure is this queryset's count,
    its link opens this list)."""
    return AgreementFilterSet(
        data or None,
        queryset=BusinessAssociateAgreement.objects.for_org(organization).select_related("vendor"),
        organization=organization,
        today=today,
    )
