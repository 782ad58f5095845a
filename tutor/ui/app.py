"""The terminal UI's App: thin; it picks the first screen and holds the global keys."""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.command import Hit, Hits, Provider

import tutor

from ..lesson import available
from ..spec import PRESETS, preset
from .compat import PaletteApp, guard_option_lists
from .screens.help import HelpScreen
from .screens.home import HomeScreen
from .widgets.too_small import MIN_HEIGHT, MIN_WIDTH

__all__ = ["TutorApp"]


guard_option_lists()


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


class TutorApp(PaletteApp):
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

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
