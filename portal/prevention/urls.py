from django.urls import path

from portal.prevention import views

app_name = "prevention"

urlpatterns = [
    path("clients/<int:client_id>/", views.client_index, name="client_index"),
    path("clients/<int:client_id>/basic/new/", views.basic_info_create, name="basic_info_create"),
    path("basic/<int:basic_info_id>/", views.basic_info_edit, name="basic_info"),
    path("basic/<int:basic_info_id>/family.jpg", views.basic_info_image, name="basic_info_image"),
    path("clients/<int:client_id>/plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:prevention_plan_id>/", views.plan_edit, name="plan"),
    path("plans/<int:prevention_plan_id>/deliver/", views.plan_deliver, name="plan_deliver"),
]
