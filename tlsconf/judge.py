"""The one judgement `tlsconf lint` and `tlsconf render` (and `validate`) share.

`verdict` runs the rule registry (`tlsconf.rules`) over the subjects — the same resolved
policy the renderer uses — with the profile and severity overrides of the settings, then
applies all three suppression forms (a `# tlsconf: ignore[ID] reason` comment on or above the
line, `# tlsconf: ignore-file[ID] reason`, the settings file's `ignore` list) and reports the
suppressions' own problems (TLS001-TLS003). Everything dated is judged at one instant,
`settings.now()`: the `--as-of` day (00:00 UTC) of all three commands, else the time of the
run — `judge` takes it once and hands it to every rule in `Context.now`.
The callers differ only in what they do with the result: `lint` prints every finding and exits
1 at or above `fail_on`; `render` refuses to write anything while `Filtered.blocking(fail_on)`
is not empty, unless `--allow-weak`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tlsconf.config import Settings
from tlsconf.lint.engine import Filtered, apply_suppressions, judge
from tlsconf.lint.model import Subject
from tlsconf.lint.suppress import Suppression

if TYPE_CHECKING:  # a lint of nginx files never needs the spec models
    from tlsconf.policy import SitePolicy
    from tlsconf.specfile import LoadedSpec


def verdict(subjects: Iterable[Subject], suppressions: list[Suppression],
            settings: Settings) -> Filtered:
    return apply_suppressions(judge(subjects, settings), suppressions, settings)


def spec_verdict(loaded: LoadedSpec, sites: tuple[SitePolicy, ...],
                 settings: Settings | None = None) -> Filtered:
    """The verdict on a loaded spec's `sites`, with the suppression comments of its file."""
    from tlsconf.ingest.spec import subjects_of
    from tlsconf.lint.suppress import scan

    name = loaded.document.name
    text = loaded.data.decode("utf-8", "replace")
    return verdict(subjects_of(loaded, sites), scan(name, text), settings or Settings())
