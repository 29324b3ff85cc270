"""The schemas the archive tests judge by are diaspora*'s own, byte for byte."""
from __future__ import annotations

import hashlib
import json

from tests.portability.export_content import ARCHIVE_SCHEMA, ARCHIVE_SHA256, ENTITIES_SCHEMA, ENTITIES_SHA256


def test_the_archive_schema_is_diasporas():
    assert hashlib.sha256(ARCHIVE_SCHEMA.read_bytes()).hexdigest() == ARCHIVE_SHA256
    assert json.loads(ARCHIVE_SCHEMA.read_text())["id"] == "https://diaspora.github.io/diaspora/schemas/archive_format.json"


def test_the_entity_schema_it_refers_to_is_diaspora_federations():
    assert hashlib.sha256(ENTITIES_SCHEMA.read_bytes()).hexdigest() == ENTITIES_SHA256
    assert json.loads(ENTITIES_SCHEMA.read_text())["id"] == (
        "https://diaspora.github.io/diaspora_federation/schemas/federation_entities.json")
