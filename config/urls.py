from django.contrib import admin
from django.urls import include, path

from portal.core import views as core_views
from portal.jobs import views as job_views
from portal.offices import views as office_views

admin.site.site_header = "Renkei 運営管理"
admin.site.site_title = "Renkei 運営管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", job_views.healthz, name="healthz"),
    path("jobs/", include("portal.jobs.urls")),
    path("offices/export/", include("portal.exports.urls")),
    path("dashboard/", office_views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("operator/admin/login/", core_views.operator_admin_login, name="operator_admin_login"),
    path("operator/admin/", admin.site.urls),
    path("offices/", include("portal.offices.urls")),
    path("partners/", include("portal.partners.urls")),
    path("clients/", include("portal.clients.urls")),
    path("careplans/", include("portal.careplans.urls")),
    path("prevention/", include("portal.prevention.urls")),
    path("schedules/", include("portal.schedules.urls")),
    path("billing/", include("portal.billing.urls")),
    path("documents/", include("portal.documents.urls")),
    path("", include("linkage.exchange.urls")),  # /exchange/… and the form downloads beside their forms
    path("claims/", include("portal.claims.urls")),
    path("paperlinks/", include("portal.paperlinks.urls")),
    path("l/", include("portal.paperlinks.link_urls")),
    path("casework/", include("portal.casework.urls")),
]
