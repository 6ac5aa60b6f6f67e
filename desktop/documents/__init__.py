"""Documents in the desktop: add a file to a deal or a fund, open one."""

from desktop.documents.actions import DocumentBar, FundDocumentDialog, open_document

__all__ = ["DocumentBar", "FundDocumentDialog", "open_document"]
