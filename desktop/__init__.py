"""The Deal OS desktop: PySide6 views over core services.

It never writes SQL: it calls :mod:`core.services` and renders the frozen values they
return. Work that may take time (ops, sync, the demo) runs on worker threads through
:mod:`desktop.background`; core events reach Qt through :mod:`desktop.bridge`.
"""
