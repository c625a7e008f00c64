"""Registries: ownership as a layer around any provider (external-dns `registry/txt.go`, from v0.21.0
`registry/txt/registry.go`; `registry/noop.go`).

TXT: each managed record set has a companion TXT record whose value is the serialised labels
(`"heritage=external-dns,external-dns/owner=<id>,external-dns/resource=service/<ns>/<name>"`) and whose
name has the "new" format: `<prefix><type>-<first label><suffix>.<rest>`, e.g. `a-app.example.com` or, with
`--txt-prefix=externaldns-`, `externaldns-a-app.example.com`. When the prefix or suffix contains
`%{record_type}`, the type goes there instead and no `<type>-` is added. Releases up to v0.17 also write the
old format, `<prefix><first label><suffix>.<rest>` (no type; never for AAAA nor with `%{record_type}`), unless
`--txt-new-format-only` (v0.16.0-v0.17); every release still reads it when no new-format TXT matches.

Reading attaches the TXT labels to the matching record; a TXT without our heritage is a plain record and is
never touched. A record we own whose TXTs (as the release writes them) are not all in the zone is marked for
a forced update, which writes them: a zone written by v0.18+ and read by v0.17 gets its old-format TXTs.

Writing stamps our owner on creates and appends their TXTs after the records (from v0.19.0 only the TXTs the
zone lacks), and adds the matching TXTs to updates and deletes of records *we* own; everything else is
dropped before the provider.

Noop: no ownership at all; the provider's records and the plan pass through unchanged.
"""

import logging
from dataclasses import dataclass, replace
from typing import Protocol

from .endpoint import (
    AAAA,
    OWNER_LABEL,
    TXT,
    Endpoint,
    InvalidHeritageError,
    parse_labels,
    serialize_labels,
)
from .errors import ConfigError
from .plan import Changes
from .provider import Provider
from .release import NEWEST, Release

log = logging.getLogger(__name__)

RECORD_TYPE_TEMPLATE = "%{record_type}"


class Registry(Protocol):
    @property
    def owner_id(self) -> str: ...

    def records(self) -> list[Endpoint]: ...

    def apply_changes(self, changes: Changes) -> None: ...


@dataclass(frozen=True)
class TxtNameMapper:
    """Maps a record's (name, type) to its TXT name and back (`registry/mapper/mapper.go`). Lower-case affixes;
    `types`: the record types a TXT name can carry in the release played."""

    prefix: str = ""
    suffix: str = ""
    types: tuple[str, ...] = NEWEST.txt_types

    def type_in_affix(self) -> bool:
        return RECORD_TYPE_TEMPLATE in self.prefix or RECORD_TYPE_TEMPLATE in self.suffix

    def to_old_txt_name(self, dns_name: str) -> str:
        """The pre-v0.12 format, written up to v0.17 (`toTXTName`): the affixes without the template, no type."""
        first, dot, rest = dns_name.partition(".")
        prefix, suffix = (affix.replace(RECORD_TYPE_TEMPLATE, "") for affix in (self.prefix, self.suffix))
        return f"{prefix}{first}{suffix}{dot}{rest}"

    def _type_from_default_position(self, name: str) -> tuple[str, str]:
        """`a-app.example.com` -> (`app.example.com`, `A`); an untyped name gives type ''."""
        first = name.split("-", 1)[0]
        for record_type in self.types:
            if first == record_type.lower():
                return name.removeprefix(first + "-"), record_type
        return name, ""

    def to_txt_name(self, dns_name: str, record_type: str) -> str:
        first, dot, rest = dns_name.partition(".")
        kind = record_type.lower()
        prefix = self.prefix.replace(RECORD_TYPE_TEMPLATE, kind)
        suffix = self.suffix.replace(RECORD_TYPE_TEMPLATE, kind)
        if not self.type_in_affix():
            first = f"{kind}-{first}"
        return f"{prefix}{first}{suffix}{dot}{rest}"

    def to_endpoint_name(self, txt_name: str) -> tuple[str, str]:
        """Return (record name, record type); ('', '') when the name does not carry our affix."""
        name = txt_name.lower()
        if not self.suffix:
            return self._drop_affix(name)
        labels_in_suffix = self.suffix.count(".")
        parts = name.split(".", labels_in_suffix + 1)
        record, record_type = self._drop_affix(".".join(parts[: labels_in_suffix + 1]))
        if len(parts) <= labels_in_suffix + 1:
            return record, record_type
        return f"{record}.{parts[-1]}", record_type

    def _drop_affix(self, name: str) -> tuple[str, str]:
        prefix, suffix = self.prefix, self.suffix
        if self.type_in_affix():
            for record_type in self.types:
                typed_prefix = prefix.replace(RECORD_TYPE_TEMPLATE, record_type.lower())
                typed_suffix = suffix.replace(RECORD_TYPE_TEMPLATE, record_type.lower())
                if not suffix and name.startswith(typed_prefix):
                    return name.removeprefix(typed_prefix), record_type
                if suffix and name.endswith(typed_suffix):
                    return name.removesuffix(typed_suffix), record_type
            prefix = prefix.replace(RECORD_TYPE_TEMPLATE, "")
            suffix = suffix.replace(RECORD_TYPE_TEMPLATE, "")
        if not suffix and name.startswith(prefix):
            return self._type_from_default_position(name.removeprefix(prefix))
        if suffix and name.endswith(suffix):
            return self._type_from_default_position(name.removesuffix(suffix))
        return "", ""


