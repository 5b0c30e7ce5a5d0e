"""Notifications: the lowest learning sub-area. One table and one service (``services.notify``) for every
event a user would want to hear about; in the app (the bell, the list page) and by e-mail (immediately or a
daily digest, per ``users.notification_email``), sent from the task queue after the event's transaction
commits. It imports no other learning sub-area: the others call it."""
