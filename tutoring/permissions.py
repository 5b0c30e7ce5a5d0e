"""Who may do what with tutor chat sessions (one policy for views, services and the staff console).

Contract:
- ``can_share_session(user, session) -> bool``: the session's owner, or staff who administer the session's
  tenant in the console (the same scope as ``tutoring.admin.ChatSessionAdmin``: the university, or the
  department, of the content item the chat is about; a chat about no content item is platform data).
"""

from __future__ import annotations

from accounts.permissions import can_manage_row
from tutoring.models import ChatSession

SESSION_UNIVERSITY_PATH = "content_item__university"
SESSION_DEPARTMENT_PATH = "content_item__course__department"


def can_share_session(user, session: ChatSession) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if session.user_id == user.pk:
        return True
    return can_manage_row(user, session, university=SESSION_UNIVERSITY_PATH, department=SESSION_DEPARTMENT_PATH)
