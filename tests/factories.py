import factory
from allauth.account.models import EmailAddress

from komeji.accounts.models import Address, User
from komeji.common.models import Region

PASSWORD = "rahasia-Komeji-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.id")
    full_name = factory.Faker("name", locale="id_ID")
    phone = factory.Sequence(lambda n: f"+62812{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    recipient_name = factory.Faker("name", locale="id_ID")
    phone = "+6281298765432"
    street = "Jl. Kawi No. 10"
    kecamatan = "Klojen"
    region = factory.LazyFunction(lambda: Region.objects.get(code="3573"))
    postal_code = "65119"
    is_default = False
