"""Federation's jobs: processing inbox items, delivering, sweeping, checking pods.

Thin on purpose: the work is in :mod:`core.federation.inbox` and :mod:`core.federation.sending`.
State lives in the inbox_items, deliveries and pods rows, so a job that dies is simply run
again by a sweep; dramatiq's own retries would add nothing.
"""
from ..jobs import Periodic, job
from . import inbox, sending


# Inbox

@job(max_retries=0)
def process_inbox_item(ctx, item_id):
    """Open, verify, authorize and apply one received payload (or reject it, with the reason)."""
    inbox.process(ctx, int(item_id))


@job(max_retries=0)
def sweep_inbox(ctx):
    """Send again the pending inbox items that are due: retries, and items a dead worker held."""
    for item_id in inbox.due_items(ctx.dbsession):
        ctx.enqueue(process_inbox_item, item_id)


# Delivery

@job(max_retries=0)
def deliver_to_pod(ctx, pod_id):
    """Send the due deliveries of one pod, in creation order."""
    sending.send_pod(ctx, int(pod_id))


@job(max_retries=0)
def sweep_deliveries(ctx):
    """Free deliveries held by dead workers and wake every pod with due deliveries."""
    sending.sweep(ctx)


@job(max_retries=0)
def check_down_pods(ctx):
    """Probe pods marked down; those that answer get what they missed."""
    sending.check_pods(ctx)


PERIODIC = [
    Periodic(sweep_inbox, every=60),
    Periodic(sweep_deliveries, every=60),
    Periodic(check_down_pods, every=300),
]
