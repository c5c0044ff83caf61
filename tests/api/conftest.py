"""Helpers for the JSON API tests: signed-in clients, tokens, and a tiny valid PNG."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from openhat.clinics.services import create_api_token


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 40, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def send_json(client: Client, method: str, path: str, body: Any, **headers: Any) -> Any:
    return getattr(client, method.lower())(
        path, data=json.dumps(body), content_type="application/json", **headers
    )


@pytest.fixture
def token_for(personas: Any) -> Any:
    """A bearer token secret for the persona with this role."""

    def make(role: str) -> str:
        _, secret = create_api_token(actor=personas[role], name=f"{role} test device")
        return secret

    return make


@pytest.fixture
def bearer_client(token_for: Any) -> Any:
    def make(role: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(role)}"})

    return make
