"""Running the pod from the browser: /admin for admins, its moderation parts for moderators.

Every admin page is listed here so the panel reads as one table of contents. Views are
in ``views/``, the logic in this package's modules (dashboard, users, site, queues,
moderation, mailings) and in the domain services they call.
"""

# Where each section of the panel lives; ``views`` and the nav macro use these names.
ADMIN_ROUTES = (
    # Dashboard (admins)
    ("admin_dashboard", "/admin"),
    ("admin_chart", "/admin/chart.svg"),
    # Users (admins)
    ("admin_users", "/admin/users"),
    ("admin_user", "/admin/users/{username}"),
    ("admin_user_lock", "/admin/users/{username}/lock"),
    ("admin_user_unlock", "/admin/users/{username}/unlock"),
    ("admin_user_close", "/admin/users/{username}/close"),
    ("admin_user_roles", "/admin/users/{username}/roles"),
    # Invites and sign-ups waiting for approval (admins)
    ("admin_invites", "/admin/invites"),
    ("admin_invite_revoke", "/admin/invites/{invite_id}/revoke"),
    ("admin_sign_ups", "/admin/sign_ups"),
    ("admin_sign_up_decide", "/admin/sign_ups/{request_id}/{decision}"),
    # Pod settings (admins)
    ("admin_settings", "/admin/settings"),
    # Background jobs (admins)
    ("admin_jobs", "/admin/jobs"),
    ("admin_jobs_failed", "/admin/jobs/{queue}/failed"),
    # Plugins (admins)
    ("admin_plugins", "/admin/plugins"),
    ("admin_plugin", "/admin/plugins/{name}"),
    ("admin_plugin_switch", "/admin/plugins/{name}/switch"),
    # Moderation (moderators and admins)
    ("admin_reports", "/admin/reports"),
    ("admin_report", "/admin/reports/{report_id}"),
    ("admin_report_action", "/admin/reports/{report_id}/{action}"),
    # Admin mail (admins)
    ("admin_mail", "/admin/mail"),
    ("admin_mailing", "/admin/mail/{mailing_id}"),
)


def includeme(config):
    for name, pattern in ADMIN_ROUTES:
        config.add_route(name, pattern)
    config.include(".site")
    config.scan(".views")
