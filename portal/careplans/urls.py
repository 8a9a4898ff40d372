app_name = "careplans"

urlpatterns: list = []
