from __future__ import annotations

import click

from .context import pass_pod, quiet_logging


@click.group()
def db():
    """Database migrations (alembic): core's branch and one per enabled plugin."""


@db.command()
@click.argument("target", default="heads")
@pass_pod
def upgrade(pod, target):
    """Apply migrations up to TARGET (default: every head of core and enabled plugins)."""
    from .. import migrations

    quiet_logging()
    before = migrations.current(pod)
    migrations.upgrade(pod, target)
    after = migrations.current(pod)
    click.echo("database is up to date" if before == after else f"database upgraded to {', '.join(sorted(after))}")


@db.command()
@click.argument("target")
@pass_pod
def downgrade(pod, target):
    """Undo migrations down to TARGET (a revision, `core@-1`, or `base`)."""
    from .. import migrations

    quiet_logging()
    migrations.downgrade(pod, target)
    click.echo(f"database downgraded; now at {', '.join(sorted(migrations.current(pod))) or 'base'}")


@db.command()
@pass_pod
def current(pod):
    """Show the revisions the database is at, and what is pending."""
    from .. import migrations

    for rev in sorted(migrations.current(pod)) or ["(empty database)"]:
        click.echo(rev)
    waiting = migrations.pending(pod)
    if waiting:
        click.echo(f"pending: {', '.join(sorted(waiting))} (run: seedpod db upgrade)")


@db.command()
@pass_pod
def history(pod):
    """List every migration of core and enabled plugins, newest first."""
    from alembic.script import ScriptDirectory

    from .. import migrations

    script = ScriptDirectory.from_config(migrations.alembic_config(pod))
    for rev in script.walk_revisions():
        branches = ",".join(sorted(rev.branch_labels)) if rev.branch_labels else ""
        click.echo(f"{rev.revision}  {('[' + branches + '] ') if branches else ''}{rev.doc}")


@db.command()
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--branch", default="core", show_default=True, help="core, or the plugin whose branch it extends.")
@click.option("--empty", is_flag=True, help="Write an empty migration instead of comparing models to the database.")
@pass_pod
def revision(pod, message, branch, empty):
    """Write a new migration on a branch, from the models (autogenerate)."""
    from alembic import command

    from .. import migrations

    config = migrations.alembic_config(pod)
    try:
        scripts = command.revision(config, message=message, autogenerate=not empty, head=f"{branch}@head")
    except Exception as exc:  # alembic's CommandError and resolution errors: show them plainly
        raise click.ClickException(str(exc)) from None
    for script in scripts if isinstance(scripts, list) else [scripts]:
        click.echo(f"wrote {script.path}")
