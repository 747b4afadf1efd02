"""Flask blueprints (thin: parse input, call a service, render).

Every module of this package, and of ``pathways.security.views``, that
defines a ``blueprint`` is registered: adding a page means adding a module,
not editing a shared list.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask import Flask

BLUEPRINT_PACKAGES = ("pathways.views",)


def register(app: Flask) -> None:
    for package_name in BLUEPRINT_PACKAGES:
        package = importlib.import_module(package_name)
        for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package_name}.{module_info.name}")
            blueprint = getattr(module, "blueprint", None)
            if blueprint is not None:
                app.register_blueprint(blueprint)
