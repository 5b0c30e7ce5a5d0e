"""The demo world of ``manage.py seed_demo``, as plain data.

Every row has a natural key (country ``iso_code``, university ``short_code``, course (university, code),
user e-mail, module (course, parent, title), item (module, title), pool (course, title), …) so the command
can find what a previous run made. Payload values ``"@asset:<key>"`` and ``"@pool:<title>"`` are replaced
by the ids of the rows the command made for them.
"""

from learning.management import demo_lab_files as lab_files

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo password (README "Demo data")

COUNTRIES = [
    # iso_code, name, region
    ("US", "United States", "North America"),
    ("DE", "Germany", "Europe"),
    ("IN", "India", "Asia"),
]

UNIVERSITIES = [
    # short_code, name, iso_code, time zone, website
    ("NIT", "Northbridge Institute of Technology", "US", "America/New_York", "https://nit.example.edu"),
    ("THR", "Technische Hochschule Rheinland", "DE", "Europe/Berlin", "https://thr.example.edu"),
    ("DUS", "Deccan University of Science", "IN", "Asia/Kolkata", "https://dus.example.edu"),
]

DEPARTMENTS = [
    # university, code, name
    ("NIT", "MATH", "Department of Mathematics"),
    ("NIT", "PHYS", "Department of Physics"),
    ("NIT", "ME", "Department of Mechanical Engineering"),
    ("NIT", "CS", "Department of Computer Science"),
    ("THR", "MATH", "Fachbereich Mathematik"),
    ("THR", "EE", "Fachbereich Elektrotechnik"),
    ("DUS", "CHEM", "Department of Chemistry"),
    ("DUS", "CS", "Department of Computer Science and Engineering"),
]

DOMAINS = [
    # code, name, description
    ("MATH", "Mathematics", "Pure and applied mathematics."),
    ("SCI", "Science", "The natural sciences: physics, chemistry and their laboratories."),
    ("ENG", "Engineering", "Mechanical, electrical and computer engineering."),
]

# code, name, domain, parent code (None = a root of the domain). Parents come before children.
SUBJECTS = [
    ("MATH_CALC", "Calculus", "MATH", None),
    ("MATH_CALC_DIFF", "Differential Calculus", "MATH", "MATH_CALC"),
    ("MATH_CALC_INT", "Integral Calculus", "MATH", "MATH_CALC"),
    ("MATH_LINALG", "Linear Algebra", "MATH", None),
    ("MATH_LINALG_NUM", "Numerical Linear Algebra", "MATH", "MATH_LINALG"),
    ("SCI_PHYS", "Physics", "SCI", None),
    ("SCI_PHYS_MECH", "Classical Mechanics", "SCI", "SCI_PHYS"),
    ("SCI_CHEM", "Chemistry", "SCI", None),
    ("SCI_CHEM_GEN", "General Chemistry", "SCI", "SCI_CHEM"),
    ("SCI_CHEM_ORG", "Organic Chemistry", "SCI", "SCI_CHEM"),
    ("SCI_CHEM_ORG_REACT", "Reaction Mechanisms", "SCI", "SCI_CHEM_ORG"),
    ("ENG_MECH", "Mechanical Engineering", "ENG", None),
    ("MECH_THERMO", "Thermodynamics", "ENG", "ENG_MECH"),
    ("ENG_ELEC", "Electrical Engineering", "ENG", None),
    ("ENG_ELEC_CIRC", "Circuit Analysis", "ENG", "ENG_ELEC"),
    ("ENG_ELEC_SIG", "Signals and Systems", "ENG", "ENG_ELEC_CIRC"),
    ("ENG_COMP", "Computer Engineering", "ENG", None),
    ("ENG_COMP_PROG", "Programming", "ENG", "ENG_COMP"),
    ("ENG_COMP_DS", "Data Structures and Algorithms", "ENG", "ENG_COMP_PROG"),
]

