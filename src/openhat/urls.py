from django.urls import include, path

from openhat.api import api
from openhat.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("openhat.clinics.urls")),
    path("patients/", include("openhat.patients.urls")),
    path("patients/", include("openhat.enrolment.urls")),
    path("patients/", include("openhat.prescribing.urls")),
    path("orders/", include("openhat.prescribing.clinic_urls")),
    path("audit/", include("openhat.audit.urls")),
    path("pharmacy/reports/", include("openhat.pharmacy.report_urls")),
    path("pharmacy/", include("openhat.pharmacy.urls")),
    path("dosing/", include("openhat.dosing.urls")),
    path("casework/", include("openhat.enrolment.casework")),
    path("staff/", include("openhat.staff.urls")),
    path("research/exports/", include("openhat.research.urls")),
    path("research/", include("openhat.outcomes.urls")),
    path("care/", include("openhat.care.urls")),
    path("screens/", include("openhat.screens.urls")),
    path("counselling/", include("openhat.counselling.urls")),
    path("interviews/", include("openhat.interviews.urls")),
    path("planner/", include("openhat.pilot.urls")),
    path("release/", include("openhat.release.urls")),
    path("community/", include("openhat.community.urls")),
    path("public-reports/", include("openhat.outcomes.publish_urls")),
    path("public/", include("openhat.outcomes.public_urls")),
    path("api/", api.urls),
]

handler400 = "openhat.core.views.bad_request"
handler403 = "openhat.core.views.forbidden"
handler404 = "openhat.core.views.not_found"
handler500 = "openhat.core.views.server_error"
