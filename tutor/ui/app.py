"""The terminal UI's App: thin; it picks the first screen and holds the global keys."""

from __future__ import annotations

from functools import partial

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette, Hit, Hits, Provider, SimpleProvider
from textual.css.query import NoMatches
from textual.theme import ThemeProvider
from textual.widgets import OptionList

import tutor

from ..lesson import available
from ..spec import PRESETS, preset
from .screens.help import HelpScreen
from .screens.home import HomeScreen
from .screens.modal import DismissOnce
from .widgets.too_small import MIN_HEIGHT, MIN_WIDTH

__all__ = ["TutorApp"]


def _guard_option_lists() -> None:
    """Make page up/down and stale clicks harmless in Textual's OptionList.

    An option list pages through a map from options to lines that it fills only once the list
    has room on the screen. In a terminal too small to give it a line, or in the command palette
    between new results and their layout, the map is empty and page up raised KeyError: paging
    then does nothing, as it would in an empty list. And a click lands on the frame last drawn:
    in the command palette (or the derivation's parameter list) the options may have changed
    since, and a click on one that is gone raised IndexError: it now does nothing.
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


_guard_option_lists()


class Palette(DismissOnce, CommandPalette):
    """Textual's command palette, safe when it is closed while still searching.

    Its search runs in a worker that fills the list of matches; typing a few letters and
    pressing escape (or picking a command) straight away closed the palette under that worker,
    whose next look at the list raised NoMatches and stopped the whole app. A search that finds
    its palette closed now just ends. And a second click on its background no longer closes the
    screen beneath it too (see DismissOnce).
    """

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        try:
            await CommandPalette._gather_commands.__wrapped__(self, search_value)
        except NoMatches:
            if self.is_attached and self in self.app.screen_stack:
                raise


class OpenCommands(Provider):
    """The command palette (ctrl+p) opens any playground model or lesson by name."""

    def _targets(self):
        for chosen in PRESETS:
            yield f"open {chosen.title}", chosen.description, partial(self.app.open_preset,
                                                                      chosen.key)
        for path in available():
            yield f"lesson {path.stem.replace('_', ' ')}", str(path), partial(
                self.app.open_lesson, path)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self._targets():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)


class TutorApp(App):
    """tutor in the terminal: gradient descent, one step at a time."""

    TITLE = "tutor"
    SUB_TITLE = "gradient descent, one step at a time"
    CSS_PATH = "tutor.tcss"
    COMMANDS = App.COMMANDS | {OpenCommands}
    # each screen gets a class for the terminal's size, which tutor.tcss lays out for: side by
    # side from 70 columns, stacked below; the header, the table and the plots make room on
    # short terminals; below 40×12 a line asks for a larger one (widgets/too_small.py)
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny-width"), (MIN_WIDTH, "-narrow"), (70, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny-height"), (MIN_HEIGHT, "-short"), (24, "-tall"),
                            (45, "-very-tall")]
    BINDINGS = [
        Binding("question_mark", "help", "help"),
        Binding("ctrl+t", "toggle_theme", "theme"),
        Binding("ctrl+q", "quit", "quit", priority=True),  # in dialogs too, as Textual's own
    ]

    def __init__(self, preset: str | None = None, lesson=None) -> None:
        super().__init__()
        self.preset, self.lesson = preset, lesson

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        if self.preset:
            self.open_preset(self.preset)
        if self.lesson:
            self.open_lesson(self.lesson)

    def open_preset(self, key: str, learning_rate: float | None = None) -> None:
        """The stepper on a preset's run (at γ = ``learning_rate``, or the preset's own)."""
        from .screens.stepper import StepperScreen

        self.push_screen(StepperScreen(preset(key).title,
                                       lambda: tutor.start(key, learning_rate=learning_rate)))

    def open_lesson(self, path) -> None:
        from .screens.lesson import LessonScreen

        self.push_screen(LessonScreen(path))

    def action_command_palette(self) -> None:
        # no fixed id, unlike Textual's own: ctrl+p, escape, ctrl+p in quick succession made a
        # second palette while the first was still being removed, and the ids clashed
        if self.use_command_palette and not any(isinstance(screen, CommandPalette)
                                                for screen in self.screen_stack):
            self.push_screen(Palette())

    # the palette's "Theme" (and any list of commands) opens a palette of its own: ours too
    def search_commands(self, commands, placeholder: str = "Search for commands…"):
        return self.push_screen(Palette(providers=[SimpleProvider(self.screen, commands)],
                                        placeholder=placeholder))

    def search_themes(self) -> None:
        self.push_screen(Palette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def action_show_help_panel(self) -> None:
        # the palette's "Keys" runs after the palette closes: not on a screen already closing
        # because the learner quit in between (mounting the panel there raised MountError)
        if self.screen.is_attached:
            super().action_show_help_panel()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