# university, code, title, department, primary subject, other subjects, level, difficulty, credits,
# published, coming soon, description
COURSES = [
    (
        "NIT",
        "MATH101",
        "Calculus I: Derivatives and Their Applications",
        "MATH",
        "MATH_CALC_DIFF",
        [],
        "undergraduate",
        "introductory",
        "4.00",
        True,
        False,
        "Limits, the derivative as slope and rate of change, differentiation rules, and a first look at the "
        "definite integral. Weekly problem sets and a numerical lab in Python.",
    ),
    (
        "NIT",
        "MATH102",
        "Calculus II: Integration and Series",
        "MATH",
        "MATH_CALC_INT",
        [],
        "undergraduate",
        "intermediate",
        "4.00",
        True,
        False,
        "Techniques of integration, improper integrals, sequences and power series.",
    ),
    (
        "NIT",
        "PHYS101",
        "Classical Mechanics",
        "PHYS",
        "SCI_PHYS_MECH",
        [],
        "undergraduate",
        "introductory",
        "4.00",
        True,
        False,
        "Kinematics, Newton's laws, work and energy, momentum and rotational motion.",
    ),
    (
        "NIT",
        "ME210",
        "Engineering Thermodynamics",
        "ME",
        "MECH_THERMO",
        ["SCI_PHYS_MECH"],
        "undergraduate",
        "intermediate",
        "3.00",
        True,
        False,
        "The first and second laws, properties of pure substances, power and refrigeration cycles.",
    ),
    (
        "NIT",
        "CS101",
        "Introduction to Programming in Python",
        "CS",
        "ENG_COMP_PROG",
        [],
        "undergraduate",
        "introductory",
        "3.00",
        True,
        False,
        "Variables, control flow, functions, lists and dictionaries, and testing, with weekly labs.",
    ),
    (
        "THR",
        "MATH110",
        "Linear Algebra for Engineers",
        "MATH",
        "MATH_LINALG",
        ["MATH_LINALG_NUM"],
        "undergraduate",
        "introductory",
        "5.00",
        True,
        False,
        "Systems of linear equations, elimination, matrix algebra, vector spaces and least squares, with NumPy labs.",
    ),
    (
        "THR",
        "EE101",
        "Circuit Analysis",
        "EE",
        "ENG_ELEC_CIRC",
        [],
        "undergraduate",
        "introductory",
        "5.00",
        True,
        False,
        "Kirchhoff's laws, nodal and mesh analysis, Thevenin and Norton equivalents, first-order circuits.",
    ),
    (
        "THR",
        "EE201",
        "Signals and Systems",
        "EE",
        "ENG_ELEC_SIG",
        [],
        "undergraduate",
        "intermediate",
        "5.00",
        True,
        False,
        "Continuous and discrete signals, convolution, the Fourier and Laplace transforms.",
    ),
    (
        "THR",
        "MATH210",
        "Numerical Methods",
        "MATH",
        "MATH_LINALG_NUM",
        [],
        "graduate",
        "advanced",
        "5.00",
        True,  # published with no offering: the catalog's "coming soon" course
        True,
        "Floating point, conditioning, LU and QR factorisations, iterative solvers. Opens next year.",
    ),
    (
        "DUS",
        "CHEM101",
        "General Chemistry",
        "CHEM",
        "SCI_CHEM_GEN",
        [],
        "undergraduate",
        "introductory",
        "4.00",
        True,
        False,
        "Atomic structure, bonding, stoichiometry, gases, thermochemistry and equilibrium.",
    ),
    (
        "DUS",
        "CHEM201",
        "Organic Chemistry: Reaction Mechanisms",
        "CHEM",
        "SCI_CHEM_ORG_REACT",
        [],
        "undergraduate",
        "advanced",
        "4.00",
        True,
        False,
        "Nucleophilic substitution and elimination, additions to alkenes, carbonyl chemistry.",
    ),
    (
        "DUS",
        "CS110",
        "Data Structures and Algorithms",
        "CS",
        "ENG_COMP_DS",
        [],
        "undergraduate",
        "intermediate",
        "4.00",
        True,
        False,
        "Arrays, linked lists, trees, heaps, hashing, graph search and the analysis of algorithms.",
    ),
]

# university, course, prerequisite course, type
PREREQUISITES = [
    ("NIT", "MATH102", "MATH101", "strict"),
    ("NIT", "PHYS101", "MATH101", "co_requisite"),
    ("NIT", "ME210", "PHYS101", "strict"),
    ("NIT", "ME210", "MATH102", "recommended"),
    ("THR", "EE101", "MATH110", "co_requisite"),
    ("THR", "EE201", "EE101", "strict"),
    ("THR", "EE201", "MATH110", "strict"),
    ("THR", "MATH210", "MATH110", "recommended"),
    ("DUS", "CHEM201", "CHEM101", "strict"),
]

# university, course, when (current/upcoming/past), visibility, capacity, requires approval
OFFERINGS = [
    ("NIT", "MATH101", "current", "public", 120, False),
    ("NIT", "MATH101", "past", "public", None, False),
    ("NIT", "MATH101", "upcoming", "public", 120, False),
    ("NIT", "MATH102", "upcoming", "public", 90, False),
    ("NIT", "PHYS101", "current", "public", 1, False),
    ("NIT", "ME210", "upcoming", "invite_only", 40, True),
    ("NIT", "CS101", "current", "unlisted", None, False),
    ("THR", "MATH110", "current", "public", 60, False),
    ("THR", "MATH110", "past", "public", 60, False),
    ("THR", "EE101", "current", "private", None, False),
    ("THR", "EE201", "upcoming", "public", 30, False),
    ("DUS", "CHEM101", "current", "public", None, False),
    ("DUS", "CHEM101", "past", "public", None, False),
    ("DUS", "CHEM201", "upcoming", "invite_only", 25, False),
    ("DUS", "CS110", "current", "unlisted", 50, True),
]

# email, full name, role, university (None: no role row), department code (department admins)
USERS = [
    ("platform-admin@sigma.example.edu", "Priya Raman", "platform_admin", "NIT", None),
    ("superuser@sigma.example.edu", "Sigma Superuser", "superuser", None, None),
    ("uni-admin@nit.example.edu", "Margaret Holloway", "university_admin", "NIT", None),
    ("dept-admin@nit.example.edu", "Daniel Okafor", "department_admin", "NIT", "MATH"),
    ("instructor@nit.example.edu", "Elena Vasquez", "instructor", "NIT", None),
    ("ta@nit.example.edu", "Jonah Whitfield", "ta", "NIT", None),
    ("student1@nit.example.edu", "Maya Chen", "student", "NIT", None),
    ("student2@nit.example.edu", "Lucas Ferreira", "student", "NIT", None),
    ("uni-admin@thr.example.edu", "Katrin Albrecht", "university_admin", "THR", None),
    ("dept-admin@thr.example.edu", "Stefan Brandt", "department_admin", "THR", "EE"),
    ("instructor@thr.example.edu", "Matthias Keller", "instructor", "THR", None),
    ("ta@thr.example.edu", "Lena Hoffmann", "ta", "THR", None),
    ("student1@thr.example.edu", "Jonas Weber", "student", "THR", None),
    ("student2@thr.example.edu", "Aylin Demir", "student", "THR", None),
    ("uni-admin@dus.example.edu", "Rajesh Iyer", "university_admin", "DUS", None),
    ("dept-admin@dus.example.edu", "Kavitha Reddy", "department_admin", "DUS", "CHEM"),
    ("instructor@dus.example.edu", "Arjun Mehta", "instructor", "DUS", None),
    ("ta@dus.example.edu", "Sneha Kulkarni", "ta", "DUS", None),
    ("student1@dus.example.edu", "Ananya Rao", "student", "DUS", None),
    ("student2@dus.example.edu", "Vikram Nair", "student", "DUS", None),
]
# Accounts whose own language (users.locale) is not English: THR's second student sees the site in German.
LOCALES = {"student2@thr.example.edu": "de"}

