"""Health: can the service reach its database and Redis?"""
