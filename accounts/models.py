from importlib import import_module

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from lms.models_base import LongNameIndex, choices_check, nullable_choices_check


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


class NotificationEmail(models.TextChoices):
    """How a user wants notifications by e-mail (every notification is in the app either way)."""

    IMMEDIATE = "immediate", _("Immediately, one e-mail per notification")
    DAILY = "daily", _("A daily digest")
    OFF = "off", _("Never")


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
    notification_email = models.CharField(
        max_length=16, choices=NotificationEmail.choices, default=NotificationEmail.IMMEDIATE, db_default=NotificationEmail.IMMEDIATE
    )
    # The navigation's bell, read with the session's user row (no query of its own); kept equal to the
    # user's unread notifications by learning's notification service (set_unread_notification_counts).
    unread_notification_count = models.IntegerField(default=0, db_default=0, editable=False)
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
            choices_check("notification_email", NotificationEmail, name="ck_users_notification_email"),
            models.CheckConstraint(
                condition=models.Q(unread_notification_count__gte=0), name="ck_users_unread_notifications_nonnegative"
            ),
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


class LearningGoal(models.TextChoices):
    """Seed 001's LearningGoal, plus ``other``."""

    CAREER_ADVANCEMENT = "career_advancement", _("Career advancement")
    SKILL_DEVELOPMENT = "skill_development", _("Skill development")
    ACADEMIC_REQUIREMENT = "academic_requirement", _("Academic requirement")
    PERSONAL_INTEREST = "personal_interest", _("Personal interest")
    CERTIFICATION = "certification", _("Certification")
    OTHER = "other", _("Other")


class StudyLevel(models.TextChoices):
    """Seed 001's StudyLevel, plus ``other``."""

    HIGH_SCHOOL = "high_school", _("High school")
    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    GRADUATE = "graduate", _("Graduate")
    DOCTORATE = "doctorate", _("Doctorate")
    PROFESSIONAL = "professional", _("Professional")
    OTHER = "other", _("Other")


class Grade(models.TextChoices):
    """Year of study; seed 001 gives FRESHMAN, SOPHOMORE, "etc."."""

    FRESHMAN = "freshman", _("Freshman")
    SOPHOMORE = "sophomore", _("Sophomore")
    JUNIOR = "junior", _("Junior")
    SENIOR = "senior", _("Senior")
    GRADUATE = "graduate", _("Graduate")
    OTHER = "other", _("Other")


class UserProfile(models.Model):
    """Answers from onboarding (seed 001); one per user."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    date_of_birth = models.DateField(null=True, blank=True)
    learning_goal = models.CharField(max_length=32, choices=LearningGoal.choices, null=True, blank=True)
    study_level = models.CharField(max_length=32, choices=StudyLevel.choices, null=True, blank=True)
    grade = models.CharField(max_length=32, choices=Grade.choices, null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "user_profiles"
        constraints = [
            nullable_choices_check("learning_goal", LearningGoal, name="ck_user_profiles_learning_goal"),
            nullable_choices_check("study_level", StudyLevel, name="ck_user_profiles_study_level"),
            nullable_choices_check("grade", Grade, name="ck_user_profiles_grade"),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class UserSubjectPreference(models.Model):
    """A subject the user said they are interested in (seed 001's UserProfile.subject_preferences)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subject_preferences", db_index=False)
    subject = models.ForeignKey("catalog.Subject", on_delete=models.CASCADE, related_name="interested_users")
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "user_subject_preferences"
        constraints = [
            models.UniqueConstraint(fields=["user", "subject"], name="ux_user_subject_preferences_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.subject_id}"


class UniversityRole(models.TextChoices):
    """Seed 000's ``university_role_enum``."""

    STUDENT = "student", "Student"
    INSTRUCTOR = "instructor", "Instructor"
    TA = "ta", "Teaching assistant"
    DEPARTMENT_ADMIN = "department_admin", "Department admin"
    UNIVERSITY_ADMIN = "university_admin", "University admin"
    PLATFORM_ADMIN = "platform_admin", "Platform admin"


class UserUniversityRole(models.Model):
    """A user's role in a university (multi-tenant RBAC). Platform admin = is_superuser or a platform_admin row."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="university_roles", db_index=False)
    university = models.ForeignKey(
        "catalog.University", on_delete=models.CASCADE, related_name="user_roles", db_index=False
    )
    role = models.CharField(max_length=32, choices=UniversityRole.choices)
    department = models.ForeignKey(
        "catalog.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="user_roles"
    )
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "user_university_roles"
        constraints = [
            models.UniqueConstraint(fields=["user", "university", "role"], name="ux_user_university_role"),
            choices_check("role", UniversityRole, name="ck_user_university_roles_role"),
            # A department admin administers one department; the row must say which.
            models.CheckConstraint(
                condition=~Q(role=UniversityRole.DEPARTMENT_ADMIN) | Q(department__isnull=False),
                name="ck_user_university_roles_department_admin_has_department",
            ),
        ]
        indexes = [LongNameIndex(fields=["university"], name="ix_user_university_roles_university_id")]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} @ {self.university_id}"


class UserSession(AbstractBaseSession):
    """A signed-in browser's session (Django's session row, plus whose it is).

    ``user`` is set from the session's auth data on every save, so the per-request read of a signed-in
    page fetches the session and its user in one query (``accounts.sessions``), and a user's sessions
    can be listed or ended together. Anonymous sessions have no user. Deleting a user ends their sessions.
    """

    expire_date = models.DateTimeField("expire date")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions", db_index=False
    )

    class Meta:
        db_table = "user_sessions"
        verbose_name = "session"
        indexes = [
            models.Index(fields=["expire_date"], name="ix_user_sessions_expire_date"),
            models.Index(fields=["user"], name="ix_user_sessions_user_id"),
        ]

    @classmethod
    def get_session_store_class(cls):
        # The configured engine (``accounts.sessions`` in settings), looked up the way Django's
        # SessionMiddleware does: the session store depends on this model, never the reverse.
        return import_module(settings.SESSION_ENGINE).SessionStore