# email, university, course, when, status (waitlisted rows get the next position)
ENROLLMENTS = [
    ("student1@nit.example.edu", "NIT", "MATH101", "current", "active"),
    ("student2@nit.example.edu", "NIT", "MATH101", "current", "active"),
    ("student2@nit.example.edu", "NIT", "MATH101", "past", "completed"),
    ("student1@nit.example.edu", "NIT", "PHYS101", "current", "active"),
    ("student2@nit.example.edu", "NIT", "PHYS101", "current", "waitlisted"),
    ("student1@nit.example.edu", "NIT", "ME210", "upcoming", "pending"),
    ("student1@thr.example.edu", "THR", "MATH110", "current", "active"),
    ("student2@thr.example.edu", "THR", "MATH110", "current", "active"),
    ("student2@thr.example.edu", "THR", "MATH110", "past", "completed"),
    ("student1@thr.example.edu", "THR", "EE101", "current", "active"),
    ("student1@dus.example.edu", "DUS", "CHEM101", "current", "active"),
    ("student2@dus.example.edu", "DUS", "CHEM101", "past", "completed"),
    ("student2@dus.example.edu", "DUS", "CS110", "current", "pending"),
]

# Final grades of the completed enrollments: email, university, course, score, letter
GRADES = [
    ("student2@nit.example.edu", "NIT", "MATH101", "91.50", "A-"),
    ("student2@thr.example.edu", "THR", "MATH110", "84.00", "B"),
    ("student2@dus.example.edu", "DUS", "CHEM101", "77.25", "C+"),
]

TUTOR_PROMPT_NAME = "tutor/socratic-math"
TUTOR_PROMPT = (
    'You are a patient teaching assistant for the course "{{course_title}}". The student is working on '
    '"{{content_title}}".\n'
    "Guide them with one question at a time. Never give the final answer to a graded question; point to "
    "the step where their reasoning goes wrong instead. Write mathematics in LaTeX between $…$.\n"
    "If the student asks about something outside this course, say so briefly and bring them back."
)

ASSETS = {
    # key: (university, file under static/, alt text, more meta_json). The seed stores the file in the asset
    # library as an upload would (type, size and dimensions come from the file itself).
    "tangent-line": (
        "NIT",
        "demo/tangent-line.png",
        "Graph of the parabola y = x² (blue) with its tangent line y = 2x − 1 (red) touching it at the point (1, 1).",
        {"license": "CC BY 4.0, Sigma LMS demo data"},
    ),
}

# ---------------------------------------------------------------------------------------------------
# Question pools
# ---------------------------------------------------------------------------------------------------

DERIVATIVES_POOL = "Derivatives question bank"
LINEAR_SYSTEMS_POOL = "Linear systems question bank"

