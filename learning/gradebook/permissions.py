"""Who may do what with certificates (the gradebook's one permission policy).

- Revoking: whoever manages the offering's enrollments (its instructors, its university's admins).
- Showing or hiding the grade: the certificate's owner only.
"""

from __future__ import annotations

from learning.enrollment.permissions import can_manage_enrollments


def can_revoke_certificate(user, certificate) -> bool:
    return can_manage_enrollments(user, certificate.course_offering)


def can_set_grade_visibility(user, certificate) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and certificate.user_id == user.pk
