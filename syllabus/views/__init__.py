"""Authoring views (issue 7): thin class-based views; access through ``get_course_for_author`` (404)."""

from syllabus.views.bank import (
    AssetEditView,
    AssetFileView,
    AssetListView,
    PoolCreateView,
    PoolDeleteView,
    PoolDetailView,
    PoolEditView,
    PoolListView,
    QuestionDeleteView,
    QuestionFormView,
    QuestionImportView,
)
from syllabus.views.items import (
    ItemCreateView,
    ItemDeleteView,
    ItemEditView,
    ItemPreviewView,
    ItemStepView,
    LatexPreviewView,
    ModulePreviewView,
    TranscriptPreviewView,
)
from syllabus.views.tree import (
    CourseListView,
    CoursePublishView,
    ModuleCreateView,
    ModuleDeleteView,
    ModuleEditView,
    ModuleMoveView,
    ModulePublishView,
    ModuleReorderView,
    ModuleStepView,
    SyllabusCopyView,
    SyllabusTreeView,
    TemplateInstantiateView,
    TemplateSaveView,
)

__all__ = [
    "AssetEditView", "AssetFileView", "AssetListView", "CourseListView", "CoursePublishView", "ItemCreateView",
    "ItemDeleteView", "ItemEditView", "ItemPreviewView", "ItemStepView", "LatexPreviewView", "ModuleCreateView",
    "ModuleDeleteView", "ModuleEditView", "ModuleMoveView", "ModulePreviewView", "ModulePublishView",
    "ModuleReorderView", "ModuleStepView", "PoolCreateView", "PoolDeleteView", "PoolDetailView", "PoolEditView",
    "PoolListView", "QuestionDeleteView", "QuestionFormView", "QuestionImportView", "SyllabusCopyView",
    "SyllabusTreeView", "TemplateInstantiateView", "TemplateSaveView", "TranscriptPreviewView",
]  # fmt: skip
