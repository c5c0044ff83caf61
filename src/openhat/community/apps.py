from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "openhat.community"
    label = "community"
    verbose_name = "Community log"
