from django.urls import path

from portal.careplans import views

app_name = "careplans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("clients/<int:client_id>/", views.client_plans, name="client_plans"),
    path("clients/<int:client_id>/new/", views.plan_create, name="plan_create"),
    path("<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("<int:plan_id>/table1/", views.plan_table1, name="plan_table1"),
    path("<int:plan_id>/table2/", views.plan_table2, name="plan_table2"),
    path("<int:plan_id>/table3/", views.plan_table3, name="plan_table3"),
    path("<int:plan_id>/confirm/", views.plan_confirm, name="plan_confirm"),
    path("<int:plan_id>/reopen/", views.plan_reopen, name="plan_reopen"),
    path("<int:plan_id>/deliver/", views.plan_deliver, name="plan_deliver"),
    path("<int:plan_id>/delete/", views.plan_delete, name="plan_delete"),
    # 第2表, edited in place
    path("<int:plan_id>/needs/add/", views.need_add, name="need_add"),
    path("needs/<int:need_id>/save/", views.need_save, name="need_save"),
    path("needs/<int:need_id>/delete/", views.need_delete, name="need_delete"),
    path("needs/<int:need_id>/move/", views.need_move, name="need_move"),
    path("needs/<int:need_id>/goals/add/", views.goal_add, name="goal_add"),
    path("goals/<int:goal_id>/save/", views.goal_save, name="goal_save"),
    path("goals/<int:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("goals/<int:goal_id>/move/", views.goal_move, name="goal_move"),
    path("goals/<int:goal_id>/short-goals/add/", views.short_goal_add, name="short_goal_add"),
    path("short-goals/<int:short_goal_id>/save/", views.short_goal_save, name="short_goal_save"),
    path("short-goals/<int:short_goal_id>/delete/", views.short_goal_delete, name="short_goal_delete"),
    path("short-goals/<int:short_goal_id>/move/", views.short_goal_move, name="short_goal_move"),
    path("short-goals/<int:short_goal_id>/items/add/", views.item_add, name="item_add"),
    path("items/<int:item_id>/save/", views.item_save, name="item_save"),
    path("items/<int:item_id>/delete/", views.item_delete, name="item_delete"),
    path("items/<int:item_id>/move/", views.item_move, name="item_move"),
    # 第3表
    path("<int:plan_id>/weekly/add/", views.weekly_add, name="weekly_add"),
    path("weekly/<int:activity_id>/save/", views.weekly_save, name="weekly_save"),
    path("weekly/<int:activity_id>/delete/", views.weekly_delete, name="weekly_delete"),
    path("<int:plan_id>/daily/add/", views.daily_add, name="daily_add"),
    path("daily/<int:daily_id>/save/", views.daily_save, name="daily_save"),
    path("daily/<int:daily_id>/delete/", views.daily_delete, name="daily_delete"),
    path("<int:plan_id>/non-weekly/", views.non_weekly_save, name="non_weekly_save"),
]
