from django.urls import URLPattern, URLResolver

app_name = "counselling"
urlpatterns: list[URLPattern | URLResolver] = []
