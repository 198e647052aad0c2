"""JSON Schemas of the front matter and config files, for editors (validation, completion)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from ..content.model import AudiencesFile, FrontMatter, Organisation, PeopleFile, ServicesFile
from ..policy.config import PolicyFile

SCHEMAS: dict[str, type[BaseModel]] = {
    "message.schema.json": FrontMatter,
    "organisation.schema.json": Organisation,
    "services.schema.json": ServicesFile,
    "audiences.schema.json": AudiencesFile,
    "people.schema.json": PeopleFile,
    "policy.schema.json": PolicyFile,
}


def schema_for(model: type[BaseModel]) -> dict[str, object]:
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = directory / name
        path.write_text(json.dumps(schema_for(model), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
