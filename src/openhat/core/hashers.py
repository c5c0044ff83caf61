from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with minimal cost, for the test suite only (settings.TESTING): same algorithm and
    format, without a tenth of a second per persona."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
