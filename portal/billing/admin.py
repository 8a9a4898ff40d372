"""Django admin (operator, scopes disabled by the middleware): read-only views of billing data.

Issuing, payments and corrections go through /billing/operator/ (services with locks and checks).
"""

from django.contrib import admin

from portal.billing.models import Invoice, InvoiceNumberSequence, Licence, Payment, ReminderSent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ("office", "kind", "period_start", "period_end", "price", "is_free")
    list_filter = ("kind", "is_free")
    search_fields = ("office__name", "office__office_number")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "issued_on", "due_on", "recipient_name", "amount", "tax_amount")
    list_filter = ("kind",)
    search_fields = ("number", "recipient_name", "recipient_office_number")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "received_on", "amount", "method")


@admin.register(InvoiceNumberSequence)
class InvoiceNumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("series", "last_value")


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ("key", "kind", "office", "recipients", "sent_at")
