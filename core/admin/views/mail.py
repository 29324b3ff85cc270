"""/admin/mail: write an admin mail to a group of accounts and follow the mailings' progress."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..jobs import send_mailing_batch
from ..mailings import AUDIENCES, MailingError, MailingService, audience_label


def service(request) -> MailingService:
    return MailingService(request.dbsession, request.registry.pod)


def mail_page(request, **values) -> dict:
    sizes = service(request).audience_sizes()
    return {"page_title": "Admin mail",
            "audiences": [(name, f"{label} ({sizes[name]})") for name, (_, label) in AUDIENCES.items()],
            "mailings": service(request).recent(), "audience_label": audience_label, "error": None,
            "field": None, "values": {}, **values}


@view_config(route_name="admin_mail", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/mail.pt")
def mail(request):
    return mail_page(request)


@view_config(route_name="admin_mail", request_method="POST", permission="administer",
             renderer="core:templates/admin/mail.pt")
def send(request):
    form = request.POST
    values = {"audience": form.get("audience", ""), "subject": form.get("subject", ""),
              "body": form.get("body", ""), "is_html": bool(form.get("is_html"))}
    try:
        mailing = service(request).create(values["audience"], values["subject"], values["body"], values["is_html"],
                                          created_by_id=request.user.id)
    except MailingError as exc:
        request.response.status = 400
        return mail_page(request, error=exc.message, field=exc.field, values=values)
    request.enqueue(send_mailing_batch, mailing.id, 0)
    request.session.flash(f"Mailing “{mailing.subject}” to {mailing.total} "
                          f"recipient{'' if mailing.total == 1 else 's'} is on its way.")
    return HTTPSeeOther(location=request.route_url("admin_mailing", mailing_id=mailing.id))


@view_config(route_name="admin_mailing", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/mailing.pt")
def mailing(request):
    raw = request.matchdict["mailing_id"]
    found = service(request).get(int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if found is None:
        raise HTTPNotFound("No such mailing.")
    return {"page_title": f"Admin mail: {found.subject}", "mailing": found,
            "audience": audience_label(found.audience)}