POOLS = {
    ("NIT", "MATH101"): [
        {
            "title": DERIVATIVES_POOL,
            "description": "Questions on the definition of the derivative and the basic rules.",
            "questions": [
                {
                    "question_type": "multiple_choice",
                    "prompt": "What is the derivative of $f(x) = x^3$?",
                    "choices": [
                        {"key": "a", "text": "$x^2$"},
                        {"key": "b", "text": "$3x^2$"},
                        {"key": "c", "text": "$3x^3$"},
                        {"key": "d", "text": "$\\frac{x^4}{4}$"},
                    ],
                    "correct_answer": "b",
                    "explanation": "By the power rule, $\\frac{d}{dx}x^n = n x^{n-1}$, so $3x^2$.",
                },
                {
                    "question_type": "multiple_select",
                    "prompt": "Which of these functions are differentiable at $x = 0$? Select all that apply.",
                    "choices": [
                        {"key": "a", "text": "$f(x) = x^2$"},
                        {"key": "b", "text": "$f(x) = |x|$"},
                        {"key": "c", "text": "$f(x) = \\sin x$"},
                        {"key": "d", "text": "$f(x) = x^{1/3}$"},
                    ],
                    "correct_answer": ["a", "c"],
                    "explanation": "$|x|$ has a corner at 0 and $x^{1/3}$ a vertical tangent; the other two are smooth.",
                },
                {
                    "question_type": "true_false",
                    "prompt": "Every function that is continuous at a point is also differentiable there.",
                    "choices": [],
                    "correct_answer": False,
                    "explanation": "Differentiable implies continuous, not the converse: $|x|$ is continuous but not "
                    "differentiable at 0.",
                },
                {
                    "question_type": "numeric",
                    "prompt": "Find the slope of the tangent line to $y = x^2$ at the point $(3, 9)$.",
                    "choices": [],
                    "correct_answer": 6,
                    "numeric_tolerance": "0.01",
                    "explanation": "$y' = 2x$, and $2 \\cdot 3 = 6$.",
                },
                {
                    "question_type": "numeric",
                    "prompt": "A stone falls so that its height is $h(t) = 80 - 4.9t^2$ metres. What is its velocity, in "
                    "m/s, at $t = 2$ s? (Negative means downwards.)",
                    "choices": [],
                    "correct_answer": -19.6,
                    "numeric_tolerance": "0.05",
                    "points": "2",
                    "explanation": "$h'(t) = -9.8t$, so $h'(2) = -19.6$ m/s.",
                },
                {
                    "question_type": "short_text",
                    "prompt": "Name the rule used to differentiate a composition such as $\\sin(x^2)$.",
                    "choices": [],
                    "correct_answer": ["chain rule", "the chain rule"],
                    "explanation": "The chain rule: $(f \\circ g)' = (f' \\circ g) \\cdot g'$.",
                },
                {
                    "question_type": "multiple_choice",
                    "prompt": "Which expression defines $f'(x_0)$?",
                    "choices": [
                        {
                            "key": "a",
                            "text": "$\\lim_{\\Delta x \\to 0} \\frac{f(x_0 + \\Delta x) - f(x_0)}{\\Delta x}$",
                        },
                        {"key": "b", "text": "$\\frac{f(x_0 + 1) - f(x_0)}{1}$"},
                        {"key": "c", "text": "$\\lim_{\\Delta x \\to 0} f(x_0 + \\Delta x)$"},
                    ],
                    "correct_answer": "a",
                    "explanation": "The derivative is the limit of the difference quotient, the slopes of secant lines.",
                },
            ],
        }
    ],
    ("THR", "MATH110"): [
        {
            "title": LINEAR_SYSTEMS_POOL,
            "description": "Row and column pictures, elimination and matrix products.",
            "questions": [
                {
                    "question_type": "multiple_choice",
                    "prompt": "In the column picture of $Ax = b$, the vector $b$ is …",
                    "choices": [
                        {"key": "a", "text": "the intersection point of the rows of $A$"},
                        {"key": "b", "text": "a linear combination of the columns of $A$"},
                        {"key": "c", "text": "orthogonal to every column of $A$"},
                    ],
                    "correct_answer": "b",
                    "explanation": "$Ax = x_1 a_1 + \\dots + x_n a_n$: the unknowns are the weights of the columns.",
                },
                {
                    "question_type": "multiple_select",
                    "prompt": 'Which statements about an $n \\times n$ matrix $A$ are equivalent to "$A$ is invertible"?',
                    "choices": [
                        {"key": "a", "text": "$\\det A \\neq 0$"},
                        {"key": "b", "text": "$Ax = 0$ has only the solution $x = 0$"},
                        {"key": "c", "text": "$A$ has a zero on its diagonal"},
                        {"key": "d", "text": "Elimination produces $n$ pivots"},
                    ],
                    "correct_answer": ["a", "b", "d"],
                    "explanation": "A zero on the diagonal says nothing: row exchanges may still give $n$ pivots.",
                },
                {
                    "question_type": "true_false",
                    "prompt": "For all square matrices $A$ and $B$ of the same size, $AB = BA$.",
                    "choices": [],
                    "correct_answer": False,
                    "explanation": "Matrix multiplication is not commutative in general.",
                },
                {
                    "question_type": "numeric",
                    "prompt": "Solve $2x - y = 0$, $-x + 2y = 3$. What is $x + y$?",
                    "choices": [],
                    "correct_answer": 3,
                    "numeric_tolerance": "0.001",
                    "explanation": "$x = 1$, $y = 2$, so $x + y = 3$.",
                },
                {
                    "question_type": "numeric",
                    "prompt": "What is the determinant of $\\begin{pmatrix} 4 & 1 \\\\ 2 & 3 \\end{pmatrix}$?",
                    "choices": [],
                    "correct_answer": 10,
                    "numeric_tolerance": "0",
                    "explanation": "$4 \\cdot 3 - 1 \\cdot 2 = 10$.",
                },
                {
                    "question_type": "short_text",
                    "prompt": "What do we call the first non-zero entry of a row that elimination uses to clear the "
                    "entries below it?",
                    "choices": [],
                    "correct_answer": ["pivot", "a pivot", "the pivot"],
                    "explanation": "The pivot.",
                },
            ],
        }
    ],
}

# ---------------------------------------------------------------------------------------------------
# Syllabi: units → chapters → lessons, each lesson with its content items.
# ---------------------------------------------------------------------------------------------------

_CALCULUS_VIDEO_TRANSCRIPT = [
    (
        0.0,
        14.5,
        "Welcome to the first lecture. Our first unit is about differentiation, and today the "
        "question is simply: what is a derivative?",
    ),
    (
        14.5,
        38.0,
        "We will look at the derivative from two points of view, the geometric one, as the slope "
        "of a curve, and the physical one, as a rate of change.",
    ),
    (
        38.0,
        66.2,
        "Start with the geometric problem. Take the graph of a function y equals f of x and a "
        "point P on it, with coordinates x zero and f of x zero. We want the tangent line at P.",
    ),
    (
        66.2,
        95.0,
        "To write down a line we need two things: a point, which we have, and a slope m. So the "
        "whole problem is to find the slope, and that slope is what we will call f prime of x zero.",
    ),
    (
        95.0,
        131.4,
        "Here is the idea. Pick a second point Q on the curve, a little to the right of P. The "
        "line through P and Q is a secant line, and its slope is the change in y over the change in x.",
    ),
    (
        131.4,
        170.8,
        "Now let Q slide along the curve towards P. The secant lines turn and settle down on "
        "one line, the tangent line, and their slopes approach one number: the derivative.",
    ),
    (
        170.8,
        205.3,
        "In symbols, f prime of x zero is the limit, as delta x goes to zero, of f of x zero "
        "plus delta x, minus f of x zero, all over delta x. This is the difference quotient.",
    ),
    (
        205.3,
        248.9,
        "Let's do an example, f of x equals one over x. The difference quotient simplifies to "
        "minus one over x zero times x zero plus delta x, and letting delta x go to zero gives minus one over "
        "x zero squared.",
    ),
    (
        248.9,
        280.0,
        "Notice the sign: the slope is negative everywhere, which matches the picture, the "
        "hyperbola is always going down as x increases.",
    ),
    (
        280.0,
        312.5,
        "The second point of view is rate of change. If y is the position of a moving object "
        "at time t, the difference quotient is an average velocity, and its limit is the velocity at an "
        "instant.",
    ),
]

