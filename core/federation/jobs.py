"""Federation's jobs: processing inbox items, delivering, sweeping, checking pods."""


# Delivery
# Thin: the work is in core.federation.delivery. State lives in the deliveries and pods rows,
# so a job that dies is simply run again by the sweep; dramatiq retries add nothing.

from ..jobs import Periodic, job  # noqa: E402
from . import delivery  # noqa: E402


@job(max_retries=0)
def deliver_to_pod(ctx, pod_id):
    """Send the due deliveries of one pod, in creation order."""
    delivery.send_pod(ctx, int(pod_id))


@job(max_retries=0)
def sweep_deliveries(ctx):
    """Free deliveries held by dead workers and wake every pod with due deliveries."""
    delivery.sweep(ctx)


@job(max_retries=0)
def check_down_pods(ctx):
    """Probe pods marked down; those that answer get what they missed."""
    delivery.check_pods(ctx)


PERIODIC = [*globals().get("PERIODIC", []),
            Periodic(sweep_deliveries, every=60), Periodic(check_down_pods, every=300)]


# Inbox
# Thin: the work is in core.federation.inbox. An item's state lives in its row; a worker that
# dies leaves it pending and the sweep sends it again.

from . import inbox  # noqa: E402


@job(max_retries=0)
def process_inbox_item(ctx, item_id):
    """Open, verify, authorize and apply one received payload (or reject it, with the reason)."""
    inbox.process(ctx, int(item_id))


@job(max_retries=0)
def sweep_inbox(ctx):
    """Send again the pending inbox items that are due: retries, and items a dead worker held."""
    for item_id in inbox.due_items(ctx.dbsession):
        ctx.enqueue(process_inbox_item, item_id)


PERIODIC = [*globals().get("PERIODIC", []), Periodic(sweep_inbox, every=60)]
