"""The Prisma side of the WorkOnClock source: the data model and the migrations folder.

The data model comes from Prisma's own DMMF (prisma-schema-wasm's ``get_dmmf``, cached by
content, see ``nodetools``); migrations are listed and checksummed as Prisma's schema engine does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from woc_gate.errors import SourceError
from woc_gate.sources.nodetools import NodeTools, Runner

MIGRATION_SCRIPT = "migration.sql"


@dataclass(frozen=True)
class DefaultFunction:
    """A default Prisma or the database computes, e.g. ``cuid()``, ``now()``, ``autoincrement()``."""

    name: str
    args: tuple = ()


@dataclass(frozen=True)
class Field:
    """One field of a model; ``column`` is ``None`` for a relation field, which has no column."""

    name: str
    column: str | None
    kind: str
    type: str
    is_list: bool
    is_required: bool
    is_id: bool
    is_unique: bool
    has_default: bool
    default: Any
    is_updated_at: bool
    native_type: tuple | None
    relation_from_fields: tuple[str, ...]
    relation_to_fields: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    """One model and the table it is stored in."""

    name: str
    table: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's column names, in field order."""
        return tuple(field.column for field in self.fields if field.column is not None)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return _one(self.fields, name, lambda field: field.name, f"model {self.name} has no field")

    def field_for_column(self, column: str) -> Field:
        """The field stored in ``column``."""
        return _one(self.fields, column, lambda field: field.column, f"model {self.name} has no column")


@dataclass(frozen=True)
class Enum:
    """One enum; ``db_values`` are the values as stored (``@map`` applied)."""

    name: str
    values: tuple[str, ...]
    db_values: tuple[str, ...]


@dataclass(frozen=True)
class Index:
    """One index, unique constraint or primary key of a model (``type``: id, unique, normal, fulltext)."""

    model: str
    type: str
    fields: tuple[str, ...]
    name: str | None
    db_name: str | None


@dataclass(frozen=True)
class Datamodel:
    """The models, enums and indexes of one Prisma schema."""

    schema_path: Path
    models: tuple[Model, ...]
    enums: tuple[Enum, ...]
    indexes: tuple[Index, ...]

    @property
    def tables(self) -> tuple[str, ...]:
        """The table of every model."""
        return tuple(model.table for model in self.models)

    def model(self, name: str) -> Model:
        """The model called ``name``."""
        return _one(self.models, name, lambda model: model.name, f"{self.schema_path} has no model")

    def model_for_table(self, table: str) -> Model | None:
        """The model stored in ``table``, or ``None`` when no model is."""
        return next((model for model in self.models if model.table == table), None)

    def enum(self, name: str) -> Enum:
        """The enum called ``name``."""
        return _one(self.enums, name, lambda enum: enum.name, f"{self.schema_path} has no enum")

    def indexes_of(self, model_name: str) -> tuple[Index, ...]:
        """The indexes, unique constraints and primary key of the model ``model_name``."""
        return tuple(index for index in self.indexes if index.model == model_name)


@dataclass(frozen=True)
class Migration:
    """One folder of the migrations directory and the checksum of its ``migration.sql``."""

    name: str
    directory: Path
    sql_path: Path
    checksum: str

    def script(self) -> str:
        """The ``migration.sql`` as Prisma reads it: UTF-8, a byte that is not UTF-8 replaced by U+FFFD."""
        return prisma_text(self.sql_path.read_bytes())


def load_datamodel(schema_path: Path, *, cache_dir: Path | None = None, runner: Runner | None = None) -> Datamodel:
    """The data model of the Prisma schema file at ``schema_path``, from Prisma's DMMF."""
    schema_path = Path(schema_path).resolve()
    if not schema_path.is_file():
        raise SourceError(f"{schema_path} not found; point woc-gate at the schema.prisma of a WorkOnClock checkout")
    tools = NodeTools.configured(cache_dir, runner)
    dmmf = tools.call("dmmf.mjs", {"files": [str(schema_path)]}, root=schema_path.parent)
    return Datamodel(
        schema_path=schema_path,
        models=tuple(_model(model) for model in dmmf["models"]),
        enums=tuple(_enum(enum) for enum in dmmf["enums"]),
        indexes=tuple(_index(index) for index in dmmf["indexes"]),
    )


