from django.urls import path

from openhat.prescribing import views

app_name = "orders"
urlpatterns = [path("", views.clinic_orders, name="list")]
