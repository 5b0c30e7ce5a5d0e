"""The course player, included at ``learn/<int:offering_id>/`` by ``lms/urls.py``."""

from django.urls import path

from learning.player import views as player

app_name = "player"

urlpatterns = [
    path("", player.player_resume, name="resume"),
    path("item/<int:item_id>/", player.player_item, name="item"),
    path("item/<int:item_id>/progress/", player.item_progress, name="item-progress"),
    path("item/<int:item_id>/done/", player.item_done, name="item-done"),
    path("item/<int:item_id>/open/<int:index>/", player.resource_open, name="resource-open"),
]
