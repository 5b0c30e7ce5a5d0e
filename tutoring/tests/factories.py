"""Factories for tutoring. A note's message is in the note's session."""

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from syllabus.tests.factories import ContentItemFactory, CourseWithRootFactory
from tutoring.models import ChatMessage, ChatNote, ChatSession, MessageRole, TutorCourseSetting, TutorItemSetting


class ChatSessionFactory(DjangoModelFactory):
    class Meta:
        model = ChatSession

    user = factory.SubFactory(UserFactory)
    content_item = None
    content_context = factory.LazyFunction(lambda: {"title": "Linear equations"})


class ChatMessageFactory(DjangoModelFactory):
    class Meta:
        model = ChatMessage

    session = factory.SubFactory(ChatSessionFactory)
    role = MessageRole.USER
    content = "Why do we subtract 1 from both sides?"
    meta = factory.LazyFunction(dict)


class ChatNoteFactory(DjangoModelFactory):
    class Meta:
        model = ChatNote

    session = factory.SubFactory(ChatSessionFactory)
    message = factory.SubFactory(ChatMessageFactory, session=factory.SelfAttribute("..session"))
    content = "Subtracting keeps both sides equal."
    selected_text = "subtract 1 from both sides"


class TutorCourseSettingFactory(DjangoModelFactory):
    class Meta:
        model = TutorCourseSetting

    course = factory.SubFactory(CourseWithRootFactory)
    university = factory.SelfAttribute("course.university")
    tutor_enabled = True


class TutorItemSettingFactory(DjangoModelFactory):
    class Meta:
        model = TutorItemSetting

    content_item = factory.SubFactory(ContentItemFactory)
    university = factory.SelfAttribute("content_item.university")
    tutor_enabled = False
