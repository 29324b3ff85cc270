"""Jobs that build exports and apply imports, a step at a time."""

from ..jobs import Periodic, job

# --- export ------------------------------------------------------------------------------------


@job(max_retries=3, time_limit=3600)
def build_export(ctx, export_id):
    """Build one export (core.portability.export); a finished or failed one is left alone."""
    from .export import ExportService

    ExportService(ctx.dbsession, ctx.pod).build(ctx, export_id)


@job()
def sweep_exports(ctx):
    """Delete exports past their week, fail those whose worker died, resend lost ones."""
    from .export import ExportService

    _, lost = ExportService(ctx.dbsession, ctx.pod).sweep()
    for export_id in lost:
        ctx.enqueue(build_export, export_id)




# --- import ------------------------------------------------------------------------------------


@job(max_retries=3)
def apply_import(ctx, import_id):
    """One step of an import (core.portability.importing); sends itself again for the next."""
    from .importing import run_step

    if run_step(ctx.dbsession, ctx.pod, import_id, ctx.enqueue):
        ctx.enqueue(apply_import, import_id)


@job()
def sweep_imports(ctx):
    """Send again the imports whose job was lost; each step can run twice."""
    from .importing import lost_imports

    for import_id in lost_imports(ctx.dbsession):
        ctx.enqueue(apply_import, import_id)


PERIODIC = [Periodic(sweep_exports, every=3600), Periodic(sweep_imports, every=600)]
