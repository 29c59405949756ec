from .models import Membership
from .tenancy import current_membership


def practice(request):
    membership = current_membership(request)
    if membership is None:
        return {"membership": None, "practice": None, "my_memberships": []}

    def others():
        return list(
            Membership.objects.filter(user=request.user)
            .select_related("organization")
            .order_by("organization__name")
        )

    return {
        "membership": membership,
        "practice": membership.organization,
        "my_memberships": others,
    }
