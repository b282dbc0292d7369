"""Staff: login, tokens, dashboard, petition management, moderation, exports, batches
(views.py); the organisation, its members and coalitions, a petition's case, languages and
co-sponsors (hub_views.py); updates to signers and batches mailed to recipients
(updates.py).

Every route of this blueprint runs behind `auth.authenticate_staff_request`, registered
in views.py as the blueprint's first hook: it sets `g.staff_user` and `g.organisation` (or answers
401 / redirects to the login page), and `scoping.py` reaches data only through them.
"""
