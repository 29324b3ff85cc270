"""The photo pipeline: check an upload, re-encode it without metadata, store its sizes.

Files live under ``data_dir``/uploads/images as ``<size>_<token>.<ext>`` beside the
re-encoded original ``<token>.<ext>`` (``Photo.file_name``, the protocol's remote_photo_name).
They are written before the transaction commits; ``core.posts.jobs`` removes the files of
uploads that were rolled back or never posted.
"""
from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from ..accounts.keys import new_guid
from .models import Photo, Post

ALT_TEXT_MAX = 1000
NOT_AN_IMAGE = "That file is not an image we can read (JPEG, PNG, GIF or WebP)"

# Pillow's format name -> the extension and content type the file is stored and served with.
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"),
           "GIF": ("gif", "image/gif"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {ext: content_type for ext, content_type in FORMATS.values()}

# diaspora*'s sizes: (width, height) limits; thumb_small is cropped to fill, the others fit.
SIZES = {
    "thumb_small": (50, 50),
    "thumb_medium": (100, 100),
    "thumb_large": (300, 1500),
    "scaled_full": (700, 1_000_000),
}

# A stored file name: an optional size prefix, a url-safe token and a known extension.
FILE_NAME_RE = re.compile(r"^(?:(%s)_)?([A-Za-z0-9]{16,64}\.(?:jpg|png|gif|webp))$" % "|".join(SIZES))


class PhotoError(ValueError):
    """An upload we refuse; ``message`` says why, for the uploader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def uploads_dir(pod) -> Path:
    path = Path(pod.data_dir) / "uploads" / "images"
    path.mkdir(parents=True, exist_ok=True)
    return path


def split_file_name(name: str) -> tuple[str | None, str] | None:
    """``(size or None, Photo.file_name)`` of a served file name, None for anything else
    (path separators, dots, unknown sizes or extensions never match)."""
    match = FILE_NAME_RE.match(name or "")
    return (match.group(1), match.group(2)) if match else None


def file_names(photo: Photo) -> list[str]:
    return [photo.file_name] + [f"{size}_{photo.file_name}" for size in SIZES]


def photo_url(request, photo: Photo, size: str | None = "scaled_full") -> str:
    """The URL of one size of ``photo`` (``size=None``: the re-encoded original). Local photos
    are addressed from the pod's public URL, as the protocol's remote_photo_path + name."""
    name = f"{size}_{photo.file_name}" if size else photo.file_name
    if photo.remote_photo_path:
        return photo.remote_photo_path + name
    return remote_photo_path(request.registry.pod) + name


def remote_photo_path(pod) -> str:
    """What other pods prefix a local photo's file names with (PROTOCOL.md §9.13)."""
    return pod.url + "/uploads/images/"


def photo_urls(request, photo: Photo) -> dict[str, str]:
    return {size: photo_url(request, photo, size) for size in SIZES}


def _decode(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    """The first frame of ``data`` decoded, and its format; refuses oversized images from the
    header, before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise PhotoError(NOT_AN_IMAGE)
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoError(f"That image is too large: at most {max_pixels / 1e6:g} million pixels, "
                                 f"this one has {width} x {height}.")
            # GIFs keep their first frame only: every frame would multiply the decoding work
            # (and the memory) by a count the file header does not promise.
            image.seek(0)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"That image is too large: at most {max_pixels / 1e6:g} million pixels.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, PhotoError):
            raise
        raise PhotoError(NOT_AN_IMAGE) from None
    return image, image.format


def _normalized(image: Image.Image, fmt: str) -> Image.Image:
    """The upright image in a mode its format can store and Pillow can resize smoothly,
    with no metadata left to copy (EXIF, XMP, ICC, text chunks)."""
    upright = ImageOps.exif_transpose(image)
    if fmt == "JPEG":
        clean = upright.convert("L" if upright.mode in ("1", "L") else "RGB")
    elif upright.mode in ("RGB", "RGBA", "L", "LA"):
        clean = upright.copy()
    else:
        transparent = "A" in upright.getbands() or "transparency" in upright.info
        clean = upright.convert("RGBA" if transparent else "RGB")
    clean.info = {}
    clean.getexif().clear()
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85},
               "PNG": {"optimize": True}, "GIF": {}}[fmt]
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _resized(image: Image.Image, size: str) -> Image.Image:
    box = SIZES[size]
    if size == "thumb_small":
        return ImageOps.fit(image, box, Image.Resampling.LANCZOS)
    copy = image.copy()
    copy.thumbnail(box, Image.Resampling.LANCZOS)  # only ever shrinks
    return copy


@dataclass
class PhotoService:
    dbsession: Session
    pod: object

    def upload(self, user, data: bytes, alt_text: str = "", pending: bool = True) -> Photo:
        """A photo of ``user.person`` from the uploaded bytes, its files written. Pending: waiting
        for a post; else a photo of its own, which only its author sees (until made an avatar)."""
        alt_text = (alt_text or "").strip()
        if len(alt_text) > ALT_TEXT_MAX:
            raise PhotoError(f"Alt text is at most {ALT_TEXT_MAX} characters long.")
        max_bytes = self.pod.settings["photos.max_bytes"]
        if len(data) > max_bytes:
            raise PhotoError(f"That file is too large: photos are at most {max_bytes / 2**20:g} MB.")
        if not data:
            raise PhotoError(NOT_AN_IMAGE)
        image, fmt = _decode(data, self.pod.settings["photos.max_pixels"])
        clean = _normalized(image, fmt)
        ext = FORMATS[fmt][0]
        token = secrets.token_hex(16)
        file_name = f"{token}.{ext}"
        folder = uploads_dir(self.pod)
        (folder / file_name).write_bytes(_encode(clean, fmt))
        for size in SIZES:
            (folder / f"{size}_{file_name}").write_bytes(_encode(_resized(clean, size), fmt))
        photo = Photo(guid=new_guid(), author_id=user.person.id, pending=pending, public=False, text=alt_text,
                      file_name=file_name, width=clean.width, height=clean.height)
        self.dbsession.add(photo)
        self.dbsession.flush()
        return photo

    def pending_of(self, user, guids) -> list[Photo]:
        """The pending photos of ``user`` named by ``guids`` (for the composer); any other guid
        is refused, so nobody attaches someone else's photo."""
        guids = [g for g in dict.fromkeys(guids or []) if g]
        if not guids:
            return []
        photos = list(self.dbsession.scalars(sa.select(Photo).where(
            Photo.guid.in_(guids), Photo.author_id == user.person.id, Photo.pending.is_(True)).order_by(Photo.id)))
        if len(photos) != len(guids):
            raise PhotoError("One of those photos is gone; upload it again.")
        return photos

    def attach(self, photos, post: Post) -> None:
        """The photos join ``post`` and take its visibility."""
        for photo in photos:
            photo.post_id = post.id
            photo.pending = False
            photo.public = post.public
        self.dbsession.flush()

    def delete(self, photo: Photo) -> None:
        """Remove the row, and its files once that commits (a rollback keeps both)."""
        names = file_names(photo) if not photo.remote_photo_path else []
        self.dbsession.delete(photo)
        self.dbsession.flush()
        pod = self.pod
        sa.event.listen(self.dbsession, "after_commit", lambda session: remove_files(pod, names), once=True)


def is_public_photo(photo: Photo) -> bool:
    """Whether everyone may see ``photo``: its post is public, or it stands alone, public (an avatar)."""
    if photo.post_id is not None:
        return photo.post is not None and photo.post.public
    return photo.public and not photo.pending


def public_photos() -> sa.ColumnElement[bool]:
    """``is_public_photo`` as a WHERE clause over ``Photo``."""
    in_public_post = sa.select(Post.id).where(Post.id == Photo.post_id, Post.public.is_(True)).exists()
    return sa.or_(sa.and_(Photo.post_id.is_not(None), in_public_post),
                  sa.and_(Photo.post_id.is_(None), Photo.public.is_(True), Photo.pending.is_(False)))


def own_photos_query(user, public_only: bool = False) -> sa.Select:
    """Every photo ``user`` uploaded (pending ones too), or only those everyone may see."""
    query = sa.select(Photo).where(Photo.author_id == user.person.id)
    return query.where(public_photos()) if public_only else query


def own_photo(dbsession: Session, user, guid: str) -> Photo | None:
    return dbsession.scalar(sa.select(Photo).where(Photo.guid == guid, Photo.author_id == user.person.id))


def remove_files(pod, names) -> None:
    folder = uploads_dir(pod)
    for name in names:
        (folder / name).unlink(missing_ok=True)


def attach(dbsession: Session, photos, post: Post) -> None:
    """Module-level shortcut of ``PhotoService.attach`` for callers without a pod at hand."""
    PhotoService(dbsession, None).attach(photos, post)
