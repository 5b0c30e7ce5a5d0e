"""Authoring forms: module structure, content items per type, question pools, assets, library."""

from syllabus.forms.content import (
    CONTENT_FORMS,
    BlockForm,
    ContentItemForm,
    GenericSchemaForm,
    content_form_class,
)
from syllabus.forms.structure import (
    AssetUploadForm,
    CopyCourseForm,
    InstantiateTemplateForm,
    ModuleForm,
    MoveModuleForm,
    PublishForm,
    QuestionForm,
    QuestionImportForm,
    QuestionPoolForm,
    SaveTemplateForm,
)

__all__ = [
    "CONTENT_FORMS",
    "AssetUploadForm",
    "BlockForm",
    "ContentItemForm",
    "CopyCourseForm",
    "GenericSchemaForm",
    "InstantiateTemplateForm",
    "ModuleForm",
    "MoveModuleForm",
    "PublishForm",
    "QuestionForm",
    "QuestionImportForm",
    "QuestionPoolForm",
    "SaveTemplateForm",
    "content_form_class",
]
