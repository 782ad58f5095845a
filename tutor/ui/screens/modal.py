"""Dialogs that close once: a second enter or click queued behind the first must not close the
screen underneath as well."""

from __future__ import annotations

from textual.await_complete import AwaitComplete

__all__ = ["DismissOnce"]


class DismissOnce:
    """Mix into a dialog's Screen class (before it).

    ``Screen.dismiss`` pops whatever screen is on top. Two enters in quick succession in a
    prompt (or two clicks on the command palette's background) each asked to dismiss it: the
    first closed the dialog, the second the stepper beneath it, and called the result callback
    twice, which raised InvalidStateError. Once the dialog is no longer on top, dismissing it
    again does nothing.
    """

    def dismiss(self, result=None) -> AwaitComplete:
        if self.is_attached and self.app.screen is self:
            return super().dismiss(result)
        return AwaitComplete()