_LINALG_VIDEO_TRANSCRIPT = [
    (
        0.0,
        12.0,
        "This is the first lecture on linear algebra, and it starts with the fundamental problem "
        "of the subject: solving a system of linear equations.",
    ),
    (
        12.0,
        35.5,
        "We take the normal, nice case: n equations in n unknowns, and we look at it in three "
        "ways, the row picture, the column picture, and the matrix form.",
    ),
    (
        35.5,
        61.0,
        "First example, two equations in two unknowns: two x minus y equals zero, and minus x "
        "plus two y equals three. Written as a matrix, the coefficient matrix A is two, minus one, minus one, "
        "two.",
    ),
    (
        61.0,
        94.2,
        "The row picture takes one equation at a time. Each equation is a line in the plane, and "
        "the solution is the point where the two lines meet, here x equals one and y equals two.",
    ),
    (
        94.2,
        132.7,
        "The column picture is the important one. It asks for the right combination of the "
        "columns: x times the first column plus y times the second column should equal the right-hand side.",
    ),
    (
        132.7,
        170.0,
        "With x equal to one and y equal to two, one copy of column one plus two copies of "
        "column two lands exactly on the vector zero, three. That is a linear combination.",
    ),
    (
        170.0,
        211.4,
        "In three dimensions the row picture becomes three planes meeting in a point, which is "
        "hard to draw, while the column picture is still a combination of three vectors.",
    ),
    (
        211.4,
        249.0,
        "And the key question for the whole course: can we solve Ax equals b for every "
        "right-hand side b? In the column picture, that asks whether the combinations of the columns fill "
        "the whole space.",
    ),
    (
        249.0,
        280.3,
        "Finally, how to multiply a matrix by a vector: either take dot products with the rows, "
        "or, the way I prefer, take a combination of the columns.",
    ),
]


def _segments(rows):
    return [{"start": start, "end": end, "text": text} for start, end, text in rows]


TUTOR = TUTOR_PROMPT_NAME

