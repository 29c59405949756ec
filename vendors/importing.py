"""Import of the vendor inventory from CSV or XLSX.

Two steps: ``preview`` validates every row and says what it would do (create, update,
unchanged) or which columns are wrong; ``apply`` writes all rows in one transaction, or none
if any row is invalid. A row matches an existing vendor by ``external_id`` when given, else by
name (case-insensitive), so re-importing the same file updates instead of duplicating.
"""

import copy
from dataclasses import dataclass, field

from django import forms
from django.db import models, transaction

from oversight.models import Membership

from . import activation
from .choices import AccessLevel, Category, Criticality, PhiType, RelationshipStatus
from .models import BusinessAssociate
from .services import vendors_save_many

MAX_ROWS = 5000

# column -> (help, allowed values or None)
COLUMNS = {
    "name": ("Vendor name (required)", None),
    "external_id": ("Your own reference; used to match on re-import", None),
    "category": ("Category", Category),
    "services": ("Services provided", None),
    "status": ("Relationship status", RelationshipStatus),
    "owner_email": ("Email of the internal owner (a member of the practice)", None),
    "phi_electronic": ("Handles electronic PHI: yes / no", None),
    "phi_paper": ("Handles paper PHI: yes / no", None),
    "phi_types": ("Types of PHI, separated by ;", PhiType),
    "record_count": ("Approximate number of patient records", None),
    "access_level": ("PHI access level", AccessLevel),
    "remote_access": ("Remote or privileged access to practice systems: yes / no", None),
    "offshore": ("Processes or stores data outside the US: yes / no", None),
    "uses_subcontractors": ("Uses subcontractors that touch PHI: yes / no", None),
    "criticality": ("Criticality to operations", Criticality),
    "phi_access_began": ("Date PHI access began, YYYY-MM-DD", None),
    "website": ("Website", None),
    "notes": ("Notes", None),
    "activation_override_reason": (
        "Why this vendor is active although it still lacks something (a signed, current BAA; "
        "due diligence for a high or critical tier). Required in that case, written by you: "
        "the import never fills it in",
        None,
    ),
}
BOOLEAN_COLUMNS = (
    "phi_electronic",
    "phi_paper",
    "remote_access",
    "offshore",
    "uses_subcontractors",
)
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}


def _choice(value: str, choices) -> str:
    """Accept the stored value or the label, case-insensitively."""
    value = value.strip()
    for stored, label in choices.choices:
        if value.lower() in (stored.lower(), label.lower()):
            return stored
    return value  # the form reports it as invalid


class _SharedFields(dict):
    """The row forms' fields, shared by every row instead of deep-copied into each form.

    A form deep-copies its fields so that rendering one form cannot change another's widgets;
    the import's row forms validate and are never rendered, and validating changes no field.
    At 5,000 rows the copies (19 fields with their choices, per row) were two thirds of the
    preview's time."""

    def __deepcopy__(self, memo):
        return dict(self)


