"""Users owning their data: exporting an account as a diaspora* archive, and importing one
into a new account here, which moves the old identity over (account_migration)."""


def includeme(config):
    # Export: ask for one, watch its progress, download the archive and the photos.
    config.add_route("export", "/user/export")
    config.add_route("export_archive", "/user/export/{export_id}/archive")
    config.add_route("export_photos", "/user/export/{export_id}/photos")
    # Import: upload an archive into this (new) account and watch it being applied.
    config.add_route("import", "/user/import")
    config.scan(".views")
