from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    VIEWER = "viewer", "Viewer (read-only)"


WRITE_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
