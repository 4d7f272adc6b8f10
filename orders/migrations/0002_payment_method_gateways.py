from django.db import migrations, models


def placeholder_to_sandbox(apps, schema_editor):
    # Orders placed with the placeholder "pay later" were paid the demo's way: the sandbox.
    Order = apps.get_model("orders", "Order")
    Order.objects.filter(payment_method="placeholder").update(payment_method="sandbox")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="payment_method",
            field=models.CharField(
                choices=[
                    ("sandbox", "Sandbox (demo)"),
                    ("midtrans", "Virtual account, QRIS, e-wallet or convenience store (Midtrans)"),
                    ("transfer", "Bank transfer"),
                ],
                max_length=20,
                verbose_name="payment method",
            ),
        ),
        migrations.RunPython(placeholder_to_sandbox, migrations.RunPython.noop),
    ]
