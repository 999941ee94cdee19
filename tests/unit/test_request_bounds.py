"""What a request may hold: text, amounts and counts every event and read model can store."""

from __future__ import annotations

from typing import Any, get_args
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.api.app import create_app
from services.api.bounds import MAX_COUNT, Strict
from services.api.budgeting.allocation import MilestoneDoneIn
from services.api.budgeting.ballots import BallotIn
from services.api.budgeting.processes import RulesIn, ScheduleIn, ThresholdIn
from services.api.budgeting.routes import ProcessIn, ProposalIn, ProposalStatus
from services.api.money import MAX_KRONER, MAX_ORE, to_ore
from services.api.refusals import error_field
from services.api.volunteering.models import CapacityIn, SignUpIn, TaskIn
from services.platform.settings import ApiSettings
from services.store.eventstore import INT64, Unstorable, check_storable


def proposal(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Bænke ved søen",
        "description": "Tre bænke",
        "estimated_cost": 45000,
        "local_area": "Tørring",
        "core_task": "Fritid og fællesskab",
        **changes,
    }


def refused_fields(model: Any, body: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    return {error_field(e) for e in info.value.errors()}


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "ok \udfff"])
def test_text_with_a_nul_or_a_lone_surrogate_is_refused_naming_its_field(bad: str) -> None:
    assert refused_fields(ProposalIn, proposal(description=bad)) == {"description"}


def test_bad_text_nested_in_a_list_of_objects_is_refused_at_its_field() -> None:
    body = {
        "title": "Forløb",
        "municipality": "Hedensted",
        "budgets": [{"local_area": "Tørring", "amount": 100, "name": "x\x00"}],
    }
    assert refused_fields(ProcessIn, body) == {"budgets[0].name"}


def test_bad_text_inside_an_event_model_of_a_request_is_refused() -> None:
    text = {"da": "Saml affald", "en": "\ud800"}
    body = {
        "organizer": {"kind": "association", "name": "Grønt Team"},
        "local_area": "Tørring",
        "core_task": "Fritid og fællesskab",
        "title": text,
        "description": {"da": "d", "en": "d"},
        "work": {"da": "w", "en": "w"},
        "place": {"address": "Torvet 1, Tørring"},
    }
    assert refused_fields(TaskIn, body) == {"title.en"}


def test_a_name_and_phone_with_a_lone_surrogate_are_refused() -> None:
    body = {"name": "Bo \ud800", "phone": "12345678", "birth_date": "1980-01-01"}
    assert refused_fields(SignUpIn, body) == {"name"}


@pytest.mark.parametrize("amount", [MAX_KRONER + 1, 10**17, 2**63, 10**100, "99999999999999.99"])
def test_an_amount_above_the_bound_is_refused(amount: object) -> None:
    assert refused_fields(ProposalIn, proposal(estimated_cost=amount)) == {"estimated_cost"}


def test_the_largest_amount_is_accepted_and_fits_a_64_bit_sum_of_many() -> None:
    assert ProposalIn.model_validate(proposal(estimated_cost=MAX_KRONER)).estimated_cost == MAX_ORE
    assert to_ore(f"{MAX_KRONER}.00") == MAX_ORE
    assert MAX_ORE * 90_000 < INT64[1]


@pytest.mark.parametrize("amount", [0, "0", "0.00", float("nan"), float("inf"), True])
def test_a_cost_estimate_of_nothing_or_not_a_number_is_refused(amount: object) -> None:
    assert refused_fields(ProposalIn, proposal(estimated_cost=amount)) == {"estimated_cost"}


def test_a_count_is_never_true_or_false() -> None:
    assert refused_fields(ThresholdIn, {"min_supports": True}) == {"min_supports"}
    assert ThresholdIn.model_validate({"min_supports": 3}).min_supports == 3


def test_a_schedule_without_a_utc_offset_is_refused() -> None:
    assert refused_fields(ScheduleIn, {"starts_at": "2026-05-01T10:00:00"}) == {"starts_at"}
    assert ScheduleIn.model_validate({"starts_at": "2026-05-01T10:00:00+02:00"}).starts_at


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"a": [1, {"b": "x\x00"}]}, "a[1].b"),
        ({"n": 2**63}, "n"),
        ({"n": -(2**63) - 1}, "n"),
        ({"t": "\udc80"}, "t"),
        ({"f": float("nan")}, "f"),
    ],
)
def test_the_store_refuses_values_postgresql_cannot_hold(value: object, field: str) -> None:
    with pytest.raises(Unstorable) as info:
        check_storable(value)
    assert info.value.field == field


