"""Writes of the vendors app, one module per concern:

- shops: open a shop, profile, holiday mode, bank account, legal data and documents, attribution
- members: staff and owner invitations, members
- verification: the status transition service, submission and the moderators' decisions
- communities: assisted onboarding by mentors
"""
