"""Notification pages: the list (the bell's target), opening one (marks it read), marking all read, and
the unsubscribe link of the e-mails (signed token, no session needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_noop, ngettext
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from accounts import services as account_services
from learning.notifications import selectors, services
from learning.notifications.tasks import user_id_from_token

PAGE_SIZE = 30
UNSUBSCRIBED = gettext_noop("You will get no more notification e-mails. Change this any time on your profile page.")
BAD_UNSUBSCRIBE_LINK = gettext_noop("This unsubscribe link is not valid. Sign in and choose on your profile page.")


class NotificationListView(LoginRequiredMixin, TemplateView):
    template_name = "learning/notifications/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.notifications_for(self.request.user), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(page=page, notifications=list(page.object_list))
        return context


class NotificationOpenView(LoginRequiredMixin, View):
    """POST: mark the actor's notification read and go to what it is about (404 for anyone else's)."""

    def post(self, request, notification_id: int):
        notification = selectors.notifications_for(request.user).filter(pk=notification_id).first()
        if notification is None:
            raise Http404
        services.mark_read(actor=request.user, notification_ids=[notification.pk])
        return redirect(notification.url or "notifications:list")


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.mark_all_read(actor=request.user)
        messages.success(
            request,
            ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
            % {"count": count},
        )
        return redirect("notifications:list")


@method_decorator(
    csrf_exempt, name="dispatch"
)  # RFC 8058 one-click: the mail provider posts; the token is the authority
class UnsubscribeView(TemplateView):
    template_name = "learning/notifications/unsubscribe.html"

    def get(self, request, token: str):
        valid = user_id_from_token(token) is not None
        return self.render_to_response(
            {"valid": valid, "done": False, "message": "" if valid else gettext(BAD_UNSUBSCRIBE_LINK)}
        )

    def post(self, request, token: str):
        user_id = user_id_from_token(token)
        if user_id is None or not account_services.unsubscribe_notification_email(user_id=user_id):
            response = self.render_to_response(
                {"valid": False, "done": False, "message": gettext(BAD_UNSUBSCRIBE_LINK)}
            )
            response.status_code = 400
            return response
        return self.render_to_response({"valid": True, "done": True, "message": gettext(UNSUBSCRIBED)})
