from django.urls import URLPattern, URLResolver, path

from openhat.community import views

app_name = "community"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.log, name="log"),
    path("new/", views.new_entry, name="new_entry"),
]
