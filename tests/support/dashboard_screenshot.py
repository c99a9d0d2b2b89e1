"""The screenshot of the dashboard in the docs (docs/_static/dashboard.png).

Run from the repository's root after changing how the dashboard looks::

    python -m tests.support.dashboard_screenshot [PATH]

It seeds a history with the runs the tests use (every state, a failure
with its cause, a lost run), serves the dashboard on a free port of
127.0.0.1 and photographs the index in headless chromium, so the picture
in the guide is the real page, not a drawing of it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.support.browser import browser_page
from tests.support.run_history import seed_history, serving

#: where the guide's page on monitoring runs finds the picture
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "dashboard.png"


def take_screenshot(path: Path, *, width: int = 1200, height: int = 900) -> Path:
    """Photograph the seeded dashboard's index into the PNG file *path*."""
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "history.db"
        seed_history(db, hostile=False, job_keys=True)
        with serving(db) as server:
            # the heading shows the default place, not the scratch directory
            server.store_text = "~/.streamr/history.db"
            with browser_page(width, height) as page:
                page.goto(server.url)
                page.locator("tr.run").first.wait_for()
                path.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(path), full_page=True)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_SCREENSHOT
    print(take_screenshot(target))
