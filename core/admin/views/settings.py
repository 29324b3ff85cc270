"""/admin/settings: the pod's name, description, registrations and statistics, applied at once."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ...settings import REGISTRATION_MODES, SettingError
from .. import site

# The fields of the form, in their order; each is one of site.LIVE_SETTINGS.
FIELDS = ("pod.name", "pod.description", "settings.registrations", "pod.hide_statistics")
CHECKBOXES = ("pod.hide_statistics",)
# Plugins whose settings pages the form links to.
PLUGIN_PAGES = (("terms", "Terms of service"), ("landing_page", "Landing page"))

MODE_LABELS = {
    "open": "Open: anyone can sign up",
    "approval": "Approval required: an admin approves each sign-up",
    "closed": "Closed: only people with an invite link",
}


def settings_page(request, **values):
    pod = request.registry.pod
    shown = {name: pod.settings[name] for name in FIELDS}
    shown.update(values.pop("shown", {}))
    page = {"page_title": "Pod settings", "shown": shown, "fixed": {name: site.fixed_by(pod, name) for name in FIELDS},
            "modes": [(mode, MODE_LABELS[mode]) for mode in REGISTRATION_MODES], "error": None,
            "limits": site.LENGTHS,
            "plugins": [(name, label, name in pod.enabled_plugins,
                         request.route_url("admin_plugin", name=name)) for name, label in PLUGIN_PAGES]}
    page.update(values)
    return page


@view_config(route_name="admin_settings", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/settings.pt")
def settings_form(request):
    return settings_page(request)


@view_config(route_name="admin_settings", request_method="POST", permission="administer",
             renderer="core:templates/admin/settings.pt")
def save_settings(request):
    pod = request.registry.pod
    submitted: dict[str, str] = {}
    for name in FIELDS:
        if site.fixed_by(pod, name) is not None:
            continue  # shown read-only; the environment decides
        if name in CHECKBOXES:
            submitted[name] = "true" if request.POST.get(name) else "false"
        else:
            submitted[name] = request.POST.get(name, "")
    try:
        # Only what differs from the running value is stored, so the ini file still decides the rest.
        changed = {name: text for name, text in submitted.items() if site.check(pod, name, text) != pod.settings[name]}
        site.save(request.dbsession, pod, changed)
    except SettingError as exc:
        request.response.status = 422
        shown = {name: text.replace("\x00", "") for name, text in submitted.items() if name not in CHECKBOXES}
        return settings_page(request, error=f"Nothing was saved: {exc}.", shown=shown)
    if changed:
        request.session.flash("Saved. The new settings apply now.")
    else:
        request.session.flash("Nothing changed.")
    return HTTPSeeOther(location=request.route_url("admin_settings"))
