"""The WSGI entry point trusts forwarded headers only when told how many proxies stand in front."""

from __future__ import annotations

import importlib
import sys

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix


def load_wsgi(monkeypatch: pytest.MonkeyPatch, tmp_path, proxies: str | None):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'wsgi.db'}")
    monkeypatch.setenv("SECRET_KEY", "wsgi-test")
    if proxies is None:
        monkeypatch.delenv("PATHWAYS_TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("PATHWAYS_TRUSTED_PROXIES", proxies)
    sys.modules.pop("wsgi", None)
    return importlib.import_module("wsgi")


def test_forwarded_headers_ignored_by_default(monkeypatch, tmp_path) -> None:
    module = load_wsgi(monkeypatch, tmp_path, None)
    assert not isinstance(module.app.wsgi_app, ProxyFix)


def test_one_trusted_proxy(monkeypatch, tmp_path) -> None:
    module = load_wsgi(monkeypatch, tmp_path, "1")
    assert isinstance(module.app.wsgi_app, ProxyFix)
    assert module.app.wsgi_app.x_for == 1
    sys.modules.pop("wsgi", None)
