"""The console's list pages, declared rather than written one by one: which API listing a page
shows, its filters, its columns and the actions on a row, each action one API call
(``shapes``). ``static/list.js`` draws any of them; the API decides, as always, who may see and
do what."""

from __future__ import annotations

from sunshine.console.lists import admin, audit, city, work
from sunshine.console.lists.shapes import ListPage

PAGES: dict[str, ListPage] = {
    page.key: page for page in (*work.PAGES, *audit.PAGES, *admin.PAGES, *city.PAGES)
}