SYLLABI = {
    ("NIT", "MATH101"): [
        {
            "type": "unit",
            "title": "Unit 1: The Derivative",
            "description": "Slopes, rates of change and the rules that make derivatives easy to compute.",
            "children": [
                {
                    "type": "chapter",
                    "title": "Chapter 1: Slopes and Rates of Change",
                    "children": [
                        {
                            "type": "lesson",
                            "title": "Lesson 1.1: Tangent lines and the derivative",
                            "items": [
                                {
                                    "type": "text",
                                    "title": "What is a derivative?",
                                    "duration": 900,
                                    "prompt": TUTOR,
                                    "objectives": [
                                        "Describe the derivative as the slope of a tangent line",
                                        "Compute a derivative from the limit of a difference quotient",
                                    ],
                                    "data": {
                                        "layout": "rich_text_v1",
                                        "title": "What is a derivative?",
                                        "blocks": [
                                            {
                                                "type": "paragraph",
                                                "text": "A straight line has the same slope everywhere, but a curve "
                                                "does not: the parabola $y = x^2$ is flat at the origin and grows "
                                                "steeper as $x$ increases. The derivative tells us the slope of a "
                                                "curve at one point.",
                                            },
                                            {
                                                "type": "paragraph",
                                                "text": "Take a point $P = (x_0, f(x_0))$ and a nearby point "
                                                "$Q = (x_0 + \\Delta x, f(x_0 + \\Delta x))$. The secant line "
                                                "through $P$ and $Q$ has slope $\\Delta f / \\Delta x$. As $Q$ "
                                                "slides towards $P$, the secant lines approach the tangent line, "
                                                "and their slopes approach the derivative:",
                                            },
                                            {
                                                "type": "math",
                                                "latex": "f'(x_0) = \\lim_{\\Delta x \\to 0} "
                                                "\\frac{f(x_0 + \\Delta x) - f(x_0)}{\\Delta x}",
                                            },
                                            {
                                                "type": "paragraph",
                                                "text": "For $f(x) = x^2$ the difference quotient is "
                                                "$\\frac{(x_0 + \\Delta x)^2 - x_0^2}{\\Delta x} = 2x_0 + \\Delta x$, "
                                                "which tends to $2x_0$. At $x_0 = 1$ the slope is 2, and the "
                                                "tangent line is $y = 2x - 1$.",
                                            },
                                            {
                                                "type": "image",
                                                "asset_id": "@asset:tangent-line",
                                                "caption": "The tangent line to $y = x^2$ at $(1, 1)$.",
                                                "alt_text": "Parabola y = x squared with the tangent line y = 2x − 1 "
                                                "touching it at (1, 1).",
                                            },
                                            {
                                                "type": "link_list",
                                                "items": [
                                                    {
                                                        "label": "MIT OCW 18.01 — Single Variable Calculus",
                                                        "url": "https://ocw.mit.edu/courses/18-01sc-single-variable-calculus-fall-2010/",
                                                    },
                                                    {
                                                        "label": "OpenStax Calculus Volume 1, §3.1 Defining the Derivative",
                                                        "url": "https://openstax.org/books/calculus-volume-1/pages/3-1-defining-the-derivative",
                                                    },
                                                ],
                                            },
                                        ],
                                    },
                                },
                                {
                                    "type": "video",
                                    "title": "Lecture: derivatives, slope, velocity, rate of change",
                                    "duration": 3060,
                                    "objectives": ["Interpret the derivative geometrically and physically"],
                                    "data": {
                                        "provider": "youtube",
                                        "video_id": "7K1sB05pE0A",
                                        "url": "https://www.youtube.com/watch?v=7K1sB05pE0A",
                                        "duration_seconds": 3060,
                                        "thumbnail_url": "https://i.ytimg.com/vi/7K1sB05pE0A/hqdefault.jpg",
                                        "transcript": {
                                            "language": "en",
                                            "segments": _segments(_CALCULUS_VIDEO_TRANSCRIPT),
                                        },
                                    },
                                },
                            ],
                        },
                        {
                            "type": "lesson",
                            "title": "Lesson 1.2: Differentiation rules",
                            "items": [
                                {
                                    "type": "text",
                                    "title": "The power, product and chain rules",
                                    "duration": 1200,
                                    "prompt": TUTOR,
                                    "objectives": ["Differentiate polynomials, products and compositions"],
                                    "data": {
                                        "layout": "rich_text_v1",
                                        "title": "The power, product and chain rules",
                                        "blocks": [
                                            {
                                                "type": "paragraph",
                                                "text": "Computing every derivative from the limit definition would "
                                                "be slow. A handful of rules, each proved once from the "
                                                "definition, handle every function built from powers, sums, "
                                                "products and compositions.",
                                            },
                                            {"type": "math", "latex": "\\frac{d}{dx} x^n = n x^{n-1}"},
                                            {"type": "math", "latex": "(uv)' = u'v + uv'"},
                                            {"type": "math", "latex": "\\frac{d}{dx} f(g(x)) = f'(g(x))\\, g'(x)"},
                                            {
                                                "type": "paragraph",
                                                "text": "Example: $\\frac{d}{dx} \\sin(x^2) = \\cos(x^2) \\cdot 2x$, "
                                                "by the chain rule with outer function $\\sin$ and inner "
                                                "function $x^2$.",
                                            },
                                        ],
                                    },
                                },
                                {
                                    "type": "resource",
                                    "title": "Further reading on derivatives",
                                    "duration": 1800,
                                    "data": {
                                        "resources": [
                                            {
                                                "label": "OpenStax Calculus Volume 1 (PDF)",
                                                "url": "https://openstax.org/details/books/calculus-volume-1",
                                                "kind": "pdf",
                                            },
                                            {
                                                "label": "Paul's Online Notes: Differentiation Formulas",
                                                "url": "https://tutorial.math.lamar.edu/Classes/CalcI/DiffFormulas.aspx",
                                                "kind": "article",
                                            },
                                            {
                                                "label": "3Blue1Brown: The essence of calculus",
                                                "url": "https://www.youtube.com/watch?v=WUvTyaaNkzM",
                                                "kind": "video",
                                            },
                                        ]
                                    },
                                },
                            ],
                        },
                    ],
                },
                {
                    "type": "chapter",
                    "title": "Chapter 2: Practice and Computation",
                    "children": [
                        {
                            "type": "lesson",
                            "title": "Lesson 2.1: Checkpoint quiz",
                            "items": [
                                {
                                    "type": "quiz",
                                    "title": "Derivatives checkpoint",
                                    "duration": 1200,
                                    "prompt": TUTOR,
                                    "objectives": ["Check your command of the derivative rules"],
                                    "data": {
                                        "question_pool_id": "@pool:" + DERIVATIVES_POOL,
                                        "quiz_mode": "practice",
                                        "num_questions_per_attempt": 5,
                                        "randomize_order": True,
                                        "time_limit_seconds": None,
                                        "mastery": {"points": 50, "threshold_correct_in_row": 3, "max_attempts": 5},
                                    },
                                },
                            ],
                        },
                        {
                            "type": "lesson",
                            "title": "Lesson 2.2: Numerical differentiation",
                            "items": [
                                {
                                    "type": "engineering_lab",
                                    "title": "Lab: finite differences in Python",
                                    "description": "Approximate derivatives with forward and central differences "
                                    "and measure how the error shrinks with the step size.",
                                    "duration": 5400,
                                    "objectives": ["Compare forward and central difference errors"],
                                    "data": {
                                        "lab_type": "code",
                                        "runtime": "python-datascience",
                                        "container_image": "registry.example.edu/labs/python-datascience:2026.1",
                                        "cpu_limit": "500m",
                                        "memory_limit": "1Gi",
                                        "timeout_seconds": 3600,
                                        "entrypoint": "pytest -q tests/",
                                        "env": {"MPLBACKEND": "Agg"},
                                        "files": [
                                            {
                                                "path": "finite_differences.py",
                                                "role": "student_visible",
                                                "content": lab_files.FINITE_DIFFERENCES_STARTER,
                                            },
                                            {
                                                "path": "README.md",
                                                "role": "read_only",
                                                "content": lab_files.FINITE_DIFFERENCES_README,
                                            },
                                            {
                                                "path": "tests/test_finite_differences.py",
                                                "role": "hidden_test",
                                                "content": lab_files.FINITE_DIFFERENCES_TESTS,
                                            },
                                            {
                                                "path": "solution/finite_differences.py",
                                                "role": "solution",
                                                "content": lab_files.FINITE_DIFFERENCES_SOLUTION,
                                            },
                                        ],
                                        "grading": {"type": "unit_tests", "max_points": 100},
                                        "pass_mark_percent": 50,
                                        "max_attempts": 5,
                                        "score_policy": "best",
                                    },
                                },
                            ],
                        },
                    ],
                },
            ],
        },
        {
            "type": "unit",
            "title": "Unit 2: The Definite Integral",
            "description": "Areas, accumulation and the fundamental theorem of calculus.",
            "children": [
                {
                    "type": "chapter",
                    "title": "Chapter 3: Area and Accumulation",
                    "children": [
                        {
                            "type": "lesson",
                            "title": "Lesson 3.1: Riemann sums",
                            "items": [
                                {
                                    "type": "text",
                                    "title": "From rectangles to integrals",
                                    "duration": 900,
                                    "prompt": TUTOR,
                                    "objectives": ["Approximate an area with a Riemann sum"],
                                    "data": {
                                        "layout": "rich_text_v1",
                                        "title": "From rectangles to integrals",
                                        "blocks": [
                                            {
                                                "type": "paragraph",
                                                "text": "To find the area under $y = f(x)$ between $a$ and $b$, cut "
                                                "$[a, b]$ into $n$ strips of width $\\Delta x = (b - a)/n$ and "
                                                "add the areas of rectangles whose heights are values of $f$.",
                                            },
                                            {
                                                "type": "math",
                                                "latex": "\\int_a^b f(x)\\,dx = \\lim_{n \\to \\infty} "
                                                "\\sum_{i=1}^{n} f(x_i)\\,\\Delta x",
                                            },
                                            {
                                                "type": "paragraph",
                                                "text": "The fundamental theorem of calculus turns this limit into "
                                                "a subtraction: if $F' = f$, then the integral equals "
                                                "$F(b) - F(a)$.",
                                            },
                                        ],
                                    },
                                },
                                {
                                    "type": "assignment",
                                    "title": "Problem set 1: derivatives and tangent lines",
                                    "duration": 10800,
                                    "objectives": ["Apply the derivative rules to tangent-line problems"],
                                    "data": {
                                        "instructions": [
                                            {
                                                "type": "paragraph",
                                                "text": "Solve the five problems below. Show every step; a bare "
                                                "answer earns no credit.",
                                            },
                                            {
                                                "type": "paragraph",
                                                "text": "1. Find the tangent line to $y = 1/x$ at $x = 2$.\n"
                                                "2. Differentiate $x^2 \\sin x$.\n"
                                                "3. Differentiate $e^{3x^2}$.\n"
                                                "4. A balloon's radius grows at 2 cm/s; how fast does its volume "
                                                "grow when $r = 10$ cm?\n"
                                                "5. Where is $x^3 - 3x$ increasing?",
                                            },
                                            {"type": "math", "latex": "V(r) = \\tfrac{4}{3}\\pi r^3"},
                                        ],
                                        # the current offering started 30 days ago and runs 60 more: due in
                                        # its second half, so a demo student can still hand it in on time
                                        "due_offset_days": 45,
                                        "max_points": 50,
                                        "submission_types": ["file_upload", "text_entry"],
                                        "allowed_file_types": [".pdf", ".png", ".jpg"],
                                        "late_policy": {
                                            "accept_late": True,
                                            "penalty_percent_per_day": 10,
                                            "max_late_days": 3,
                                            "floor_percent": 50,
                                            "missing_score_percent": 0,
                                        },
                                        "allow_resubmission": True,
                                        "grade_posting": "manual",
                                        "rubric": {
                                            "criteria": [
                                                {
                                                    "title": "Working shown",
                                                    "levels": [
                                                        {"title": "Missing", "points": 0},
                                                        {"title": "Partial", "points": 10},
                                                        {"title": "Complete", "points": 20},
                                                    ],
                                                },
                                                {
                                                    "title": "Correct answers",
                                                    "levels": [
                                                        {"title": "0–1 of 5", "points": 0},
                                                        {"title": "2–3 of 5", "points": 15},
                                                        {"title": "4–5 of 5", "points": 30},
                                                    ],
                                                },
                                            ]
                                        },
                                    },
                                },
                            ],
                        },
                    ],
                },
            ],
        },
    ],
    ("THR", "MATH110"): [
        {
            "type": "unit",
            "title": "Unit 1: Systems of Linear Equations",
            "description": "Three pictures of Ax = b and the elimination algorithm.",
            "children": [
                {
                    "type": "chapter",
                    "title": "Chapter 1: The Geometry of Linear Equations",
                    "children": [
                        {
                            "type": "lesson",
                            "title": "Lesson 1.1: Row and column pictures",
                            "items": [
                                {
                                    "type": "video",
                                    "title": "Lecture: the geometry of linear equations",
                                    "duration": 2370,
                                    "objectives": ["Read a linear system in the row and the column picture"],
                                    "data": {
                                        "provider": "youtube",
                                        "video_id": "ZK3O402wf1c",
                                        "url": "https://www.youtube.com/watch?v=ZK3O402wf1c",
                                        "duration_seconds": 2370,
                                        "thumbnail_url": "https://i.ytimg.com/vi/ZK3O402wf1c/hqdefault.jpg",
                                        "transcript": {
                                            "language": "en",
                                            "segments": _segments(_LINALG_VIDEO_TRANSCRIPT),
                                        },
                                    },
                                },
                                {
                                    "type": "text",
                                    "title": "Linear combinations of columns",
                                    "duration": 900,
                                    "prompt": TUTOR,
                                    "objectives": ["Write Ax as a combination of the columns of A"],
                                    "data": {
                                        "layout": "rich_text_v1",
                                        "title": "Linear combinations of columns",
                                        "blocks": [
                                            {
                                                "type": "paragraph",
                                                "text": "The system $2x - y = 0$, $-x + 2y = 3$ has two readings. "
                                                "Row by row, it is two lines in the plane that meet at "
                                                "$(1, 2)$. Column by column, it asks which combination of the "
                                                "columns of $A$ produces $b$.",
                                            },
                                            {
                                                "type": "math",
                                                "latex": "x \\begin{pmatrix} 2 \\\\ -1 \\end{pmatrix} + "
                                                "y \\begin{pmatrix} -1 \\\\ 2 \\end{pmatrix} = "
                                                "\\begin{pmatrix} 0 \\\\ 3 \\end{pmatrix}",
                                            },
                                            {
                                                "type": "paragraph",
                                                "text": "With $x = 1$ and $y = 2$ the combination lands on $b$. If "
                                                "the columns are independent, every $b$ in the plane can be "
                                                "reached this way, and $A$ is invertible.",
                                            },
                                            {
                                                "type": "link_list",
                                                "items": [
                                                    {
                                                        "label": "MIT OCW 18.06 — Linear Algebra",
                                                        "url": "https://ocw.mit.edu/courses/18-06-linear-algebra-spring-2010/",
                                                    },
                                                    {
                                                        "label": "Interactive Linear Algebra (Margalit & Rabinoff)",
                                                        "url": "https://textbooks.math.gatech.edu/ila/",
                                                    },
                                                ],
                                            },
                                        ],
                                    },
                                },
                            ],
                        },
                        {
                            "type": "lesson",
                            "title": "Lesson 1.2: Elimination",
                            "items": [
                                {
                                    "type": "text",
                                    "title": "Gaussian elimination step by step",
                                    "duration": 1200,
                                    "prompt": TUTOR,
                                    "objectives": ["Reduce a system to upper triangular form and back-substitute"],
                                    "data": {
                                        "layout": "rich_text_v1",
                                        "title": "Gaussian elimination step by step",
                                        "blocks": [
                                            {
                                                "type": "paragraph",
                                                "text": "Elimination subtracts multiples of one equation from the "
                                                "others until the system is upper triangular. The first non-zero "
                                                "entry used in each row is its pivot.",
                                            },
                                            {
                                                "type": "math",
                                                "latex": "\\ell_{21} = \\frac{a_{21}}{a_{11}}, \\qquad "
                                                "\\text{row}_2 \\leftarrow \\text{row}_2 - \\ell_{21}\\,\\text{row}_1",
                                            },
                                            {
                                                "type": "paragraph",
                                                "text": "If a pivot is zero, exchange rows. If no exchange helps, "
                                                "the matrix is singular and $Ax = b$ has either no solution or "
                                                "infinitely many.",
                                            },
                                        ],
                                    },
                                },
                            ],
                        },
                    ],
                },
                {
                    "type": "chapter",
                    "title": "Chapter 2: Matrix Operations",
                    "children": [
                        {
                            "type": "lesson",
                            "title": "Lesson 2.1: Matrix multiplication and inverses",
                            "items": [
                                {
                                    "type": "resource",
                                    "title": "Reading list: matrices",
                                    "duration": 2400,
                                    "data": {
                                        "resources": [
                                            {
                                                "label": "Strang, Introduction to Linear Algebra — sample chapter (PDF)",
                                                "url": "https://math.mit.edu/~gs/linearalgebra/ila5/linearalgebra5_1-3.pdf",
                                                "kind": "pdf",
                                            },
                                            {
                                                "label": "Matrix multiplication as composition",
                                                "url": "https://textbooks.math.gatech.edu/ila/matrix-multiplication.html",
                                                "kind": "article",
                                            },
                                            {
                                                "label": "MIT 18.06 Lecture 2: Elimination with matrices",
                                                "url": "https://www.youtube.com/watch?v=QVKj3LADCnA",
                                                "kind": "video",
                                            },
                                        ]
                                    },
                                },
                                {
                                    "type": "quiz",
                                    "title": "Linear systems quiz",
                                    "duration": 1500,
                                    "prompt": TUTOR,
                                    "objectives": ["Check elimination and the column picture"],
                                    "data": {
                                        "question_pool_id": "@pool:" + LINEAR_SYSTEMS_POOL,
                                        "quiz_mode": "exam",
                                        "num_questions_per_attempt": 6,
                                        "randomize_order": False,
                                        "time_limit_seconds": 1800,
                                        "mastery": {"points": 100, "threshold_correct_in_row": 4, "max_attempts": 2},
                                    },
                                },
                            ],
                        },
                    ],
                },
            ],
        },
        {
            "type": "unit",
            "title": "Unit 2: Computing with Matrices",
            "description": "Solving linear systems on a computer.",
            "children": [
                {
                    "type": "chapter",
                    "title": "Chapter 3: Numerical Linear Algebra",
                    "children": [
                        {
                            "type": "lesson",
                            "title": "Lesson 3.1: Solving Ax = b with NumPy",
                            "items": [
                                {
                                    "type": "engineering_lab",
                                    "title": "Lab: LU factorisation with NumPy",
                                    "description": "Implement Doolittle LU without pivoting, compare it with "
                                    "scipy.linalg.lu_factor and measure residuals.",
                                    "duration": 7200,
                                    "objectives": ["Implement LU factorisation and check residuals"],
                                    "data": {
                                        "lab_type": "code",
                                        "runtime": "python-datascience",
                                        "container_image": "registry.example.edu/labs/python-datascience:2026.1",
                                        "cpu_limit": "1",
                                        "memory_limit": "2Gi",
                                        "timeout_seconds": 5400,
                                        "entrypoint": "pytest -q tests/",
                                        "files": [
                                            {
                                                "path": "lu.py",
                                                "role": "student_visible",
                                                "content": lab_files.LU_STARTER,
                                            },
                                            {
                                                "path": "tests/test_lu.py",
                                                "role": "hidden_test",
                                                "content": lab_files.LU_TESTS,
                                            },
                                            {
                                                "path": "solution/lu.py",
                                                "role": "solution",
                                                "content": lab_files.LU_SOLUTION,
                                            },
                                        ],
                                        "grading": {"type": "unit_tests", "max_points": 40},
                                    },
                                },
                                {
                                    "type": "assignment",
                                    "title": "Report: conditioning and residuals",
                                    "duration": 14400,
                                    "objectives": ["Explain why a small residual need not mean a small error"],
                                    "data": {
                                        "instructions": [
                                            {
                                                "type": "paragraph",
                                                "text": "Using your LU code, solve $H_n x = b$ for Hilbert matrices "
                                                "of size 4 to 12 with $b = H_n \\mathbf{1}$. Plot the error and "
                                                "the residual against $n$ and explain the difference in at most "
                                                "two pages.",
                                            },
                                            {"type": "math", "latex": "(H_n)_{ij} = \\frac{1}{i + j - 1}"},
                                        ],
                                        "due_offset_days": 50,  # open in the current offering (see MATH101)
                                        "max_points": 60,
                                        "submission_types": ["file_upload"],
                                        "allowed_file_types": [".pdf"],
                                        "late_policy": {"accept_late": False},
                                    },
                                },
                            ],
                        },
                    ],
                },
            ],
        },
    ],
}
