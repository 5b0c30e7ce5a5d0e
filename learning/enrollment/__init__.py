"""Enrollment: enrollments and invitations, the enrollment rules and the enroll panel, rosters, CSV
imports/exports of enrollments, and the onboarding questionnaire.

The lowest of learning's sub-areas (below progress): it imports no other sub-package of learning.
"""
