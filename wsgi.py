"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``.

Behind a reverse proxy, set ``PATHWAYS_TRUSTED_PROXIES`` to the number of
proxies in front (usually 1): the client's address (throttling, audit trail)
and the HTTPS scheme (Secure cookies) are then read from their headers.
Unset, those headers are ignored, as anyone could forge them.
"""

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from pathways import create_app

app = create_app()
_proxies = int(os.environ.get("PATHWAYS_TRUSTED_PROXIES", "0") or 0)
if _proxies > 0:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_proxies, x_proto=_proxies, x_host=_proxies)  # type: ignore[method-assign]
