from django.urls import URLPattern, URLResolver

app_name = "screens"
urlpatterns: list[URLPattern | URLResolver] = []
