from django.urls import URLPattern, URLResolver

app_name = "interviews"
urlpatterns: list[URLPattern | URLResolver] = []
