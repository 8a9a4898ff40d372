from django.urls import path

from linkage.exchange import views

app_name = "exchange"

urlpatterns = [
    path("certificates/", views.certificate_list, name="certificates"),
    path("check/", views.csv_check, name="check"),
]
