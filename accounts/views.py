import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from accounts import forms, services


class SignUpView(FormView):
    template_name = "accounts/signup.html"
    form_class = forms.SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            user = form.save()
        except ValidationError as error:  # e.g. the e-mail was taken after the form checked it
            form.add_error(None, error)
            return self.form_invalid(form)
        login(self.request, user, backend="accounts.backends.EmailBackend")
        messages.success(self.request, _("Welcome to Sigma LMS! Your account is ready."))
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        return str(reverse_lazy(getattr(settings, "SIGNUP_REDIRECT_URL", "home")))


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/form_page.html"
    form_class = forms.StyledPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")
    extra_context = {"page_title": gettext_lazy("Change your password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/form_page.html"
    form_class = forms.StyledPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"page_title": gettext_lazy("Reset your password"),
                     "page_intro": gettext_lazy("Enter the e-mail address of your account and we will send you a link to choose a new password.")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/message_page.html"
    extra_context = {"page_title": gettext_lazy("Check your e-mail"),
                     "page_message": gettext_lazy("If an account exists for that address, a link to reset its password is on its way.")}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.StyledSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/message_page.html"
    extra_context = {"page_title": gettext_lazy("Password set"), "page_message": gettext_lazy("Your new password is set. You can log in now.")}


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = forms.ProfileForm
    success_url = reverse_lazy("accounts:profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A copy: a form with an error must not leave the unsaved values on request.user (the navigation shows it).
        kwargs["instance"] = copy.copy(self.request.user)
        return kwargs

    def form_valid(self, form):
        try:
            services.update_profile(
                actor=self.request.user,
                **{k: form.cleaned_data[k] for k in ("full_name", "locale", "time_zone")},
                # Left out of a post (an older form): keep the stored preference.
                notification_email=form.cleaned_data.get("notification_email") or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        # Say it in the language just chosen: the next page is shown in it.
        translation.activate(form.cleaned_data["locale"])
        messages.success(self.request, _("Profile saved."))
        return redirect(self.get_success_url())
