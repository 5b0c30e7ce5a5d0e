"""Forms of discussions and reviews: shape and validate input; the services decide (their
``ValidationError`` goes back onto the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from learning.community import services
from learning.community.models import ThreadKind

ANONYMOUS_HELP = gettext_noop(
    "Your classmates will see “An anonymous classmate” instead of your name. "
    "Your instructors and TAs always see who wrote it."
)
MARKDOWN_HELP = gettext_noop(
    "Markdown; math between $…$ or $$…$$; mention a classmate or teacher with @[Their Full Name]."
)


def _no_nul(value: str) -> str:
    return (value or "").replace("\x00", "")


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5}))
        kwargs.setdefault("help_text", gettext_lazy(MARKDOWN_HELP))
        kwargs.setdefault(
            "error_messages", {"required": gettext_lazy(services.BODY_REQUIRED), "max_length": services.BODY_TOO_LONG}
        )
        super().__init__(max_length=services.BODY_MAX_LENGTH, strip=True, **kwargs)

    def to_python(self, value):
        return super().to_python(_no_nul(value) if isinstance(value, str) else value)


class _AnonymousMixin:
    def _add_anonymous(self, allow_anonymous: bool) -> None:
        if allow_anonymous:
            self.fields["anonymous"] = forms.BooleanField(
                required=False,
                label=gettext_lazy("Post anonymously to classmates"),
                help_text=gettext_lazy(ANONYMOUS_HELP),
            )


class ThreadForm(_AnonymousMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=ThreadKind.choices, initial=ThreadKind.QUESTION, widget=forms.RadioSelect, label=gettext_lazy("Kind")
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=services.TITLE_MAX_LENGTH,
        error_messages={"required": gettext_lazy(services.TITLE_REQUIRED), "max_length": services.TITLE_TOO_LONG},
    )
    body = BodyField(label=gettext_lazy("Your question or post"))
    item = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=gettext_lazy("About"))

    def __init__(self, *args, allow_anonymous: bool = False, item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", gettext_lazy("The whole course")), *item_choices]
        self._add_anonymous(allow_anonymous)

    def clean_title(self):
        return " ".join(_no_nul(self.cleaned_data["title"]).split())


class ReplyForm(_AnonymousMixin, forms.Form):
    body = BodyField(label=gettext_lazy("Your reply"))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, allow_anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_anonymous(allow_anonymous)


class EditPostForm(forms.Form):
    body = BodyField(label=gettext_lazy("Your post"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=services.REASON_MAX_LENGTH,
        error_messages={"required": gettext_lazy(services.REASON_REQUIRED), "max_length": services.REASON_TOO_LONG},
    )

    def clean_reason(self):
        value = " ".join(_no_nul(self.cleaned_data["reason"]).split())
        if not value:
            raise forms.ValidationError(gettext_lazy(services.REASON_REQUIRED))
        return value


class ThreadFilterForm(forms.Form):
    """The thread list's filters (GET). Bad values are dropped, never an error page."""

    q = forms.CharField(required=False, max_length=200, label=gettext_lazy("Search"))
    item = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    module = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    unanswered = forms.BooleanField(required=False)
    mine = forms.BooleanField(required=False)
    followed = forms.BooleanField(required=False)

    def clean_q(self):
        return " ".join(_no_nul(self.cleaned_data["q"]).split())


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],  # labelled in the active language by __init__
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy(services.RATING_RANGE),
            "invalid_choice": gettext_lazy(services.RATING_RANGE),
        },
    )
    review_text = forms.CharField(
        required=False,
        max_length=services.REVIEW_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=gettext_lazy("Your review (optional)"),
        error_messages={"max_length": services.REVIEW_TOO_LONG},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [
            (n, ngettext("%(count)d star", "%(count)d stars", n) % {"count": n}) for n in range(5, 0, -1)
        ]

    def clean_review_text(self):
        return _no_nul(self.cleaned_data["review_text"]).strip()