def list_migrations(migrations_dir: Path) -> list[Migration]:
    """The migrations in ``migrations_dir`` in Prisma's order (folder name); none if it is absent, as for Prisma."""
    migrations_dir = Path(migrations_dir)
    if not migrations_dir.is_dir():
        return []
    folders = sorted(
        (entry for entry in migrations_dir.iterdir() if entry.is_dir() and not entry.is_symlink()),
        key=lambda folder: folder.name,
    )
    return [_migration(folder) for folder in folders]


def prisma_text(data: bytes) -> str:
    """A migration script's bytes as Prisma's CLI reads them (Node's UTF-8 decoding: each bad sequence U+FFFD)."""
    return data.decode("utf-8", errors="replace")


def migration_checksum(data: bytes) -> str:
    """The checksum Prisma records for a ``migration.sql`` with these bytes: the SHA-256 of the text it reads, hex."""
    return _sha256(prisma_text(data))


def checksum_variants(data: bytes) -> tuple[str, ...]:
    """Every checksum Prisma accepts for these bytes: the text as it is, with CRLF as LF, with LF as CRLF."""
    text = prisma_text(data)
    variants = (text, text.replace("\r\n", "\n"), text.replace("\n", "\r\n"))
    return tuple(dict.fromkeys(_sha256(variant) for variant in variants))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _migration(folder: Path) -> Migration:
    sql_path = folder / MIGRATION_SCRIPT
    try:
        data = sql_path.read_bytes()
    except OSError as error:
        raise SourceError(
            f"{sql_path} cannot be read ({error.strerror}); every migration folder needs its {MIGRATION_SCRIPT}"
        ) from None
    return Migration(name=folder.name, directory=folder, sql_path=sql_path, checksum=migration_checksum(data))


def _model(model: dict) -> Model:
    fields = tuple(_field(field) for field in model["fields"])
    primary_key = model["primaryKey"]["fields"] if model["primaryKey"] else [f.name for f in fields if f.is_id]
    table = model["dbName"] or model["name"]
    return Model(name=model["name"], table=table, fields=fields, primary_key=tuple(primary_key))


def _field(field: dict) -> Field:
    return Field(
        name=field["name"],
        column=None if field["kind"] == "object" else field.get("dbName") or field["name"],
        kind=field["kind"],
        type=field["type"],
        is_list=field["isList"],
        is_required=field["isRequired"],
        is_id=field["isId"],
        is_unique=field["isUnique"],
        has_default=field["hasDefaultValue"],
        default=_default(field.get("default")),
        is_updated_at=field["isUpdatedAt"],
        native_type=_frozen(field["nativeType"]),
        relation_from_fields=tuple(field.get("relationFromFields", ())),
        relation_to_fields=tuple(field.get("relationToFields", ())),
    )


def _default(default: Any) -> Any:
    if isinstance(default, dict):
        return DefaultFunction(name=default["name"], args=_frozen(default["args"]))
    return _frozen(default)


def _frozen(value: Any) -> Any:
    return tuple(_frozen(item) for item in value) if isinstance(value, list) else value


def _enum(enum: dict) -> Enum:
    values = enum["values"]
    return Enum(
        name=enum["name"],
        values=tuple(value["name"] for value in values),
        db_values=tuple(value["dbName"] or value["name"] for value in values),
    )


def _index(index: dict) -> Index:
    return Index(
        model=index["model"],
        type=index["type"],
        fields=tuple(field["name"] for field in index["fields"]),
        name=index.get("name"),
        db_name=index.get("dbName"),
    )


def _one(items: tuple, key: str, key_of, missing: str) -> Any:
    for item in items:
        if key_of(item) == key:
            return item
    known = ", ".join(str(key_of(item)) for item in items if key_of(item) is not None) or "none"
    raise SourceError(f"{missing} {key}; known: {known}")
