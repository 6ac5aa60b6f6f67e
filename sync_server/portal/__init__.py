"""The LP web portal: server-rendered pages for investors, served by the sync server.

Sign-in by emailed link (:mod:`.sign_in`), the overview and fund pages (:mod:`.pages`), the
notices, statements, ledger and documents (:mod:`.downloads`), all read through the same
report code the desktop and the command line use, scoped to the signed-in investor's own
LP positions; :mod:`.routing` adds them to the app. docs/PORTAL.md describes the portal.
"""
