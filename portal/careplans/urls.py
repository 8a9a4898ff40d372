from django.urls import path

from portal.careplans.views import plans, table1, table2, table3

app_name = "careplans"

urlpatterns = [
    path("", plans.plan_list, name="list"),
    path("clients/<int:client_id>/", plans.client_plans, name="client_plans"),
    path("clients/<int:client_id>/new/", plans.plan_create, name="plan_create"),
    path("<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("<int:plan_id>/table1/", table1.plan_table1, name="plan_table1"),
    path("<int:plan_id>/table2/", table2.plan_table2, name="plan_table2"),
    path("<int:plan_id>/table3/", table3.plan_table3, name="plan_table3"),
    path("<int:plan_id>/confirm/", plans.plan_confirm, name="plan_confirm"),
    path("<int:plan_id>/reopen/", plans.plan_reopen, name="plan_reopen"),
    path("<int:plan_id>/deliver/", plans.plan_deliver, name="plan_deliver"),
    path("<int:plan_id>/delete/", plans.plan_delete, name="plan_delete"),
    # 第2表, edited in place
    path("<int:plan_id>/needs/add/", table2.need_add, name="need_add"),
    path("needs/<int:need_id>/save/", table2.need_save, name="need_save"),
    path("needs/<int:need_id>/delete/", table2.need_delete, name="need_delete"),
    path("needs/<int:need_id>/move/", table2.need_move, name="need_move"),
    path("needs/<int:need_id>/goals/add/", table2.goal_add, name="goal_add"),
    path("goals/<int:goal_id>/save/", table2.goal_save, name="goal_save"),
    path("goals/<int:goal_id>/delete/", table2.goal_delete, name="goal_delete"),
    path("goals/<int:goal_id>/move/", table2.goal_move, name="goal_move"),
    path("goals/<int:goal_id>/short-goals/add/", table2.short_goal_add, name="short_goal_add"),
    path("short-goals/<int:short_goal_id>/save/", table2.short_goal_save, name="short_goal_save"),
    path("short-goals/<int:short_goal_id>/delete/", table2.short_goal_delete, name="short_goal_delete"),
    path("short-goals/<int:short_goal_id>/move/", table2.short_goal_move, name="short_goal_move"),
    path("short-goals/<int:short_goal_id>/items/add/", table2.item_add, name="item_add"),
    path("items/<int:item_id>/save/", table2.item_save, name="item_save"),
    path("items/<int:item_id>/delete/", table2.item_delete, name="item_delete"),
    path("items/<int:item_id>/move/", table2.item_move, name="item_move"),
    # 第3表
    path("<int:plan_id>/weekly/add/", table3.weekly_add, name="weekly_add"),
    path("weekly/<int:activity_id>/save/", table3.weekly_save, name="weekly_save"),
    path("weekly/<int:activity_id>/delete/", table3.weekly_delete, name="weekly_delete"),
    path("<int:plan_id>/daily/add/", table3.daily_add, name="daily_add"),
    path("daily/<int:daily_id>/save/", table3.daily_save, name="daily_save"),
    path("daily/<int:daily_id>/delete/", table3.daily_delete, name="daily_delete"),
    path("<int:plan_id>/non-weekly/", table3.non_weekly_save, name="non_weekly_save"),
]
