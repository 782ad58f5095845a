"""The terminal UI's App: thin; it picks the first screen and holds the global keys."""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.command import Hit, Hits, Provider

from .screens.help import HelpScreen
from .screens.home import HomeScreen

__all__ = ["TutorApp"]


class OpenCommands(Provider):
    """The command palette (ctrl+p) opens any playground model or lesson by name."""

    def _targets(self):
        from ..lesson import LESSONS
        from .presets import PRESETS

        for preset in PRESETS:
            yield f"open {preset.title}", preset.description, partial(self.app.open_preset,
                                                                      preset.key)
        for path in sorted(LESSONS.glob("[0-9][0-9]_*.py")) if LESSONS.is_dir() else []:
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
    BINDINGS = [
        Binding("question_mark", "help", "help"),
        Binding("ctrl+t", "toggle_theme", "theme"),
        Binding("ctrl+q", "quit", "quit"),
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

    def open_preset(self, key: str) -> None:
        from .presets import PRESETS
        from .screens.stepper import StepperScreen

        preset = next(p for p in PRESETS if p.key == key)
        self.push_screen(StepperScreen(preset.title, lambda: preset.build(preset.learning_rate)))

    def open_lesson(self, path) -> None:
        from .screens.lesson import LessonScreen

        self.push_screen(LessonScreen(path))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
