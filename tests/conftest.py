"""Shared fixtures: an app, and a test client for each server interface."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from vial import Vial
from vial.testing import VialClient

HERE = os.path.dirname(__file__)


@pytest.fixture
def app() -> Vial:
    app = Vial("test_app", root_path=HERE)
    app.config.update(TESTING=True, SECRET_KEY="test secret")
    return app


@pytest.fixture(params=["wsgi", "asgi"])
def client(app: Vial, request: pytest.FixtureRequest) -> Iterator[VialClient]:
    """A test client over WSGI, then over ASGI: shared behaviour is tested on both."""
    test_client = app.test_client(use_asgi=request.param == "asgi")
    yield test_client
    test_client.close()
