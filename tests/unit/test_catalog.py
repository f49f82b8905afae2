"""Every family's shipped samples classify as documented, and the catalog data is well formed."""

from __future__ import annotations

import pytest

from hedgectl.catalog import Overrides, gateway_ids, load_catalog, load_data
from hedgectl.config import Where
from hedgectl.core.detect import Detector
from hedgectl.errors import ConfigError

CATALOG = load_catalog()
DETECTOR = Detector(CATALOG)
POSITIVES = [(f.id, s) for f in CATALOG.families.values() for s in f.positives]
NEGATIVES = [(f.id, s) for f in CATALOG.families.values() for s in f.negatives]


@pytest.mark.parametrize(("family", "sample"), POSITIVES)
def test_positive_samples_classify_as_their_family(family: str, sample: str) -> None:
    match = DETECTOR.classify(sample, context="model")
    assert match is not None, sample
    assert match.family == family


@pytest.mark.parametrize(("family", "sample"), NEGATIVES)
def test_negative_samples_do_not_classify_as_their_family(family: str, sample: str) -> None:
    match = DETECTOR.classify(sample, context="model")
    assert match is None or match.family != family


def test_every_family_has_samples_and_a_source() -> None:
    for family in CATALOG.families.values():
        assert family.positives and family.negatives, family.id
        assert family.source and family.date, family.id
        assert family.keywords, family.id


def test_every_vendor_judgement_has_a_source_and_date() -> None:
    for vendor in CATALOG.vendors.values():
        assert vendor.tier in ("named", "elevated", "standard")
        assert vendor.tier_source in CATALOG.sources, vendor.id
        assert vendor.tier_date, vendor.id


def test_named_tier_is_exactly_the_three_labs() -> None:
    named = {v.id for v in CATALOG.vendors.values() if v.tier == "named"}
    assert named == {"deepseek", "moonshot", "minimax"}
    assert CATALOG.vendors["zhipu"].entity_list


def test_keywords_cover_every_positive_sample() -> None:
    """The prefilter must never hide a sample from the classifier."""
    keywords = DETECTOR.keywords()
    for _, sample in POSITIVES:
        # As the sample sits in a file: bare, quoted, a value after a key or a route.
        low = sample.lower()
        forms = (low, f'"{low}"', f"'{low}'", f": {low}", f"={low}", f"/{low}")
        assert any(k in form for k in keywords for form in forms), sample


def test_overrides_change_tiers_and_add_families() -> None:
    raw = {
        "tiers": {"alibaba": "named"},
        "vendors": {
            "acme": {
                "name": "Acme AI",
                "hq": "CN",
                "tier": "elevated",
                "api_hosts": ["api.acme.example"],
            }
        },
        "families": {
            "acme": {"vendor": "acme", "keywords": ["acme-"], "patterns": ["acme-\\d{T}"]}
        },
    }
    overrides = Overrides(**dict(vars(_parse(raw)).items()))
    catalog = load_catalog(overrides)
    assert catalog.vendors["alibaba"].tier == "named"
    match = Detector(catalog).classify("acme-7b-chat")
    assert match is not None and match.vendor == "acme"


def _parse(raw: dict) -> Overrides:
    from hedgectl.catalog import parse_overrides

    return parse_overrides(raw, Where(None, "catalog"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"tiers": {"deepseek": "low"}}, "not one of"),
        (
            {"families": {"x": {"vendor": "deepseek", "patterns": ["("], "keywords": ["x"]}}},
            "invalid regex",
        ),
        ({"vendors": {"acme": {"name": "A", "colour": "red"}}}, "unknown key"),
    ],
)
def test_bad_overrides_are_config_errors(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _parse(raw)


def test_unknown_vendor_in_tier_override() -> None:
    with pytest.raises(ConfigError, match="unknown vendor"):
        load_catalog(_parse({"tiers": {"nosuch": "named"}}))


def test_shipped_data_files_parse() -> None:
    assert "vendors" in load_data("vendors.toml")
    assert "families" in load_data("families.toml")


def test_framework_aliases_have_a_source_and_stand_for_model_ids() -> None:
    """Each alias names a model the catalog knows, and is not an ID itself (which the line scan
    reports as it is)."""
    detector = Detector(load_catalog())
    frameworks = load_data("sdk_constants.toml")["aliases"]
    assert frameworks
    for name, framework in frameworks.items():
        assert framework.get("source") and framework.get("date") and framework.get("marker"), name
        for alias, model_id in framework["names"].items():
            assert detector.classify(model_id, context="model") is not None, alias
            assert detector.classify(alias, context="model") is None, alias


def test_sdk_constants_have_a_source_and_hold_model_ids() -> None:
    detector = Detector(load_catalog())
    for name, sdk in load_data("sdk_constants.toml")["sdks"].items():
        assert sdk.get("source") and sdk.get("date"), name
        for const, model_id in sdk["constants"].items():
            found = detector.sdk_constant(f"openai.{const}")
            # the ID as the catalog reports it (a route such as `anthropic/` peeled)
            held = detector.classify(model_id, context="model")
            assert held is not None, const
            assert [m.model_id for _, m, _ in found] == [held.model_id], const


def test_gateway_ids_have_a_source_and_name_the_vendors_models() -> None:
    """Every ID in gateway_ids.toml is a model of its vendor to the detector; the vendor's own IDs
    never look like a gateway's, and where the rule covers an entry it agrees with it."""
    detector = Detector(load_catalog())
    doc = load_data("gateway_ids.toml")["vendors"]
    for vid, body in doc.items():
        assert body.get("source") and body.get("date"), vid
        ids = gateway_ids()[vid]
        for entry in body["models"]:
            for native in entry["native"]:
                found = detector.classify(native, context="model")
                assert found is not None and found.vendor == vid, native
                assert not ids.gateway_only.search(native), native
                assert ids.native(native) == native
                assert ids.gateway(native) == entry["gateway"][0]
            for name in entry["gateway"]:
                found = detector.classify(f"{vid}/{name}", context="model")
                assert found is not None and found.vendor == vid, name
                assert ids.native(name) == entry["native"][0], name
                if ids.rule_gateway and ids.rule_gateway.fullmatch(name):
                    assert ids.gateway(entry["native"][0]) == name
