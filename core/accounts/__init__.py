"""Local accounts: sign-up, sign-in, sessions, passwords, keys, roles."""


def includeme(config):
    config.add_route("sign_up", "/users/sign_up")
    config.add_route("sign_in", "/users/sign_in")
    config.add_route("sign_out", "/users/sign_out")
    config.add_route("password_new", "/users/password/new")
    config.add_route("password_edit", "/users/password/edit")
    config.add_route("account_settings", "/user/edit")
    config.add_route("account_email", "/user/email")
    config.add_route("account_confirm_email", "/user/confirm_email")
    config.add_route("account_password", "/user/password")
    config.add_route("account_sign_out_everywhere", "/user/sessions/revoke")
    # Closing one's own account, confirmed with the password.
    config.add_route("account_close", "/user/close")
    config.scan(".views")
    config.scan(".close_views")
