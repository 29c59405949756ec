"""Editing a proposal before accepting it: the agreement's own form, with the same fields and
the same checks (``baas.forms.AgreementForm``), where only the terms of that one proposal are
open; every other field keeps its recorded value and is validated with it (Django validates a
disabled field from its initial value), so a cross-field rule (renewal needs an end date, the
expiry after the effective date, a cap kind needs its figure) still applies."""

from baas.forms import AgreementForm
from oversight.stale import VERSION_FIELD


class ProposalEditForm(AgreementForm):
    def __init__(self, *args, editable: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.editable = [name for name in editable if name in self.fields]
        for name, field in self.fields.items():
            if name not in self.editable and name != VERSION_FIELD:
                field.disabled = True

    @property
    def open_fields(self):
        return [self[name] for name in self.editable]

    def other_errors(self) -> list[str]:
        """Errors on the fields not open here (a recorded value the edit conflicts with),
        named by their label, to show above the form."""
        out = []
        for name, errors in self.errors.items():
            if name in self.editable or name == "__all__" or name not in self.fields:
                continue
            label = self.fields[name].label or name.replace("_", " ")
            out.extend(f"{str(label).capitalize()} (recorded): {e}" for e in errors)
        return out

    def edited_terms(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.editable}
