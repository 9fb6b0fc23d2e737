"""Limits of the directory's fields (company settings, vendors, people), shared by the forms and the services.

The services live in domain/company_settings.py, domain/vendors.py and domain/people.py. Only
company admins change any of it (domain/permissions.require_company_admin). Every service refuses a
bad value by raising `Invalid` (naming the form field) before writing anything, records each change
with `audit`, and commits. Users are never deleted, only deactivated: they appear in invites, claims
and the audit history.
"""

MAX_COMPANY_NAME = 200
MAX_ADDRESS = 500
MAX_TRADE = 120
MAX_PERSON_NAME = 120
MAX_EMAIL = 254
MAX_INVITE_MESSAGE = 2000
