"""One package per request kind (portal/kinds/<kind>/); importing this registers them all.

A kind's package defines its Kind (states and transition table, registered with the engine),
its forms and views in a blueprint named `bp` (created with template_folder="templates", so
its pages live in portal/kinds/<kind>/templates/<kind>/), and its own message catalogue in
portal/kinds/<kind>/translations/: one folder holds the kind's whole behaviour.
"""

import importlib
import pkgutil

_modules = [
    importlib.import_module(f"{__name__}.{info.name}")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    if info.ispkg
]


def blueprints():
    return [m.bp for m in _modules if hasattr(m, "bp")]
