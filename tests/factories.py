import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from oversight.choices import Role
from oversight.models import Membership, Organization
from vendors.choices import AccessLevel, Category, Criticality, RelationshipStatus
from vendors.models import BusinessAssociate, VendorContact
from vendors.services import vendor_save

PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Practice {n}")
    timezone = "America/New_York"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MANAGER


class VendorFactory(factory.django.DjangoModelFactory):
    """Saved through ``vendor_save`` so the tier is computed as in the app."""

    class Meta:
        model = BusinessAssociate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Vendor {n:04d}")
    category = Category.OTHER
    status = RelationshipStatus.ACTIVE
    access_level = AccessLevel.LIMITED
    phi_electronic = True
    criticality = Criticality.MEDIUM

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        vendor = model_class(*args, **kwargs)
        return vendor_save(vendor=vendor, actor=None)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorContact

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.SelfAttribute("vendor.organization")
    name = factory.Faker("name")
    email = factory.Faker("email")
