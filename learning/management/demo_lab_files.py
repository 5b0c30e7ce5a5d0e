"""The demo labs' files: starter code (student_visible), hidden tests, read-only notes and a model solution.

``demo_data`` puts them in the labs' payloads (``files[].content``); the lab tests grade the solution, a
partly correct and a broken submission against the same hidden tests.
"""

FINITE_DIFFERENCES_STARTER = '''"""Lab: finite differences. Complete the two functions; keep their names and arguments."""


def forward_difference(f, x, h):
    """Approximate f'(x) by (f(x + h) - f(x)) / h."""
    raise NotImplementedError


def central_difference(f, x, h):
    """Approximate f'(x) by (f(x + h) - f(x - h)) / (2 h)."""
    raise NotImplementedError
'''

FINITE_DIFFERENCES_README = """# Finite differences

Implement `forward_difference` and `central_difference` in `finite_differences.py`, then hand the file in.
Hidden tests check the values and the order of each method's error (halve h: the forward error halves,
the central error quarters).
"""

FINITE_DIFFERENCES_TESTS = """import math

import pytest

from finite_differences import central_difference, forward_difference


def test_forward_difference_of_sine_at_zero():
    assert forward_difference(math.sin, 0.0, 1e-6) == pytest.approx(1.0, abs=1e-5)


def test_forward_difference_is_first_order():
    e1 = abs(forward_difference(math.exp, 1.0, 1e-2) - math.e)
    e2 = abs(forward_difference(math.exp, 1.0, 5e-3) - math.e)
    assert 1.8 < e1 / e2 < 2.2


def test_central_difference_is_second_order():
    e1 = abs(central_difference(math.exp, 1.0, 1e-2) - math.e)
    e2 = abs(central_difference(math.exp, 1.0, 5e-3) - math.e)
    assert 3.5 < e1 / e2 < 4.5


def test_central_difference_is_exact_for_a_quadratic():
    assert central_difference(lambda x: 3 * x * x + 2 * x, 2.0, 0.5) == pytest.approx(14.0)
"""

FINITE_DIFFERENCES_SOLUTION = """def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)
"""

LU_STARTER = '''"""Lab: LU factorisation (Doolittle, no pivoting)."""

import numpy as np


def lu_decompose(a):
    """Return (L, U) with L unit lower triangular, U upper triangular and L @ U == a."""
    raise NotImplementedError
'''

LU_TESTS = """import numpy as np

from lu import lu_decompose

A = np.array([[4.0, 3.0, 2.0], [2.0, 1.0, 3.0], [6.0, 5.0, 1.0]])


def test_product_reproduces_the_matrix():
    lower, upper = lu_decompose(A)
    assert np.allclose(np.asarray(lower) @ np.asarray(upper), A)


def test_lower_is_unit_lower_triangular():
    lower, _ = lu_decompose(A)
    lower = np.asarray(lower)
    assert np.allclose(np.diag(lower), 1.0) and np.allclose(np.triu(lower, 1), 0.0)


def test_upper_is_upper_triangular():
    _, upper = lu_decompose(A)
    assert np.allclose(np.tril(np.asarray(upper), -1), 0.0)
"""

LU_SOLUTION = """import numpy as np


def lu_decompose(a):
    a = np.array(a, dtype=float)
    n = a.shape[0]
    lower, upper = np.eye(n), np.zeros((n, n))
    for i in range(n):
        for k in range(i, n):
            upper[i, k] = a[i, k] - lower[i, :i] @ upper[:i, k]
        for k in range(i + 1, n):
            lower[k, i] = (a[k, i] - lower[k, :i] @ upper[:i, i]) / upper[i, i]
    return lower, upper
"""
