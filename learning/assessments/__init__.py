"""Quizzes, labs and assignments: attempts, submissions, grading and the grade-change audit trail."""
