"""Learner pages outside the player itself: "My learning" (the dashboard) and the files of assets that
course content uses.

Thin views: the dashboard is one selector (:func:`learning.player.dashboard.get_dashboard`); an asset is
served only to who may see it (its library's staff, or a student whose published course content uses
it), 404 for everyone else.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views import View
from django.views.generic import TemplateView

from learning.enrollment.forms import RedeemInvitationForm
from learning.enrollment.permissions import can_view_asset_as_learner
from learning.player.dashboard import get_dashboard
from syllabus.assets import asset_response
from syllabus.models import Asset
from syllabus.permissions import can_view_asset


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "learning/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["dashboard"] = get_dashboard(user=self.request.user)
        context["redeem_form"] = RedeemInvitationForm()
        return context


class AssetFileView(LoginRequiredMixin, View):
    """An uploaded file (``/assets/<id>/``): for its library's authors and TAs, and for students whose
    published course content uses it; 404 for everyone else."""

    def get(self, request, asset_id: int):
        asset = Asset.objects.filter(pk=asset_id).first()
        if asset is None or not (can_view_asset(request.user, asset) or can_view_asset_as_learner(request.user, asset)):
            raise Http404("No such file.")
        return asset_response(asset)
