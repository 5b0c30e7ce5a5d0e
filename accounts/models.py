from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Now


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        # E-mail is the login and is stored lower-cased, so "Ada@X.org" finds "ada@x.org".
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A platform account (table ``users``). Accounts are global; membership in a university is a role row."""

    email = models.EmailField(max_length=255)
    full_name = models.CharField(max_length=255)
    password = models.CharField(max_length=255, db_column="password_hash")
    locale = models.CharField(max_length=16, default="en", db_default="en")
    time_zone = models.CharField(max_length=64, default="UTC", db_default="UTC")
    is_active = models.BooleanField(default=True, db_default=True)
    # Admin access follows from holding an admin role; the role service keeps it in step.
    is_staff = models.BooleanField(default=False, db_default=False)
    current_streak_days = models.IntegerField(default=0, db_default=0)
    last_activity_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        db_table = "users"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="ix_users_email"),
            models.CheckConstraint(condition=models.Q(current_streak_days__gte=0), name="ck_users_streak_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email
