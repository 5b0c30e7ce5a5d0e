"""Factories for learning. Progress, attempts and submissions point at content of the offering's course."""

from datetime import date, timedelta

import factory
from django.contrib.contenttypes.models import ContentType as DjangoContentType
from django.db import connection
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from catalog.models import OfferingVisibility
from catalog.tests.factories import CourseOfferingFactory, UniversityFactory
from learning.models import (
    Accommodation,
    AssignmentStatus,
    AssignmentSubmission,
    Certificate,
    CourseEnrollment,
    CourseGrade,
    CourseInvitation,
    CourseReview,
    CourseReviewModeration,
    DiscussionPost,
    DiscussionPostUpvote,
    DiscussionSettings,
    DiscussionThread,
    DiscussionThreadFollow,
    EnrollmentStatus,
    GradeChange,
    GradeChangeKind,
    GradingCategory,
    GradingItem,
    GradingPolicy,
    GradingScale,
    GradingScaleRow,
    ItemScoreOverride,
    LabSubmission,
    Notification,
    NotificationDigest,
    NotificationKind,
    QuizAttempt,
    QuizAttemptQuestion,
    QuizMastery,
    QuizRegrade,
    SubmissionFile,
    UserContentProgress,
    UserModuleProgress,
)
from syllabus.tests.factories import ContentItemFactory, LabContentItemFactory, ModuleFactory, QuizContentItemFactory


def _item_in_offering_course(item_factory):
    """A SubFactory for a content item in a new module of the declaring factory's offering's course."""
    return factory.SubFactory(item_factory, module__course=factory.SelfAttribute("...course_offering.course"))


class CourseEnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = CourseEnrollment

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    status = EnrollmentStatus.ACTIVE


class CourseInvitationFactory(DjangoModelFactory):
    class Meta:
        model = CourseInvitation

    course_offering = factory.SubFactory(CourseOfferingFactory, visibility=OfferingVisibility.INVITE_ONLY)
    code = factory.Sequence(lambda n: f"INVITE-{n:06d}")
    created_by = factory.SubFactory(UserFactory)
    max_uses = 10


class UserModuleProgressFactory(DjangoModelFactory):
    class Meta:
        model = UserModuleProgress

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    module = factory.SubFactory(ModuleFactory, course=factory.SelfAttribute("..course_offering.course"))
    progress_percent = 50


class UserContentProgressFactory(DjangoModelFactory):
    class Meta:
        model = UserContentProgress

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    content_item = _item_in_offering_course(ContentItemFactory)
    progress_percent = 25
    attempts_count = 1


class QuizAttemptFactory(DjangoModelFactory):
    class Meta:
        model = QuizAttempt

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    content_item = _item_in_offering_course(QuizContentItemFactory)
    attempt_number = factory.Sequence(lambda n: n + 1)
    # A graded attempt (a student has at most one open attempt per item: ux_quiz_attempts_one_open).
    submitted_at = factory.LazyFunction(timezone.now)
    score_obtained = 8
    max_score = 10
    passed = True


class LabSubmissionFactory(DjangoModelFactory):
    class Meta:
        model = LabSubmission

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    content_item = _item_in_offering_course(LabContentItemFactory)
    artifacts_url = factory.Sequence(lambda n: f"https://storage.example.edu/labs/{n}.zip")


class CourseGradeFactory(DjangoModelFactory):
    class Meta:
        model = CourseGrade

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    final_score = 87.5
    letter_grade = "B+"
    passed = True


class CertificateFactory(DjangoModelFactory):
    class Meta:
        model = Certificate

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    certificate_code = factory.Sequence(lambda n: f"CERT-{n:08d}")


class DiscussionThreadFactory(DjangoModelFactory):
    class Meta:
        model = DiscussionThread

    course_offering = factory.SubFactory(CourseOfferingFactory)
    created_by_user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Question about lesson {n}")


