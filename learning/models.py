"""Learning's models, re-exported: ``from learning.models import X`` works for every model of the app.

Each sub-area keeps its own models (one Django app: the app label ``learning``, the table names and
``learning/migrations`` are shared):

- :mod:`learning.notifications.models`: notifications and the daily digests sent;
- :mod:`learning.enrollment.models`: enrollments and invitations;
- :mod:`learning.progress.models`: item progress and module rollups;
- :mod:`learning.assessments.models` (and ``models_submissions``): quiz attempts, their questions,
  mastery, re-grades and accommodations, lab and assignment submissions, grade changes;
- :mod:`learning.gradebook.models` (and ``models_overrides``): grading policies and scales, course grades,
  certificates, item-score overrides;
- :mod:`learning.community.models`: discussions and reviews.

Everything hangs off a course offering. Code inside a sub-package imports from its own ``models``
module (or a lower sub-area's); this module sits above all of them.
"""

from learning.assessments.models import (
    Accommodation,
    LabSubmission,
    LabSubmissionStatus,
    MasteryLevel,
    QuizAttempt,
    QuizAttemptQuestion,
    QuizMastery,
    QuizRegrade,
)
from learning.assessments.models_submissions import (
    AssignmentStatus,
    AssignmentSubmission,
    GradeChange,
    GradeChangeKind,
    SubmissionFile,
    SubmissionFileRole,
)
from learning.community.models import (
    CourseReview,
    CourseReviewModeration,
    DiscussionPost,
    DiscussionPostUpvote,
    DiscussionSettings,
    DiscussionThread,
    DiscussionThreadFollow,
    ReviewModerationAction,
    ThreadKind,
)
from learning.enrollment.models import CourseEnrollment, CourseInvitation, EnrollmentStatus
from learning.gradebook.models import (
    Certificate,
    CertificateRule,
    CourseGrade,
    GradingCategory,
    GradingItem,
    GradingPolicy,
    GradingScale,
    GradingScaleRow,
)
from learning.gradebook.models_overrides import ItemScoreOverride
from learning.notifications.models import Notification, NotificationDigest, NotificationKind
from learning.progress.models import UserContentProgress, UserModuleProgress

__all__ = [
    "Accommodation",
    "AssignmentStatus",
    "AssignmentSubmission",
    "Certificate",
    "CertificateRule",
    "CourseEnrollment",
    "CourseGrade",
    "CourseInvitation",
    "CourseReview",
    "CourseReviewModeration",
    "DiscussionPost",
    "DiscussionPostUpvote",
    "DiscussionSettings",
    "DiscussionThread",
    "DiscussionThreadFollow",
    "EnrollmentStatus",
    "GradeChange",
    "GradeChangeKind",
    "GradingCategory",
    "GradingItem",
    "GradingPolicy",
    "GradingScale",
    "GradingScaleRow",
    "ItemScoreOverride",
    "LabSubmission",
    "LabSubmissionStatus",
    "MasteryLevel",
    "Notification",
    "NotificationDigest",
    "NotificationKind",
    "QuizAttempt",
    "QuizAttemptQuestion",
    "QuizMastery",
    "QuizRegrade",
    "ReviewModerationAction",
    "ThreadKind",
    "SubmissionFile",
    "SubmissionFileRole",
    "UserContentProgress",
    "UserModuleProgress",
]
