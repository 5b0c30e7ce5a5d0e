"""The root ``world`` fixture: two tenants with one user in every role, and nothing shared between them."""

from accounts.models import UniversityRole, UserUniversityRole
from catalog.models import CourseOfferingInstructor, OfferingStaffRole
from learning.models import CourseEnrollment, EnrollmentStatus
from syllabus.models import Module, ModuleType

ROLE_ATTRS = {
    "student": UniversityRole.STUDENT,
    "instructor": UniversityRole.INSTRUCTOR,
    "ta": UniversityRole.TA,
    "department_admin": UniversityRole.DEPARTMENT_ADMIN,
    "university_admin": UniversityRole.UNIVERSITY_ADMIN,
}


def test_every_row_of_a_tenant_points_at_its_university(world):
    for tenant in world.tenants:
        uni = tenant.university
        assert tenant.department.university_id == uni.pk
        assert tenant.course.university_id == uni.pk
        assert tenant.course.department_id == tenant.department.pk
        assert tenant.offering.university_id == uni.pk
        assert tenant.offering.course_id == tenant.course.pk
        assert tenant.root_module.course_id == tenant.course.pk
        for attr, role in ROLE_ATTRS.items():
            user = getattr(tenant, attr)
            rows = list(UserUniversityRole.objects.filter(user=user))
            assert [(r.university_id, r.role) for r in rows] == [(uni.pk, role)], attr
        staff = CourseOfferingInstructor.objects.filter(course_offering__course__university=uni)
        assert {(s.user_id, s.role) for s in staff} == {
            (tenant.instructor.pk, OfferingStaffRole.INSTRUCTOR),
            (tenant.ta.pk, OfferingStaffRole.TA),
        }
        enrollments = CourseEnrollment.objects.filter(course_offering__university=uni)
        assert [(e.user_id, e.status) for e in enrollments] == [(tenant.student.pk, EnrollmentStatus.ACTIVE)]


def test_the_two_tenants_share_nothing(world):
    a, b = world.a, world.b
    assert a.university.pk != b.university.pk
    assert a.university.country_id != b.university.country_id
    for attr in ("department", "course", "root_module", "offering", *ROLE_ATTRS):
        assert getattr(a, attr).pk != getattr(b, attr).pk, attr
    a_users = {getattr(a, attr).pk for attr in ROLE_ATTRS}
    assert not UserUniversityRole.objects.filter(user_id__in=a_users, university=b.university).exists()
    assert not CourseEnrollment.objects.filter(user=a.student, course_offering=b.offering).exists()


def test_the_course_is_published_with_one_root_and_an_open_public_offering(world):
    from django.utils import timezone

    now = timezone.now()
    for tenant in world.tenants:
        assert tenant.course.is_published
        roots = Module.objects.filter(course=tenant.course, module_type=ModuleType.COURSE_ROOT)
        assert list(roots) == [tenant.root_module]
        assert tenant.root_module.parent_module_id is None and tenant.root_module.depth == 0
        off = tenant.offering
        assert off.visibility == "public"
        assert off.enrollment_start < now < off.enrollment_end
        assert off.starts_at < now < off.ends_at
        assert off.enrolled_count == 1


def test_admins_are_staff_and_the_rest_are_not(world):
    for tenant in world.tenants:
        assert tenant.department_admin.is_staff and tenant.university_admin.is_staff
        assert tenant.department_admin.university_roles.get().department_id == tenant.department.pk
        for attr in ("student", "instructor", "ta"):
            assert not getattr(tenant, attr).is_staff, attr
    assert world.platform_admin.is_staff and not world.platform_admin.is_superuser
    assert world.platform_admin.university_roles.get().role == UniversityRole.PLATFORM_ADMIN
    assert world.superuser.is_superuser and world.superuser.is_staff


def test_users_log_in_with_the_world_password(world, client):
    from conftest import WORLD_PASSWORD

    assert client.login(email=world.a.student.email, password=WORLD_PASSWORD)
