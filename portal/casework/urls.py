from django.urls import path

from portal.casework import assessment_views, phrase_views, timeline_views, views

app_name = "casework"

urlpatterns = [
    path("clients/<int:client_id>/log/", views.support_log, name="support_log"),
    path("clients/<int:client_id>/log/pdf/", views.support_log_pdf, name="support_log_pdf"),
    path("log/<int:entry_id>/edit/", views.support_log_edit, name="support_log_edit"),
]

urlpatterns += [
    path("clients/<int:client_id>/monitoring/", views.monitoring_list, name="monitoring_list"),
    path("clients/<int:client_id>/monitoring/new/", views.monitoring_create, name="monitoring_create"),
    path("monitoring/<int:monitoring_id>/edit/", views.monitoring_edit, name="monitoring_edit"),
]

urlpatterns += [
    path("clients/<int:client_id>/meetings/", views.meeting_list, name="meeting_list"),
    path("clients/<int:client_id>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/pdf/", views.meeting_pdf, name="meeting_pdf"),
]

urlpatterns += [
    path("clients/<int:client_id>/assessments/", assessment_views.assessment_list, name="assessment_list"),
    path("clients/<int:client_id>/assessments/new/", assessment_views.assessment_create, name="assessment_create"),
    path("assessments/<int:assessment_id>/", assessment_views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:assessment_id>/edit/", assessment_views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:assessment_id>/pdf/", assessment_views.assessment_pdf, name="assessment_pdf"),
    path("assessments/<int:assessment_id>/plan/", assessment_views.assessment_plan, name="assessment_plan"),
]

urlpatterns += [
    path("clients/<int:client_id>/timeline/", timeline_views.client_timeline, name="timeline"),
    path("clients/<int:client_id>/timeline/pdf/", timeline_views.client_timeline_pdf, name="timeline_pdf"),
    path("clients/<int:client_id>/log/event/", timeline_views.log_event, name="log_event"),
    path("clients/<int:client_id>/draft/log/", timeline_views.draft, {"kind": "log"}, name="log_draft"),
    path(
        "clients/<int:client_id>/draft/monitoring/",
        timeline_views.draft,
        {"kind": "monitoring"},
        name="monitoring_draft",
    ),
]

urlpatterns += [
    path("phrases/", phrase_views.phrases, name="phrases"),
]
