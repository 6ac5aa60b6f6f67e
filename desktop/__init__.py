"""The Deal OS desktop: PySide6 views over core's commands and read models.

It never writes SQL: it submits typed commands through :mod:`core.commands` and renders
the frozen values :mod:`core.views` returns. Work that may take time (ops, sync, the
demo) runs on worker threads through :mod:`desktop.background`; core events reach Qt
through :mod:`desktop.bridge`.
"""
