"""Every fleet and flight answer is exactly what /openapi.json documents: no field
the document lacks, none it lists missing (the schemas are held strict here)."""
import copy
from datetime import timedelta

import pytest
from openapi_schema_validator import OAS30Validator

from tests.helpers.accounts import admin_client
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in


@pytest.fixture(scope="module")
def spec(system):
    response = system.http.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def strict(schema, components):
    """``schema`` with its references inlined and every object closed and complete."""
    if "$ref" in schema:
        return strict(components[schema["$ref"].rsplit("/", 1)[1]], components)
    schema = copy.deepcopy(schema)
    if "properties" in schema:
        schema["properties"] = {name: strict(sub, components) for name, sub in schema["properties"].items()}
        schema["additionalProperties"] = False
        schema["required"] = sorted(schema["properties"])
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = strict(schema[key], components)
    return schema


def assert_documented(spec, method, path, response):
    operation = spec["paths"][path][method]
    documented = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    errors = [error.message for error in OAS30Validator(
        strict(documented, spec["components"]["schemas"])).iter_errors(response.json())]
    assert not errors, (method, path, response.status_code, errors)


def test_fleet_and_flight_answers_match_the_document(system, spec):
    admin = admin_client(system)
    airplane = create_airplane(admin)
    model_id = airplane["model_id"]
    departure = utc_in(days=70, hours=5)
    flight = schedule_flight(admin, airplane, departure)
    window = {"starts_at": (departure + timedelta(days=2)).isoformat(),
              "ends_at": (departure + timedelta(days=3)).isoformat(), "reason": "A-check"}
    answers = [
        ("get", "/airplane-models", admin.get("/airplane-models")),
        ("get", "/airplane-models/{model_id}", admin.get(f"/airplane-models/{model_id}")),
        ("get", "/airplane-models/{model_id}/seats", admin.get(f"/airplane-models/{model_id}/seats")),
        ("get", "/airplanes", admin.get("/airplanes", params={"limit": 2})),
        ("get", "/airplanes/{airplane_id}", admin.get(f"/airplanes/{airplane['id']}")),
        ("post", "/airplanes/{airplane_id}/maintenance",
         admin.post(f"/airplanes/{airplane['id']}/maintenance", json=window)),
        ("get", "/airplanes/{airplane_id}/maintenance", admin.get(f"/airplanes/{airplane['id']}/maintenance")),
        ("get", "/airports", system.http.get("/airports", params={"q": "jakarta"})),
        ("get", "/flights/{flight_id}", system.http.get(f"/flights/{flight['id']}")),
        ("get", "/flights", system.http.get("/flights", params={
            "origin": "CGK", "destination": "DPS", "date": departure.date().isoformat()})),
        ("patch", "/flights/{flight_id}/status",
         admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"})),
    ]
    other = create_airplane(admin, model_id)
    answers.append(("patch", "/airplanes/{airplane_id}",
                    admin.patch(f"/airplanes/{other['id']}", json={"status": "retired"})))
    for method, path, response in answers:
        assert response.status_code in (200, 201), (path, response.text)
        assert_documented(spec, method, path, response)


def test_created_answers_match_the_document(system, spec):
    admin = admin_client(system)
    airplane = create_airplane(admin)
    model = admin.get(f"/airplane-models/{airplane['model_id']}").json()
    created = admin.post("/airplane-models", json={"manufacturer": model["manufacturer"],
                                                    "model": model["model"] + "-NEO", "cabins": model["cabins"]})
    assert created.status_code == 201, created.text
    assert_documented(spec, "post", "/airplane-models", created)
    registered = admin.post("/airplanes", json={"registration": "PK-D" + airplane["registration"][-4:],
                                                "model_id": created.json()["id"]})
    assert registered.status_code == 201, registered.text
    assert_documented(spec, "post", "/airplanes", registered)
    body = {"flight_number": "GA" + str(int(utc_in(days=71).timestamp()) % 9000 + 100),
            "airplane_id": registered.json()["id"], "origin": "CGK", "destination": "DPS",
            "departure_at": utc_in(days=71).isoformat(), "arrival_at": utc_in(days=71, hours=2).isoformat(),
            "fares": {"economy": 1000000, "business": 3000000}, "currency": "IDR"}
    scheduled = admin.post("/flights", json=body)
    assert scheduled.status_code == 201, scheduled.text
    assert_documented(spec, "post", "/flights", scheduled)
