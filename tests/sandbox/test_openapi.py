"""/openapi.json: a client generated from it has the seed's (OAuthApi.md) methods, parameters and models."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

SEED_SIGNATURES = {
    "o_auth_flow_controller_authorize": ["client_id", "o_auth_authorize_input"],
    "o_auth_flow_controller_exchange": ["authorization", "client_id", "exchange_authorization_code_input"],
    "o_auth_flow_controller_refresh_access_token": ["client_id", "x_cal_secret_key", "refresh_token_input"],
}
SEED_MODELS = {"OAuthAuthorizeInput", "ExchangeAuthorizationCodeInput", "RefreshTokenInput", "KeysResponseDto"}


def test_document_names_the_operations_and_models(client):
    document = client.get("/openapi.json").json()
    operation_ids = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert operation_ids == {
        "OAuthFlowController_authorize",
        "OAuthFlowController_exchange",
        "OAuthFlowController_refreshAccessToken",
    }
    assert set(document["components"]["schemas"]) >= SEED_MODELS


def test_generated_python_client_has_the_seed_method_names(client: httpx.Client, tmp_path: Path) -> None:
    generator = shutil.which("openapi-generator-cli", path=str(Path(sys.executable).parent))
    if generator is None or shutil.which("java") is None:
        pytest.skip("needs openapi-generator-cli (dev extra) and a Java runtime")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(client.get("/openapi.json").json()))
    subprocess.run(
        [
            generator,
            "generate",
            "-i",
            str(spec),
            "-g",
            "python",
            "-o",
            str(tmp_path / "out"),
            "--package-name",
            "openapi_client",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    source = (tmp_path / "out" / "openapi_client" / "api" / "o_auth_api.py").read_text()
    assert "class OAuthApi" in source
    for method, params in SEED_SIGNATURES.items():
        match = re.search(rf"def {method}\(\s*self,(.*?)_request_timeout", source, re.DOTALL)
        assert match, f"{method} missing from the generated client"
        found = re.findall(r"^\s*(\w+):", match.group(1), re.MULTILINE)
        assert found == params, f"{method}({', '.join(found)}) differs from the seed's ({', '.join(params)})"
    models = {p.stem for p in (tmp_path / "out" / "openapi_client" / "models").glob("*.py")}
    assert {
        "o_auth_authorize_input",
        "exchange_authorization_code_input",
        "refresh_token_input",
        "keys_response_dto",
    } <= models
