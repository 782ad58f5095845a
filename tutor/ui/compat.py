"""Workarounds for Textual, in one place: each says what breaks without it, and its test.

Checked on Textual 8.2.8: each was taken out and the test named beside it run, and each of
these failed without it (those that no longer failed were dropped: a fixed id for the palette,
a guard on the keys panel, a themed search_commands). When Textual fixes one, delete it here
and run its test.
"""

from __future__ import annotations

from textual import events, work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette
from textual.css.query import NoMatches
from textual.theme import ThemeProvider
from textual.widgets import DataTable, OptionList

__all__ = ["DismissOnce", "Palette", "PaletteApp", "HeaderSafeTable", "guard_option_lists"]


def guard_option_lists() -> None:
    """Make page up/down and stale clicks harmless in Textual's OptionList (8.2.8).

    An option list pages through a map from options to lines that it fills only once the list
    has room on the screen. In a terminal too small to give it a line, or in the command palette
    between new results and their layout, the map is empty and page up raised KeyError: paging
    then does nothing, as it would in an empty list. And a click lands on the frame last drawn:
    in the command palette (or the derivation's parameter list) the options may have changed
    since, and a click on one that is gone raised IndexError: it now does nothing.
    (tests: test_ui_resilience.py::test_paging_a_list_with_no_room_is_harmless,
    ::test_a_click_on_an_option_that_has_just_gone_is_harmless)
    """
    if getattr(OptionList, "tutor_guarded", False):
        return
    move_page, on_click = OptionList._move_page, OptionList._on_click

    def _move_page(self, direction) -> None:
        if self._options and (self.highlighted or 0) not in self._index_to_line:
            return
        move_page(self, direction)

    async def _on_click(self, event) -> None:
        option = event.style.meta.get("option")
        if option is not None and not 0 <= option < len(self._options):
            return
        await on_click(self, event)

    OptionList._move_page, OptionList._on_click = _move_page, _on_click
    OptionList.tutor_guarded = True


class DismissOnce:
    """Mix into a dialog's Screen class (before it), so it closes once (Textual 8.2.8).

    ``Screen.dismiss`` pops whatever screen is on top. Two enters in quick succession in a
    prompt (or two picks in the theme palette) each asked to dismiss it: the first closed the
    dialog, the second the screen beneath it, and called the result callback twice, which
    raised InvalidStateError. Once the dialog is no longer on top, dismissing it again does
    nothing. (tests: test_ui_resilience.py::test_two_enters_in_a_prompt_close_the_prompt_only,
    ::test_the_theme_picker_closes_once_however_fast_its_options_are_picked)
    """

    def dismiss(self, result=None) -> AwaitComplete:
        if self.is_attached and self.app.screen is self:
            return super().dismiss(result)
        return AwaitComplete()


class Palette(DismissOnce, CommandPalette):
    """Textual's command palette (8.2.8), safe when it is closed while still searching.

    Its search runs in a worker that fills the list of matches; typing a few letters and
    pressing escape (or picking a command) straight away closed the palette under that worker,
    whose next look at the list raised NoMatches and stopped the whole app. A search that finds
    its palette closed now just ends. And it closes once (see DismissOnce).
    (test: test_ui_resilience.py::test_closing_the_palette_while_it_searches_is_harmless; the
    race is timing-dependent: without this, that test failed in about one run of three)
    """

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        try:
            await CommandPalette._gather_commands.__wrapped__(self, search_value)
        except NoMatches:
            if self.is_attached and self in self.app.screen_stack:
                raise


class PaletteApp(App):
    """An App whose palettes (ctrl+p, and the theme picker the palette's "Theme" opens) are
    :class:`Palette`s rather than Textual's own, which have neither fix above (8.2.8).
    (test: test_ui_resilience.py::test_the_theme_picker_closes_once_however_fast_its_options_are_picked)
    """

    def action_command_palette(self) -> None:
        if self.use_command_palette and not any(isinstance(screen, CommandPalette)
                                                for screen in self.screen_stack):
            self.push_screen(Palette())

    def search_themes(self) -> None:
        self.push_screen(Palette(providers=[ThemeProvider], placeholder="Search for themes…"))


class HeaderSafeTable(DataTable):
    """A DataTable whose header row may be clicked before it has columns (Textual 8.2.8).

    A click on the header row made Textual's DataTable look up the column under it, which
    is not there in a table with no columns yet, and raise IndexError; a click on the header
    that names no column now does nothing.
    (test: test_ui_resilience.py::test_a_click_on_the_table_of_a_model_that_did_not_build_is_harmless)
    """

    def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if meta.get("row") == -1 and not 0 <= meta.get("column", -1) < len(self.ordered_columns):
            event.prevent_default()
