"""Flask-Babel set-up: Simplified Chinese by default, English on request.

Catalogues are compiled from the .po sources when the .mo is missing or older,
so a fresh clone needs no separate build step. A language's catalogue is
messages.po plus any messages-<part>.po beside it: each domain can keep its own
part, so parallel work on different domains never edits the same file.
"""

import os
from pathlib import Path

from flask import has_request_context, request, session
from flask_login import current_user

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compile_catalogs():
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for main in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        parts = [main, *sorted(main.parent.glob("messages-*.po"))]
        mo = main.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= max(p.stat().st_mtime for p in parts):
            continue
        with main.open("rb") as src:
            catalog = read_po(src)
        for part in parts[1:]:
            with part.open("rb") as src:
                for message in read_po(src):
                    if message.id:
                        catalog[message.id] = message
        # Write beside, then rename: a process loading the catalogue meanwhile
        # (another worker, a parallel test run) sees the old file or the new, never half.
        tmp = mo.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)


def select_locale():
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, scheduler, dispatcher: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if request.path.startswith("/api/"):
        # API clients have no session: their Accept-Language header says it. The web UI
        # stays Chinese first whatever the browser's own language is.
        return _api_language(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _api_language(languages):
    best = request.accept_languages.best_match(["zh", "zh-CN", "en", *languages])
    if best is None:
        return None
    return "en" if best.startswith("en") and "en" in languages else (
        "zh_CN" if best.startswith("zh") and "zh_CN" in languages else None)


def link_script_alias():
    """Babel looks for "zh_CN" under its full name zh_Hans_CN: keep that name pointing at
    zh_CN (a checkout that does not keep symlinks would otherwise lose every translation)."""
    alias = TRANSLATIONS / "zh_Hans_CN"
    if alias.is_dir():
        return
    alias.unlink(missing_ok=True)
    alias.symlink_to("zh_CN", target_is_directory=True)


def init_app(app, babel):
    link_script_alias()
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
