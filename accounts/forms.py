from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

from accounts import services
from accounts.models import User

DUPLICATE_EMAIL = "An account with this e-mail address already exists. Log in, or reset your password."
PASSWORDS_DIFFER = "The two passwords do not match."


def _helper(submit_label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


class SignUpForm(forms.Form):
    full_name = forms.CharField(max_length=255, label="Full name")
    email = forms.EmailField(max_length=255, label="E-mail")
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Create account")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(DUPLICATE_EMAIL, code="duplicate_email")
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", forms.ValidationError(PASSWORDS_DIFFER, code="password_mismatch"))
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
        )


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="E-mail", max_length=255, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    error_messages = {
        "invalid_login": "That e-mail and password do not match an account. Both are case-sensitive for the password.",
        "inactive": "This account is inactive. Contact your university's staff.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Log in")


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Change password")


class StyledPasswordResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Send reset link")


class StyledSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Set password")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "locale", "time_zone"]
        labels = {"full_name": "Full name", "locale": "Language", "time_zone": "Time zone"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save profile")
        self.fields["time_zone"].widget = forms.Select(choices=services.time_zone_choices())

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"]
        if value not in services.available_time_zones():
            raise forms.ValidationError(services.UNKNOWN_TIME_ZONE, code="unknown_time_zone")
        return value
