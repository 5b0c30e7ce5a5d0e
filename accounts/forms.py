from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    _unicode_ci_compare,
)
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import User

DUPLICATE_EMAIL = services.DUPLICATE_EMAIL
PASSWORDS_DIFFER = gettext_noop("The two passwords do not match.")
# E-mail addresses are matched in any case (accounts.backends); only the password is case-sensitive.
INVALID_LOGIN = gettext_noop("Enter a correct e-mail and password. The password is case-sensitive; the e-mail is not.")
INACTIVE_ACCOUNT = gettext_noop("This account is inactive. Contact your university's staff.")


def _helper(submit_label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


class SignUpForm(forms.Form):
    full_name = forms.CharField(max_length=255, label=_("Full name"))
    email = forms.EmailField(max_length=255, label=_("E-mail"))
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Create account"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(gettext(DUPLICATE_EMAIL), code="duplicate_email")
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", forms.ValidationError(gettext(PASSWORDS_DIFFER), code="password_mismatch"))
        elif p1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self) -> User:
        return services.register_user(
            email=self.cleaned_data["email"],
            full_name=self.cleaned_data["full_name"],
            password=self.cleaned_data["password1"],
            locale=get_language(),
        )


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-mail"), max_length=255, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    error_messages = {"invalid_login": _(INVALID_LOGIN), "inactive": _(INACTIVE_ACCOUNT)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Log in"))


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Change password"))


class StyledPasswordResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send reset link"))

    def get_users(self, email):
        """Active accounts with this e-mail, including those without a usable password.

        Django skips accounts with an unusable password; ours are the imported ones (accounts.imports),
        whose people choose their first password through this very link. Inactive accounts get nothing."""
        candidates = User._default_manager.filter(email__iexact=email, is_active=True)
        # The same Unicode-aware comparison Django's own get_users makes (CVE-2019-19844).
        return (user for user in candidates if _unicode_ci_compare(email, user.email))


class StyledSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Set password"))


class ProfileForm(forms.ModelForm):
    locale = forms.ChoiceField(label=_("Language"), choices=services.locale_choices,
                               error_messages={"invalid_choice": _(services.UNKNOWN_LOCALE)})

    class Meta:
        model = User
        fields = ["full_name", "locale", "time_zone", "notification_email"]
        labels = {
            "full_name": _("Full name"),
            "locale": _("Language"),
            "time_zone": _("Time zone"),
            "notification_email": _("E-mail me about notifications"),
        }
        help_texts = {
            "notification_email": _("Replies, answers, grades and enrollment news are always on the bell in the menu.")
        }
        error_messages = {"notification_email": {"invalid_choice": _(services.UNKNOWN_NOTIFICATION_EMAIL)}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save profile"))
        self.fields["time_zone"].widget = forms.Select(choices=services.time_zone_choices())
        self.fields["notification_email"].required = False

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"]
        if value not in services.available_time_zones():
            raise forms.ValidationError(gettext(services.UNKNOWN_TIME_ZONE), code="unknown_time_zone")
        return value
