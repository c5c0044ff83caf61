from django.urls import URLPattern, URLResolver

app_name = "pilot"
urlpatterns: list[URLPattern | URLResolver] = []
