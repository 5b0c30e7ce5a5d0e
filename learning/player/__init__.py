"""Player: the course player (pages, outline overlay, content renderers and the progress endpoints),
the "My learning" dashboard and learners' asset files.

Sits above what it shows: it may import enrollment, progress, assessments and gradebook; none of them
imports the player.
"""
