"""The landing page: what ruqi is, how an enterprise checks a visitor's code, where the schedules are."""