class TxtRegistry:
    def __init__(
        self,
        provider: Provider,
        owner_id: str,
        prefix: str = "",
        suffix: str = "",
        release: Release = NEWEST,
        new_format_only: bool = False,
    ) -> None:
        if not owner_id:
            raise ConfigError("owner id cannot be empty")
        if prefix and suffix:
            raise ConfigError("txt-prefix and txt-suffix are mutual exclusive")
        self._provider = provider
        self._owner_id = owner_id
        self._mapper = TxtNameMapper(prefix.lower(), suffix.lower(), release.txt_types)
        self._old_format = release.txt_old_format and not new_format_only and not self._mapper.type_in_affix()
        self._skips_existing = release.txt_skips_existing
        # TXT names seen by the last records() call; creates skip TXTs that already exist.
        self._existing_txt: frozenset[tuple[str, str]] = frozenset()

    @property
    def owner_id(self) -> str:
        return self._owner_id

    def records(self) -> list[Endpoint]:
        """The provider's records minus our TXTs, each labelled with the ownership its TXT record holds."""
        plain: list[Endpoint] = []
        ownership: dict[tuple[str, str, str], dict[str, str]] = {}
        existing: set[tuple[str, str]] = set()
        for record in self._provider.records():
            if record.record_type != TXT:
                plain.append(record)
                continue
            if not record.targets:
                log.error("TXT record has no targets %s", record.dns_name)
                continue
            try:
                labels = parse_labels(record.targets[0])
            except InvalidHeritageError:
                plain.append(record)  # foreign TXT: a plain record the planner never manages
                continue
            name, record_type = self._mapper.to_endpoint_name(record.dns_name)
            ownership[(name, record_type, record.set_identifier)] = labels
            existing.add((record.dns_name, record.set_identifier))
        self._existing_txt = frozenset(existing)
        labelled = [self._labelled(ep, ownership) for ep in plain]
        if not existing:
            return labelled
        names = frozenset(name for name, _ in existing)
        return [self._migrated(ep, names) for ep in labelled]

    def _migrated(self, ep: Endpoint, txt_names: frozenset[str]) -> Endpoint:
        """`ep` marked `txt/force-update` when we own it and one of its TXT names is missing (`Records`)."""
        if not ep.is_owned_by(self._owner_id):
            return ep
        missing = any(txt.dns_name not in txt_names for txt in self._txts_for(ep))
        return replace(ep, force_update=True) if missing else ep

    @staticmethod
    def _labelled(ep: Endpoint, ownership: dict[tuple[str, str, str], dict[str, str]]) -> Endpoint:
        """The new format's labels, else the old format's (`Records`: never for AAAA)."""
        name = ep.dns_name.lower()
        labels = ownership.get((name, ep.record_type, ep.set_identifier))
        if labels is None and ep.record_type != AAAA:
            labels = ownership.get((name, "", ep.set_identifier))
        return ep.with_labels(**labels) if labels else ep

    def apply_changes(self, changes: Changes) -> None:
        create = tuple(ep.with_labels(**{OWNER_LABEL: self._owner_id}) for ep in changes.create)
        new_txts = tuple(txt for txt in self._txts(create) if self._missing(txt))
        update_old, update_new, delete = (
            tuple(ep for ep in endpoints if ep.is_owned_by(self._owner_id))
            for endpoints in (changes.update_old, changes.update_new, changes.delete)
        )
        self._provider.apply_changes(
            Changes(
                create=create + new_txts,
                update_old=update_old + self._txts(update_old),
                update_new=update_new + self._txts(update_new),
                delete=delete + self._txts(delete),
            )
        )

    def _missing(self, txt: Endpoint) -> bool:
        return not self._skips_existing or (txt.dns_name, txt.set_identifier) not in self._existing_txt

    def _txts(self, endpoints: tuple[Endpoint, ...]) -> tuple[Endpoint, ...]:
        """Each endpoint's TXTs (`generateTXTRecord`): the old format first where the release writes it."""
        return tuple(txt for ep in endpoints for txt in self._txts_for(ep))

    def _txts_for(self, ep: Endpoint) -> list[Endpoint]:
        value = (serialize_labels(ep.labels),)
        names = [self._mapper.to_old_txt_name(ep.dns_name)] if self._old_format and ep.record_type != AAAA else []
        names.append(self._mapper.to_txt_name(ep.dns_name, ep.record_type))
        return [Endpoint(name, TXT, value, set_identifier=ep.set_identifier) for name in names]


class NoopRegistry:
    """`--registry=noop` (`registry/noop.go`): no owner, nothing added or filtered."""

    def __init__(self, provider: Provider) -> None:
        self._provider = provider

    @property
    def owner_id(self) -> str:
        return ""

    def records(self) -> list[Endpoint]:
        return self._provider.records()

    def apply_changes(self, changes: Changes) -> None:
        self._provider.apply_changes(changes)
