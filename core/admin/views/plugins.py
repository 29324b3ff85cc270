"""/admin/plugins: installed plugins, switching them on and off, and their settings forms."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..plugins_page import RESTART, PluginPageError, find, plugin_views, save_settings, setting_fields, switch


def _plugin(request):
    name = request.matchdict["name"]
    if "\x00" in name or len(name) > 64:
        raise HTTPNotFound()
    view = find(request.dbsession, request.registry.pod, name)
    if view is None:
        raise HTTPNotFound()
    return view


@view_config(route_name="admin_plugins", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/plugins.pt")
def plugins_list(request):
    return {"page_title": "Plugins", "plugins": plugin_views(request.dbsession, request.registry.pod),
            "restart": RESTART, "error": None}


def plugin_page(request, view, fields=None, error=None, status=200):
    request.response.status = status
    if fields is None:
        fields = setting_fields(request.dbsession, request.registry.pod, view)
    return {"page_title": f"Plugin {view.name}", "plugin": view, "fields": fields, "restart": RESTART,
            "error": error}


@view_config(route_name="admin_plugin", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/plugin.pt")
def plugin(request):
    return plugin_page(request, _plugin(request))


@view_config(route_name="admin_plugin", request_method="POST", permission="administer",
             renderer="core:templates/admin/plugin.pt")
def plugin_settings(request):
    view = _plugin(request)
    pod = request.registry.pod
    fields = setting_fields(request.dbsession, pod, view)
    if not any(item.editable for item in fields):
        return plugin_page(request, view, fields, f"{view.name} has no settings that can be changed here.", 409)
    submitted = save_settings(request.dbsession, pod, fields, request.POST)
    if submitted.errors:
        for item in fields:
            if item.name in submitted.values and item.kind != "secret":
                item.text = submitted.values[item.name]
            item.error = submitted.errors.get(item.name)
        return plugin_page(request, view, fields,
                           submitted.errors.get("") or "Nothing was saved: correct the settings marked below.", 422)
    if not submitted.values:
        request.session.flash("Nothing was changed.")
    else:
        names = ", ".join(sorted(submitted.values))
        request.session.flash(f"Saved {names}. {RESTART}")
    return HTTPSeeOther(location=request.route_url("admin_plugin", name=view.name))


@view_config(route_name="admin_plugin_switch", request_method="POST", permission="administer",
             renderer="core:templates/admin/plugin.pt")
def plugin_switch(request):
    view = _plugin(request)
    wanted = request.POST.get("to", "")
    if wanted not in ("enable", "disable"):
        return plugin_page(request, view, error="Choose whether to enable or disable the plugin.", status=422)
    try:
        switch(request.dbsession, view.name, wanted == "enable")
    except PluginPageError as exc:
        return plugin_page(request, view, error=exc.message, status=exc.status)
    done = "enabled" if wanted == "enable" else "disabled"
    message = f"{view.name} is switched to {done}. {RESTART}"
    if wanted == "enable" and view.has_tables:
        message += " It has tables of its own: run `seedpod db upgrade` before restarting."
    request.session.flash(message)
    return HTTPSeeOther(location=request.route_url("admin_plugins"))