class DiscussionPostFactory(DjangoModelFactory):
    """A post; ``parent_post=p`` makes a reply in p's thread."""

    class Meta:
        model = DiscussionPost

    parent_post = None
    thread = factory.Maybe(
        "parent_post",
        yes_declaration=factory.SelfAttribute("parent_post.thread"),
        no_declaration=factory.SubFactory(DiscussionThreadFactory),
    )
    user = factory.SubFactory(UserFactory)
    body = "I think the answer is in chapter 2."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """The id is drawn first, so the tree ``path`` (ids from the opening post down to this one) is
        stored with the row, as ``learning.community.services`` does."""
        if not kwargs.get("path"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence('discussion_posts', 'id'))")
                kwargs["pk"] = cursor.fetchone()[0]
            parent = kwargs.get("parent_post")
            kwargs["path"] = [*(parent.path if parent else []), kwargs["pk"]]
        return super()._create(model_class, *args, **kwargs)


class CourseReviewFactory(DjangoModelFactory):
    class Meta:
        model = CourseReview

    user = factory.SubFactory(UserFactory)
    course_offering = factory.SubFactory(CourseOfferingFactory)
    rating = 4
    review_text = "Clear and well paced."


class AccommodationFactory(DjangoModelFactory):
    class Meta:
        model = Accommodation

    course_offering = factory.SubFactory(CourseOfferingFactory)
    university = factory.SelfAttribute("course_offering.university")
    student = factory.SubFactory(UserFactory)
    time_multiplier = 1.5
    reason = "Letter of accommodation"


class QuizAttemptQuestionFactory(DjangoModelFactory):
    class Meta:
        model = QuizAttemptQuestion

    attempt = factory.SubFactory(QuizAttemptFactory)
    university = factory.SelfAttribute("attempt.course_offering.university")
    position = factory.Sequence(lambda n: n + 1)
    snapshot = factory.LazyFunction(
        lambda: {"type": "true_false", "prompt": "0 is even.", "choices": [], "correct": True, "points": "1"}
    )


class QuizMasteryFactory(DjangoModelFactory):
    class Meta:
        model = QuizMastery

    course_offering = factory.SubFactory(CourseOfferingFactory)
    university = factory.SelfAttribute("course_offering.university")
    user = factory.SubFactory(UserFactory)
    content_item = _item_in_offering_course(QuizContentItemFactory)


class QuizRegradeFactory(DjangoModelFactory):
    class Meta:
        model = QuizRegrade

    attempt = factory.SubFactory(QuizAttemptFactory)
    university = factory.SelfAttribute("attempt.course_offering.university")
    old_score = 5
    new_score = 6
    reason = "Question 3's answer corrected"


class AssignmentSubmissionFactory(DjangoModelFactory):
    """A submitted assignment, in the offering's university, about an item of the offering's course."""

    class Meta:
        model = AssignmentSubmission

    course_offering = factory.SubFactory(CourseOfferingFactory)
    university = factory.SelfAttribute("course_offering.university")
    user = factory.SubFactory(UserFactory)
    content_item = _item_in_offering_course(ContentItemFactory)
    status = AssignmentStatus.SUBMITTED
    text_answer = "My essay on linear equations."
    submitted_at = factory.LazyFunction(timezone.now)
    submission_count = 1


class SubmissionFileFactory(DjangoModelFactory):
    """A file of an assignment submission (pass ``lab_submission=`` and ``assignment_submission=None`` for a
    lab's), in the submission's offering and university."""

    class Meta:
        model = SubmissionFile

    assignment_submission = factory.SubFactory(AssignmentSubmissionFactory)
    course_offering = factory.SelfAttribute("assignment_submission.course_offering")
    university = factory.SelfAttribute("course_offering.university")
    path = factory.Sequence(lambda n: f"answer_{n}.py")
    data = b"print(42)\n"
    size = factory.LazyAttribute(lambda o: len(o.data))


