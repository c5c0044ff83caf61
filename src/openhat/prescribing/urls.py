from django.urls import path

from openhat.prescribing import views

app_name = "prescribing"
urlpatterns = [
    path("<str:code>/orders/new/", views.new_order, name="new_order"),
    path("<str:code>/orders/<int:line_id>/change/", views.change_order, name="change_order"),
    path("<str:code>/orders/<int:line_id>/suspend/", views.suspend_order, name="suspend_order"),
    path("<str:code>/orders/<int:line_id>/resume/", views.resume_order, name="resume_order"),
    path("<str:code>/orders/<int:line_id>/stop/", views.stop_order, name="stop_order"),
]
