from django.urls import path

from portal.billing import operator, views

app_name = "billing"

urlpatterns = [
    # the office
    path("", views.office_billing, name="office"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_download, name="invoice_pdf"),
    path("economics/", views.office_economics, name="economics"),
    # the operator (staff only; everything else answers 404)
    path("operator/", operator.dashboard, name="operator_dashboard"),
    path("operator/invoices/", operator.invoice_list, name="operator_invoices"),
    path("operator/export/offices.csv", operator.export_csv, {"what": "offices"}, name="operator_export_offices"),
    path("operator/export/invoices.csv", operator.export_csv, {"what": "invoices"}, name="operator_export_invoices"),
    path("operator/export/revenue.csv", operator.export_csv, {"what": "revenue"}, name="operator_export_revenue"),
    path("operator/offices/<int:office_id>/", operator.office_detail, name="operator_office"),
    path("operator/offices/<int:office_id>/licences/new/", operator.licence_apply, name="operator_licence_apply"),
    path("operator/offices/<int:office_id>/suspend/", operator.office_suspend, name="operator_office_suspend"),
    path("operator/offices/<int:office_id>/resume/", operator.office_resume, name="operator_office_resume"),
    path(
        "operator/offices/<int:office_id>/contract-end/",
        operator.office_contract_end,
        name="operator_office_contract_end",
    ),
    path("operator/offices/<int:office_id>/delete/", operator.office_delete, name="operator_office_delete"),
    path("operator/offices/<int:office_id>/renew/", operator.licence_renew, name="operator_licence_renew"),
    path("operator/licences/<int:licence_id>/invoice/", operator.invoice_issue, name="operator_invoice_issue"),
    path("operator/invoices/<int:invoice_id>/payments/new/", operator.payment_record, name="operator_payment_record"),
    path("operator/invoices/<int:invoice_id>/cancel/", operator.invoice_cancel, name="operator_invoice_cancel"),
    path("operator/invoices/<int:invoice_id>/pdf/", operator.invoice_download, name="operator_invoice_pdf"),
]