class GradeChangeFactory(DjangoModelFactory):
    """An audit row of a lab submission's score, in the submission's offering and university."""

    class Meta:
        model = GradeChange
        exclude = ("target",)

    target = factory.SubFactory(LabSubmissionFactory)
    course_offering = factory.SelfAttribute("target.course_offering")
    university = factory.SelfAttribute("course_offering.university")
    student = factory.SelfAttribute("target.user")
    content_item = factory.SelfAttribute("target.content_item")
    target_type = factory.LazyFunction(lambda: DjangoContentType.objects.get_for_model(LabSubmission))
    target_id = factory.SelfAttribute("target.pk")
    kind = GradeChangeKind.AUTO
    from_value = None
    to_value = 80


class ItemScoreOverrideFactory(DjangoModelFactory):
    """An instructor's score for a student on a quiz item of the offering's course."""

    class Meta:
        model = ItemScoreOverride

    course_offering = factory.SubFactory(CourseOfferingFactory)
    university = factory.SelfAttribute("course_offering.university")
    student = factory.SubFactory(UserFactory)
    content_item = _item_in_offering_course(QuizContentItemFactory)
    score = 7
    reason = "Re-marked on paper."


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    university = factory.SubFactory(UniversityFactory)
    kind = NotificationKind.GRADE_POSTED
    text = "Your grade for Lab 1 is posted."
    url = "/learn/"


class CourseReviewModerationFactory(DjangoModelFactory):
    class Meta:
        model = CourseReviewModeration

    review = factory.SubFactory(CourseReviewFactory)
    actor = factory.SubFactory(UserFactory)
    action = "hide"
    reason = "Insults another student"


class NotificationDigestFactory(DjangoModelFactory):
    class Meta:
        model = NotificationDigest

    user = factory.SubFactory(UserFactory)
    day = factory.Sequence(lambda n: date(2026, 1, 1) + timedelta(days=n))
    notification_count = 3


class DiscussionPostUpvoteFactory(DjangoModelFactory):
    class Meta:
        model = DiscussionPostUpvote

    post = factory.SubFactory(DiscussionPostFactory)
    user = factory.SubFactory(UserFactory)


class DiscussionThreadFollowFactory(DjangoModelFactory):
    class Meta:
        model = DiscussionThreadFollow

    thread = factory.SubFactory(DiscussionThreadFactory)
    user = factory.SubFactory(UserFactory)


class DiscussionSettingsFactory(DjangoModelFactory):
    class Meta:
        model = DiscussionSettings

    course_offering = factory.SubFactory(CourseOfferingFactory)
    allow_anonymous = True


class GradingScaleFactory(DjangoModelFactory):
    class Meta:
        model = GradingScale

    university = factory.SubFactory(UniversityFactory)
    name = factory.Sequence(lambda n: f"Scale {n}")


class GradingScaleRowFactory(DjangoModelFactory):
    class Meta:
        model = GradingScaleRow

    scale = factory.SubFactory(GradingScaleFactory)
    letter = factory.Sequence(lambda n: f"L{n}")
    lower_bound = factory.Sequence(lambda n: n % 100)


class GradingPolicyFactory(DjangoModelFactory):
    class Meta:
        model = GradingPolicy

    course_offering = factory.SubFactory(CourseOfferingFactory)
    university = factory.SelfAttribute("course_offering.university")
    pass_mark = 60


class GradingCategoryFactory(DjangoModelFactory):
    class Meta:
        model = GradingCategory

    course_offering = factory.SubFactory(CourseOfferingFactory)
    university = factory.SelfAttribute("course_offering.university")
    name = factory.Sequence(lambda n: f"Category {n}")
    weight = 50


class GradingItemFactory(DjangoModelFactory):
    class Meta:
        model = GradingItem

    category = factory.SubFactory(GradingCategoryFactory)
    course_offering = factory.SelfAttribute("category.course_offering")
    university = factory.SelfAttribute("course_offering.university")
    content_item = factory.SubFactory(
        QuizContentItemFactory, module__course=factory.SelfAttribute("...course_offering.course")
    )
