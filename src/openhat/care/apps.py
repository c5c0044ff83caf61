from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "openhat.care"
    label = "care"
    verbose_name = "Care plans, referrals and the counsellor's day"
