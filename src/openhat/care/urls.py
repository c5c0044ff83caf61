from django.urls import URLPattern, URLResolver, path

from openhat.care.views import partners, plans, referrals

app_name = "care"
urlpatterns: list[URLPattern | URLResolver] = [
    path("patients/<str:code>/", plans.care_plan, name="plan"),
    path("patients/<str:code>/start/", plans.start_plan, name="start_plan"),
    path("patients/<str:code>/goals/new/", plans.add_goal, name="add_goal"),
    path("patients/<str:code>/goals/<int:goal_id>/", plans.edit_goal, name="edit_goal"),
    path("patients/<str:code>/review/", plans.review, name="review"),
    path("patients/<str:code>/referrals/new/", referrals.new_referral, name="new_referral"),
    path(
        "patients/<str:code>/referrals/<int:referral_id>/",
        referrals.referral_detail,
        name="referral",
    ),
    path(
        "patients/<str:code>/referrals/<int:referral_id>/follow-up/",
        referrals.follow_up,
        name="follow_up",
    ),
    path("partners/", partners.partner_list, name="partners"),
    path("partners/new/", partners.new_partner, name="new_partner"),
    path("partners/<int:partner_id>/", partners.edit_partner, name="edit_partner"),
    path("settings/", partners.care_settings, name="settings"),
]