class ImportRowForm(forms.ModelForm):
    phi_types = forms.MultipleChoiceField(choices=PhiType.choices, required=False)
    owner_email = forms.EmailField(required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    # BOOLEAN_COLUMNS: yes / no / empty, read by ``_normalise``.
    phi_electronic = forms.NullBooleanField(required=False)
    phi_paper = forms.NullBooleanField(required=False)
    remote_access = forms.NullBooleanField(required=False)
    offshore = forms.NullBooleanField(required=False)
    uses_subcontractors = forms.NullBooleanField(required=False)

    class Meta:
        model = BusinessAssociate
        fields = [c for c in COLUMNS if c not in ("owner_email",)]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        # The activation checks read the practice (its date, its tier policy).
        self.instance.organization = organization

    def _post_clean(self):
        if not OUT_OF_REACH:
            return super()._post_clean()
        # No row can break the model's constraints (they name no column of the import), yet
        # Django would build a query per row and constraint to find that out: a third of the
        # preview's time at 5,000 rows. Skipped for this validation only.
        self.instance.validate_constraints = _no_constraints
        try:
            return super()._post_clean()
        finally:
            del self.instance.validate_constraints

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError("The name is required.")
        return name

    def clean_owner_email(self):
        email = self.cleaned_data.get("owner_email")
        if not email:
            return None
        member = (
            Membership.objects.for_org(self.organization).filter(user__email__iexact=email).first()
        )
        if member is None:
            raise forms.ValidationError(f"{email} is not a member of this practice.")
        return member

    def clean_record_count(self):
        value = self.cleaned_data.get("record_count")
        if value is not None and value > 1_000_000_000:
            raise forms.ValidationError("Enter a realistic number of records.")
        return value

    def has_changed_from(self, vendor) -> bool:
        """Whether applying this row would change the stored vendor."""
        for name, value in self.cleaned_data.items():
            if name == "owner_email":
                if (value.pk if value else None) != vendor.owner_id:
                    return True
                continue
            current = getattr(vendor, name, None)
            if name == "phi_types":
                if sorted(value or []) != sorted(current or []):
                    return True
            elif (value or None) != (current or None):
                return True
        return False


def _constrained_fields(model) -> set[str]:
    """The fields a model's constraints name ("*": cannot tell, e.g. an expression)."""
    names: set[str] = set()
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            names |= set(constraint.condition.referenced_base_fields)
        elif isinstance(constraint, models.UniqueConstraint) and not constraint.expressions:
            names |= set(constraint.fields)
            if constraint.condition is not None:
                names |= set(constraint.condition.referenced_base_fields)
        else:
            names.add("*")
    return names


def _no_constraints(exclude=None):
    return None


ImportRowForm.base_fields = _SharedFields(ImportRowForm.base_fields)

OUT_OF_REACH = not (_constrained_fields(BusinessAssociate) & {*ImportRowForm._meta.fields, "*"})


def _normalise(raw: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """Map a raw row to form data; returns (data, pre-errors for unreadable cells)."""
    data: dict = {}
    errors: dict[str, str] = {}
    for column, (_, choices) in COLUMNS.items():
        value = (raw.get(column) or "").strip()
        if column in BOOLEAN_COLUMNS:
            if value.lower() in TRUE:
                data[column] = True
            elif value.lower() in FALSE:
                data[column] = False
            else:
                errors[column] = f"Write yes or no, not {value!r}."
        elif column == "phi_types":
            data[column] = [
                _choice(v, PhiType) for v in value.replace(",", ";").split(";") if v.strip()
            ]
        elif choices is not None and value:
            data[column] = _choice(value, choices)
        elif value:
            data[column] = value
    data.setdefault("category", Category.OTHER)
    data.setdefault("status", RelationshipStatus.ACTIVE)
    data.setdefault("access_level", AccessLevel.NONE)
    data.setdefault("criticality", Criticality.MEDIUM)
    return data, errors


@dataclass
class RowResult:
    number: int  # row number in the file (the header is row 1)
    name: str
    outcome: str  # "create", "update", "unchanged", "error"
    errors: dict[str, list[str]] = field(default_factory=dict)
    form: ImportRowForm | None = None
    previous_status: str = ""  # the stored status of the matched vendor, if any
    values: dict[str, str] = field(default_factory=dict)  # the cells as written in the file

    @property
    def problems(self) -> list[tuple[str, str, list[str]]]:
        """(column, the value the file holds, messages), to show the bad value beside its
        error."""
        return [(c, self.values.get(c, ""), m) for c, m in self.errors.items()]


@dataclass
class Preview:
    rows: list[RowResult]
    unknown_columns: list[str]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(r.outcome != "error" for r in self.rows)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)


def preview(organization, raw_rows: list[dict[str, str]]) -> Preview:
    """Validate every row without writing anything. A bounded number of queries: existing
    vendors and members are fetched once."""
    unknown = sorted({k for row in raw_rows for k in row} - set(COLUMNS))
    existing = list(BusinessAssociate.objects.for_org(organization))
    by_ref = {v.external_id.lower(): v for v in existing if v.external_id}
    by_name = {v.name.lower(): v for v in existing}
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    if len(raw_rows) > MAX_ROWS:
        return Preview(
            [RowResult(1, "", "error", {"file": [f"At most {MAX_ROWS} rows per import."]})], unknown
        )
    for index, raw in enumerate(raw_rows, start=2):
        data, pre_errors = _normalise(raw)
        name = data.get("name", "")
        ref = (data.get("external_id") or "").lower()
        match = by_ref.get(ref) if ref else None
        match = match or by_name.get(name.lower())
        form = ImportRowForm(data, instance=_copy(match), organization=organization)
        errors = {k: list(v) for k, v in form.errors.items()} if not form.is_valid() else {}
        for column, message in pre_errors.items():
            errors.setdefault(column, []).append(message)
        key = ref or name.lower()
        if key and key in seen:
            errors.setdefault("name", []).append(f"Same vendor as row {seen[key]}.")
        seen.setdefault(key, index)
        if not errors:
            errors.update(_activation_errors(form, match))
        if errors:
            values = {c: str(v).strip() for c, v in raw.items() if c in COLUMNS}
            results.append(RowResult(index, name, "error", errors, values=values))
            continue
        if match is None:
            outcome = "create"
        else:
            outcome = "update" if form.has_changed_from(match) else "unchanged"
        results.append(RowResult(index, name, outcome, {}, form, match.status if match else ""))
    return Preview(results, unknown)


def _activation_errors(form: ImportRowForm, match) -> dict[str, list[str]]:
    """The vendor form's guard, row by row: a row that makes a vendor active while it lacks
    what ``vendors.activation`` requires (a signed, current BAA when it handles PHI:
    164.502(e); diligence for high and critical tiers) needs a reason a person wrote."""
    vendor = form.instance  # carries the row's values once the form is valid
    previous = match.status if match else RelationshipStatus.PROSPECTIVE
    missing = activation.needs_override(vendor, vendor.status, previous)
    if not missing or (form.cleaned_data.get("activation_override_reason") or "").strip():
        return {}
    return {
        "status": [
            "This vendor is not ready to be active: "
            + "; ".join(missing)
            + ". Import it as prospective or onboarding, or write in the "
            "activation_override_reason column why it is active anyway."
        ]
    }


def _copy(vendor):
    # The form writes into its instance while validating; keep the stored vendor intact so
    # the row can be compared with it.
    return copy.copy(vendor) if vendor is not None else None


@transaction.atomic
def apply(organization, raw_rows: list[dict[str, str]], *, actor, source: str) -> Preview:
    """Re-validate and write every row, or nothing if any row is invalid. The rows are
    written in bulk with their history (``vendors_save_many``): the BAA status and review
    schedules of the vendors follow once for the whole file, not row by row."""
    result = preview(organization, raw_rows)
    if not result.ok:
        return result
    created, updated = [], []
    for row in result.rows:
        if row.outcome == "unchanged":
            continue
        form = row.form
        vendor = form.save(commit=False)
        vendor.owner = form.cleaned_data.get("owner_email")
        (updated if vendor.pk else created).append(vendor)
    vendors_save_many(
        organization=organization,
        created=created,
        updated=updated,
        fields=ImportRowForm._meta.fields,
        actor=actor,
    )
    return result


def template_rows() -> list[list[str]]:
    return [
        # An example, not a real vendor (nor one of the demo's): replace it with your own.
        [
            "Example Transcription Co (replace this row)",
            "EXAMPLE-1",
            "transcription",
            "Dictation transcription",
            "prospective",
            "",
            "yes",
            "no",
            "demographics; clinical",
            "2000",
            "limited",
            "no",
            "no",
            "no",
            "medium",
            "",
            "https://transcription.example",
            "",
            "",
        ]
    ]


def allowed_values() -> list[list[str]]:
    rows = []
    for column, (help_text, choices) in COLUMNS.items():
        allowed = ", ".join(f"{v} ({label})" for v, label in choices.choices) if choices else ""
        rows.append([column, help_text, allowed])
    return rows
