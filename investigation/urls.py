from django.urls import path

from investigation import views

app_name = "investigation"

urlpatterns = [
    path("cases/<uuid:public_id>/tasks/", views.task_add, name="task_add"),
    path("cases/<uuid:public_id>/tasks/<uuid:task_id>/done/", views.task_done, name="task_done"),
    path("cases/<uuid:public_id>/tasks/<uuid:task_id>/change/", views.task_change, name="task_change"),
    path("cases/<uuid:public_id>/interviews/", views.interview_record, name="interview_record"),
]
