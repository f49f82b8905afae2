"""audit --format cyclonedx: the AI inventory as a CycloneDX 1.6 bill of materials.

One `machine-learning-model` component per distinct model ID, one `library` component (with its
package URL) per vendor SDK, one service per provider endpoint. The vendor is the supplier; HQ,
tier and its source are properties; every place the ID was found is an evidence occurrence.
Built with cyclonedx-python-lib, the reference implementation, so the document follows the spec
(and its schema) without hand-written JSON.

Deterministic: the serial number is derived from the content, and the timestamp comes from
SOURCE_DATE_EPOCH when it is set (the reproducible-builds convention), else from the clock.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from hedgectl import __version__
from hedgectl.core.audit import AuditResult
from hedgectl.core.models import Finding, Kind
from hedgectl.report import Format, reporter

PROPERTY_PREFIX = "hedgectl:"
SERIAL_NAMESPACE = uuid.UUID("6b1c3f0e-6a53-5d4e-9c1b-0d3a9e1f2c40")


def _timestamp() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def _group(findings: list[Finding]) -> dict[tuple[str, str, str], list[Finding]]:
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.kind.value, f.vendor, f.model_id), []).append(f)
    return groups


@reporter("audit", Format.CYCLONEDX)
def render_cyclonedx(result: AuditResult) -> str:
    from cyclonedx.model import Property, XsUri
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.model.service import Service
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    def properties(f: Finding, extra: dict[str, str]) -> list[Any]:
        values = {
            "vendor": f.vendor,
            "hq": f.hq,
            "tier": f.tier,
            "tier_source": f.tier_source,
            **extra,
        }
        return [Property(name=PROPERTY_PREFIX + k, value=v) for k, v in values.items() if v]

    def evidence(ref: str, group: list[Finding]) -> Any:
        # Occurrences are ordered by their bom-ref: a generated one would be random.
        return ComponentEvidence(
            occurrences=[
                Occurrence(
                    bom_ref=f"{ref}@{f.path}:{f.line}:{f.column}",
                    location=f.path,
                    line=f.line,
                    additional_context=f.location.value,
                )
                for f in group
            ]
        )

    components: list[Any] = []
    services: list[Any] = []
    digest = hashlib.sha256()
    for (kind, vendor, ident), group in sorted(_group(result.findings).items()):
        first = group[0]
        digest.update(f"{kind}|{vendor}|{ident}|{len(group)}\n".encode())
        supplier = OrganizationalEntity(name=first.vendor_name)
        if kind == Kind.MODEL.value:
            components.append(
                Component(
                    type=ComponentType.MACHINE_LEARNING_MODEL,
                    name=ident,
                    bom_ref=f"model:{vendor}/{ident}",
                    supplier=supplier,
                    properties=properties(
                        first,
                        {
                            "family": first.family,
                            "open_weights": str(first.open_weights).lower(),
                            "platform": first.platform,
                        },
                    ),
                    evidence=evidence(f"model:{vendor}/{ident}", group),
                )
            )
        elif kind == Kind.DEPENDENCY.value:
            purl = PackageURL.from_string(ident)
            scopes = sorted({f.context.split(" ")[0] for f in group})
            components.append(
                Component(
                    type=ComponentType.LIBRARY,
                    name=purl.name,
                    group=purl.namespace,
                    purl=purl,
                    bom_ref=f"package:{ident}",
                    supplier=supplier,
                    properties=properties(first, {"declared": ",".join(scopes)}),
                    evidence=evidence(f"package:{ident}", group),
                )
            )
        else:
            url = ident if "://" in ident else f"https://{ident}"
            services.append(
                Service(
                    name=ident,
                    bom_ref=f"endpoint:{ident}",
                    provider=supplier,
                    endpoints=[XsUri(url)],
                    properties=properties(
                        first,
                        {"locations": ",".join(sorted({f"{f.path}:{f.line}" for f in group}))},
                    ),
                )
            )
    metadata = BomMetaData(timestamp=_timestamp())
    metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="hedgectl", version=__version__)
    )
    bom = Bom(
        components=components,
        services=services,
        metadata=metadata,
        serial_number=uuid.uuid5(SERIAL_NAMESPACE, digest.hexdigest()),
    )
    return str(JsonV1Dot6(bom).output_as_string(indent=2)) + "\n"
