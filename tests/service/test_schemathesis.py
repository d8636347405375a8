"""Property-based API testing from the OpenAPI document kept in the repo: no input may
produce a 500, and every error is the JSON error object."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, settings

from gateway.api import OPENAPI
from tests.conftest import dumps

schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text("utf-8")))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_when_api_gets_generated_requests_then_it_never_answers_500(case, client, site, signed) -> None:
    site_id, secret = site
    body = b""
    if case.operation.method.upper() == "POST" and isinstance(case.body, dict | list | str | int | float | bool):
        payload = case.body
        if isinstance(payload, dict):
            payload = {**payload, "site": site_id}  # reach past the signature into the engine
        body = dumps(payload)
    headers = signed(secret, body)
    response = client.open(case.formatted_path, method=case.method, data=body, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        error = response.json["error"]
        assert set(error) == {"code", "message"}