def test_the_store_accepts_what_fits() -> None:
    check_storable({"id": str(uuid4()), "n": INT64[1], "m": INT64[0], "t": "æøå ☃", "b": True})


def test_a_milestone_completed_in_the_future_is_refused() -> None:
    assert refused_fields(MilestoneDoneIn, {"completed_on": "2099-01-01"}) == {"completed_on"}
    assert MilestoneDoneIn.model_validate({"completed_on": "2026-01-02"}).completed_on


def test_a_catalog_filter_by_an_unknown_status_is_refused() -> None:
    assert "bogus" not in get_args(ProposalStatus)
    assert "not_feasible" in get_args(ProposalStatus)


def test_the_openapi_document_gives_every_refusal_one_body_and_amounts_their_bounds() -> None:
    spec = create_app(ApiSettings()).openapi()
    refusal = {"$ref": "#/components/schemas/Refusal"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "503" in responses, (method, path)
            for code, answer in responses.items():
                if code.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == refusal
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    cost = spec["components"]["schemas"]["ProposalIn"]["properties"]["estimated_cost"]
    assert cost["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": MAX_KRONER}


def request_models() -> list[type[Strict]]:
    """Every request body of the API (the app imports every route module)."""
    create_app(ApiSettings())
    found: list[type[Strict]] = []
    todo = list(Strict.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo += model.__subclasses__()
    return found


def integers(schema: Any, defs: dict[str, Any], path: str = "") -> list[tuple[str, Any]]:
    """Every integer in a JSON schema, by where it is."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return integers(defs[schema["$ref"].split("/")[-1]], defs, path)
        found = [(path, schema)] if schema.get("type") == "integer" else []
        for key, value in schema.items():
            if key != "$defs":
                found += integers(value, defs, f"{path}/{key}")
        return found
    if isinstance(schema, list):
        return [hit for item in schema for hit in integers(item, defs, path)]
    return []


def test_every_whole_number_a_request_holds_has_both_bounds() -> None:
    models = request_models()
    assert len(models) > 30
    for model in models:
        schema = model.model_json_schema()
        for where, integer in integers(schema, schema.get("$defs", {})):
            if "enum" in integer:  # a choice of a few numbers is bounded by them
                continue
            assert "minimum" in integer and "maximum" in integer, (model.__name__, where)
            assert integer["maximum"] <= MAX_COUNT or integer["maximum"] == MAX_KRONER, where


def test_a_whole_number_given_as_text_is_refused_in_every_request_body() -> None:
    checked = 0
    for model in request_models():
        properties = model.model_json_schema()["properties"]
        for name in model.model_fields:
            schema = properties[name]
            types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
            if "integer" not in types or "string" in types:  # kroner may be a decimal string
                continue
            given = str(schema["enum"][-1]) if "enum" in schema else "5"
            with pytest.raises(ValidationError) as info:
                model.model_validate({name: given})
            codes = {e["type"] for e in info.value.errors() if e["loc"][:1] == (name,)}
            assert codes in ({"int_type"}, {"literal_error"}), (model.__name__, name, codes)
            checked += 1
    assert checked >= 12


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (ThresholdIn, {"min_supports": "5"}, "min_supports"),
        (ThresholdIn, {"min_supports": 5.0}, "min_supports"),
        (ThresholdIn, {"min_supports": True}, "min_supports"),
        (CapacityIn, {"capacity": "5"}, "capacity"),
        (RulesIn, {"rules": {"format": "approval", "max_selections": "3"}}, "rules"),
        (RulesIn, {"rules": {"format": "ranked", "top_k": 10**7}}, "rules"),
        (BallotIn, {"local_area": "Tørring", "points": {str(uuid4()): "3"}}, "points"),
    ],
)
def test_whole_numbers_are_strict_and_rule_parameters_are_capped(
    model: Any, body: dict[str, Any], field: str
) -> None:
    assert field in {f.split(".")[0].split("[")[0] for f in refused_fields(model, body)}


def test_the_refusal_body_is_documented_with_its_code_and_fields() -> None:
    spec = create_app(ApiSettings()).openapi()
    schemas = spec["components"]["schemas"]
    assert set(schemas["Refusal"]["required"]) == {"error", "detail", "code"}
    assert {"current_version", "fields"} <= set(schemas["Refusal"]["properties"])
    assert set(schemas["FieldProblem"]["required"]) == {"field", "code", "detail"}
    threshold = schemas["ThresholdIn"]["properties"]["min_supports"]
    assert (threshold["minimum"], threshold["maximum"]) == (0, MAX_COUNT)
    cost = schemas["CostIn"]["properties"]["cost"]
    assert cost["anyOf"][0]["minimum"] == 1
