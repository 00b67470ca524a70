"""Keep the translation catalogues complete.

The project catalogue (`locale/`) holds the strings of config/, templates/ and of the
apps without a catalogue of their own; an app with a `locale/` folder of its own
(e.g. `actions/locale/`) keeps its strings there, so its work never touches the
shared file. To give an app its own catalogue: create `<app>/locale/` and run this.

    .venv/bin/python scripts/messages.py          # extract strings, fill English, compile
    .venv/bin/python scripts/messages.py --check  # fail if a string is missing or untranslated

English is the source language, so its catalogue repeats every msgid; Russian entries are
written by people. `--check` extracts the strings into a scratch copy and fails when the
committed catalogues lack a msgid, when a Russian entry is empty or fuzzy, or when a
compiled .mo file is older than its .po.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("ru", "en")
IGNORE = [
    ".venv",
    "static/vendor",
    "tests",
    "bench",
    "scripts",
    "staticfiles",
    "node_modules",
    ".lighthouse",
]


def app_catalogues() -> list[Path]:
    """The `locale/` folders of the apps that keep their own catalogue."""
    return sorted(
        path
        for path in ROOT.glob("*/locale")
        if path.is_dir() and (path.parent / "apps.py").exists()
    )


def catalogues() -> list[Path]:
    return [LOCALE, *app_catalogues()]


def extract() -> None:
    base = [
        sys.executable,
        str(ROOT / "manage.py"),
        "makemessages",
        "--no-location",
        "--no-obsolete",
    ]
    for language in LANGUAGES:
        base += ["-l", language]
    own = [path.parent.name for path in app_catalogues()]
    root_command = [*base]
    for pattern in [*IGNORE, *own]:
        root_command += ["--ignore", pattern]
    subprocess.run(root_command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    for app in own:
        # Run inside the app: makemessages then writes to the app's own locale/.
        command = [*base]
        for pattern in IGNORE:
            command += ["--ignore", pattern]
        subprocess.run(command, cwd=ROOT / app, check=True, stdout=subprocess.DEVNULL)


def fill_english(locale: Path = LOCALE) -> None:
    catalogue = polib.pofile(str(locale / "en/LC_MESSAGES/django.po"))
    for entry in catalogue:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    catalogue.metadata["Language"] = "en"
    catalogue.save()


def compile_catalogues() -> None:
    for language in LANGUAGES:
        subprocess.run(
            [sys.executable, "manage.py", "compilemessages", "-l", language, "--ignore", ".venv"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    return {
        (entry.msgctxt, entry.msgid): (
            tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        )
        for entry in catalogue
        if entry.msgid
        and (entry.msgstr or any(entry.msgstr_plural.values()))
        and "fuzzy" not in entry.flags
        and not entry.obsolete
    }


def problems_in(catalogue_dir: Path, extracted_dir: Path | None) -> list[str]:
    problems: list[str] = []
    russian = polib.pofile(str(catalogue_dir / "ru/LC_MESSAGES/django.po"))
    for entry in russian:
        if entry.obsolete:
            continue
        if not entry.translated() or "fuzzy" in entry.flags:
            problems.append(f"ru: not translated: {entry.msgid!r}")
    if extracted_dir is not None:
        committed = {(entry.msgctxt, entry.msgid) for entry in russian}
        fresh = polib.pofile(str(extracted_dir / "ru/LC_MESSAGES/django.po"))
        for entry in fresh:
            if (entry.msgctxt, entry.msgid) not in committed:
                problems.append(
                    f"missing from the catalogue (run scripts/messages.py): {entry.msgid!r}"
                )
    for language in LANGUAGES:
        po_file = catalogue_dir / language / "LC_MESSAGES/django.po"
        mo_file = po_file.with_suffix(".mo")
        if not mo_file.exists() or _entries(polib.pofile(str(po_file))) != _entries(
            polib.mofile(str(mo_file))
        ):
            problems.append(
                f"{language}: compiled catalogue is missing or stale (run scripts/messages.py)"
            )
    return problems


def _named(locale: Path, problems: list[str]) -> list[str]:
    if locale == LOCALE:
        return problems
    return [f"{locale.relative_to(ROOT)}: {problem}" for problem in problems]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    problems: list[str] = []
    if not args.check:
        extract()
        for locale in catalogues():
            fill_english(locale)
        compile_catalogues()
        for locale in catalogues():
            problems += _named(locale, problems_in(locale, None))
    else:
        backup = Path(tempfile.mkdtemp())
        kept = {locale: backup / str(index) for index, locale in enumerate(catalogues())}
        for locale, copy in kept.items():
            shutil.copytree(locale, copy / "locale")
        try:
            extract()
            for locale, copy in kept.items():
                shutil.copytree(locale, copy / "extracted")
        finally:
            for locale, copy in kept.items():
                shutil.rmtree(locale)
                shutil.copytree(copy / "locale", locale)
        for locale, copy in kept.items():
            problems += _named(locale, problems_in(locale, copy / "extracted"))
        shutil.rmtree(backup)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} translation problem(s)")
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
