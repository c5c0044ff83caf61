from django.urls import URLPattern, URLResolver, path, re_path

from openhat.pilot import views

app_name = "pilot"

# A share key is secrets.token_urlsafe(32): 43 URL-safe characters (pilot.models).
_KEY = r"(?P<share_key>[A-Za-z0-9_-]{43})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.start, name="start"),
    path("load/", views.load, name="load"),
    re_path(rf"^s/{_KEY}/$", views.scenario, name="scenario"),
    re_path(rf"^s/{_KEY}/brief\.pdf$", views.scenario_pdf, name="scenario_pdf"),
    re_path(rf"^s/{_KEY}/scenario\.json$", views.scenario_export, name="scenario_export"),
]
