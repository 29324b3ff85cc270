"""What a person does on a pod's pages, over HTTP: shared by the federation tests."""
from __future__ import annotations

import io
import re

from PIL import Image
from webtest import Upload


# --- reading pages ----------------------------------------------------------------------

def posts_on(browser, path: str) -> dict[str, str]:
    """guid -> text of each post card on the page."""
    page = browser.get(path)
    return {card["data-guid"]: " ".join(card.text.split()) for card in page.html.select('[data-testid="post"]')}


def text_of(browser, path: str, status: int | str = 200) -> str:
    page = browser.get(path, status=status)
    main = page.html.find("main") or page.html
    return " ".join(main.text.split())


def status_of(browser, path: str) -> int:
    return browser.get(path, status="*").status_int


def notifications(browser) -> str:
    return text_of(browser, "/notifications")


# --- doing things -----------------------------------------------------------------------

def form_posting_to(page, ending: str):
    for form in page.forms.values():
        if (form.action or "").rstrip("/").endswith(ending):
            return form
    raise AssertionError(f"no form posting to …{ending} on {page.request.url}: "
                         f"{[f.action for f in page.forms.values()]}")


def search_result_link(browser, query: str) -> str | None:
    """The person page linked from the first search result for ``query``, if any."""
    page = browser.get("/search", {"q": query})
    for result in page.html.select('[data-testid="person-result"]'):
        if query in result.text:
            link = result.find("a", href=re.compile(r"/people/"))
            if link is not None:
                return link["href"]
    return None


def put_in_aspect(browser, person_path: str, aspect_name: str) -> None:
    page = browser.get(person_path)
    form = form_posting_to(page, "/aspects")
    labels = {box["value"]: " ".join(box.parent.text.split()) for box in
              page.html.select('[data-testid="aspect-membership"] input[name="aspect_ids"]')}
    for field in form.fields["aspect_ids"]:
        field.checked = labels.get(field._value) == aspect_name
    assert any(f.checked for f in form.fields["aspect_ids"]), f"no aspect called {aspect_name!r}: {labels}"
    assert form.submit(status="*").status_int == 303


def create_aspect(browser, name: str) -> None:
    page = browser.get("/contacts/aspects")
    form = form_posting_to(page, "/contacts/aspects/new")
    form["name"] = name
    assert form.submit(status="*").status_int == 303


def png(color=(200, 160, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="PNG")
    return out.getvalue()


def compose(browser, text: str, visibility: str, aspects=(), photo: bytes | None = None, alt: str = "") -> str:
    """Share a post through the composer; its guid from the author's pod."""
    page = browser.get("/status_messages")
    form = page.forms["composer-form"]
    form["text"] = text
    form["visibility"] = visibility
    names = {box["value"]: " ".join(box.parent.text.split()) for box in
             page.html.select('#composer-form input[name="aspect_ids"]')}
    for field in form.fields.get("aspect_ids", []):
        field.checked = names.get(field._value) in aspects
    if photo is not None:
        form.set("photo", Upload("garden.png", photo, "image/png"), index=0)
        form.set("photo_alt", alt, index=0)
    response = form.submit(status="*")
    assert response.status_int == 303, response.text
    [(guid,)] = browser.pod.sql("SELECT guid FROM posts WHERE text = :t", t=text)
    return guid


def comment(browser, guid: str, text: str) -> None:
    form = browser.get(f"/posts/{guid}").forms["comment-form"]
    form["text"] = text
    assert form.submit(status="*").status_int == 303


def like(browser, guid: str) -> None:
    assert form_posting_to(browser.get(f"/posts/{guid}"), f"/posts/{guid}/like").submit(status="*").status_int == 303


def comments_on(browser, guid: str) -> list[str]:
    page = browser.get(f"/posts/{guid}")
    return [" ".join(c.text.split()) for c in page.html.select('[data-testid="comment"]')]


def likers_of(browser, guid: str) -> str:
    likers = browser.get(f"/posts/{guid}").html.select_one('[data-testid="likers"]')
    return " ".join(likers.text.split()) if likers else ""
