"""Authoring URLs, included under ``teach/`` by lms/urls.py."""

from django.urls import path

from syllabus import views

app_name = "syllabus"

_C = "<int:course_id>/"
_M = _C + "modules/<int:module_id>/"
_I = _C + "items/<int:item_id>/"
_P = _C + "pools/<int:pool_id>/"

urlpatterns = [
    path("", views.CourseListView.as_view(), name="course-list"),
    path(_C + "syllabus/", views.SyllabusTreeView.as_view(), name="syllabus-tree"),
    path(_C + "publish/", views.CoursePublishView.as_view(), name="course-publish"),
    path(_C + "copy/", views.SyllabusCopyView.as_view(), name="syllabus-copy"),
    path(_C + "modules/reorder/", views.ModuleReorderView.as_view(), name="module-reorder"),
    path(_C + "templates/insert/", views.TemplateInstantiateView.as_view(), name="template-instantiate"),
    path(_M + "add/", views.ModuleCreateView.as_view(), name="module-create"),
    path(_M + "edit/", views.ModuleEditView.as_view(), name="module-edit"),
    path(_M + "delete/", views.ModuleDeleteView.as_view(), name="module-delete"),
    path(_M + "move/", views.ModuleMoveView.as_view(), name="module-move"),
    path(_M + "step/", views.ModuleStepView.as_view(), name="module-step"),
    path(_M + "publish/", views.ModulePublishView.as_view(publish=True), name="module-publish"),
    path(_M + "unpublish/", views.ModulePublishView.as_view(publish=False), name="module-unpublish"),
    path(_M + "save-template/", views.TemplateSaveView.as_view(), name="template-create"),
    path(_M + "preview/", views.ModulePreviewView.as_view(), name="module-preview"),
    path(_M + "items/add/", views.ItemCreateView.as_view(), name="item-create"),
    path(_I + "edit/", views.ItemEditView.as_view(), name="item-edit"),
    path(_I + "delete/", views.ItemDeleteView.as_view(), name="item-delete"),
    path(_I + "step/", views.ItemStepView.as_view(), name="item-step"),
    path(_I + "preview/", views.ItemPreviewView.as_view(), name="item-preview"),
    path(_C + "pools/", views.PoolListView.as_view(), name="pool-list"),
    path(_C + "pools/add/", views.PoolCreateView.as_view(), name="pool-create"),
    path(_P, views.PoolDetailView.as_view(), name="pool-detail"),
    path(_P + "edit/", views.PoolEditView.as_view(), name="pool-edit"),
    path(_P + "delete/", views.PoolDeleteView.as_view(), name="pool-delete"),
    path(_P + "import/", views.QuestionImportView.as_view(), name="question-import"),
    path(_P + "questions/add/", views.QuestionFormView.as_view(), name="question-create"),
    path(_P + "questions/<int:question_id>/edit/", views.QuestionFormView.as_view(), name="question-edit"),
    path(_P + "questions/<int:question_id>/delete/", views.QuestionDeleteView.as_view(), name="question-delete"),
    path(_C + "assets/", views.AssetListView.as_view(), name="asset-list"),
    path(_C + "assets/<int:asset_id>/edit/", views.AssetEditView.as_view(), name="asset-edit"),
    path("assets/<int:asset_id>/file/", views.AssetFileView.as_view(), name="asset-file"),
    path("preview/latex/", views.LatexPreviewView.as_view(), name="latex-preview"),
    path("preview/transcript/", views.TranscriptPreviewView.as_view(), name="transcript-preview"),
]
