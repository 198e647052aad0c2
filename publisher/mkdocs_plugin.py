"""The mkdocs plugin: a thin adapter from mkdocs to the framework-free site renderer.

It loads and checks ``content/``: an error that makes the whole site meaningless (a config
file) stops the build with one ``PluginError`` listing every problem, so ``mkdocs build``
exits 1 and publishes nothing; a message with an error is held (left out of every output and
logged as a warning, so ``mkdocs build --strict`` still fails) and the rest builds. It adds
every page as a generated file (nothing is written into ``docs_dir``), fills each page's
content from ``renderers.site``, and adds every non-page output (feeds, API, banner,
calendar, badges) from ``renderers.static_outputs``. ``mkdocs serve`` also watches
content/ and site_templates/.

The theme overrides, stylesheet and script ship inside the package: the plugin puts the
packaged ``overrides`` folder into the theme's search path (after the organisation's own
``site_templates/overrides``, before mkdocs-material) and adds the assets as generated files,
so an organisation's mkdocs.yml needs no ``custom_dir`` and its ``docs_dir`` stays empty.

A page whose inputs did not change since an earlier build comes from the build cache
(``pagecache``) instead of being drawn through the theme again; ``mkdocs serve``'s rebuilds
use the same cache.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import types
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_build_date
from mkdocs.utils.templates import TemplateContext

from . import clock, templates
from .cache import cache_root
from .check import CheckResult, check
from .content import urls
from .content.preview import published_copy
from .errors import PublisherError
from .outdir import Reuse, Staging, output_problem
from .outputs import Outputs, OutputsError
from .pagecache import PageCache
from .renderers import BuildContext
from .renderers.feeds import alternate_links
from .renderers.site import Page as SitePage
from .renderers.site import SiteModel
from .status import ThreadState
from .text import markup

log = logging.getLogger("mkdocs.plugins.publisher")
CONTENT_ENV = "PUBLISHER_CONTENT"
"""Overrides the ``content`` option (used by ``publisher build`` and by tests)."""
STAGED_ENV = "PUBLISHER_STAGED"
"""Set by ``publisher build``, which stages and swaps the site itself."""
PREVIEW_ENV = "PUBLISHER_PREVIEW"
"""A message id: build only its thread page, the message shown as published (preview)."""
CACHED_TEMPLATE = "publisher-cached-page.html"
"""A page found in the build cache is "drawn" with this template: its stored HTML as is."""


class PublisherConfig(Config):
    content = c.Type(str, default="content")
    """The content directory, relative to mkdocs.yml."""
    now = c.Optional(c.Type(str))
    """The instant to build at (ISO 8601); default ``$PUBLISHER_NOW``, else the real time."""


class PublisherPlugin(BasePlugin[PublisherConfig]):
    """Builds the status site and newsroom from ``content/`` at one instant."""

    def __init__(self) -> None:
        super().__init__()
        self.model: SiteModel | None = None
        self.pages: dict[str, SitePage] = {}
        self.root: Path | None = None
        self.command = ""
        self.staging: Staging | None = None
        self.result: CheckResult | None = None
        """The check this build published from (``publisher build`` reports what is held)."""
        self.preview: str | None = None
        self.pagecache: PageCache | None = None
        self.reused: set[str] = set()
        """Pages whose stored HTML is written instead of drawing them (build/.cache)."""
        self.linked: set[str] = set()
        """Pages whose file is linked from the previous site (``outdir.Reuse``): not written."""
        self.dirty = False
        self.dates: dict[str, str] = {}
        """The sitemap date of each page mkdocs skips (linked before it reads them)."""
        self.env: jinja2.Environment | None = None
        self.files: Reuse | None = None
        """Writes the non-page outputs and links unchanged files from the previous site."""
        self.outputs: Outputs | None = None
        """Feeds, API, calendars…: written while mkdocs draws the pages (``outputs``)."""
        self.written: list[tuple[str, str]] = []
        """(file, page key) of each page mkdocs writes, for the manifest (``Reuse``)."""

    # -- configuration: load and check the content once per build

    def _resolve(self, config: MkDocsConfig, value: str) -> Path:
        base = Path(config.config_file_path or ".").resolve().parent
        return (base / value).resolve()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        # ``publisher build`` runs mkdocs "dirty": then a page linked from the previous site
        # is marked unmodified, and mkdocs neither reads nor draws it (see ``_link_pages``)
        self.dirty = dirty
        build_log = logging.getLogger("mkdocs.commands.build")
        for old in [f for f in build_log.filters if isinstance(f, _QuietLinked)]:
            build_log.removeFilter(old)  # one per process, for the plugin that builds now
        build_log.addFilter(_QuietLinked(self))

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = self._resolve(config, os.environ.get(CONTENT_ENV) or self.config.content)
        try:
            now = clock.now(self.config.now)
        except PublisherError as exc:
            raise PluginError(f"publisher: {exc}") from exc
        result = check(self.root, now)
        self.result = result
        if result.unpublishable():
            problems = result.errors or result.problems
            raise PluginError(
                f"publisher: {len(problems)} error(s) in {self.root}; nothing was built:\n"
                + "\n".join(str(p) for p in problems))
        for problem in result.warnings:
            log.info("%s", problem)
        previous = self._stage(config)
        assert result.content is not None
        content = result.content
        self.preview = os.environ.get(PREVIEW_ENV) or None
        if self.preview:
            if self.preview not in content.messages:
                raise PluginError(f"publisher: no message {self.preview!r} to preview")
            content = published_copy(content, self.preview, now)
        ctx = BuildContext.at(content, now)
        ctx.extras["cache"] = cache_root(self.root)  # producers may keep results there
        # Files unchanged since the previous site are linked from it, not written again;
        # never for a preview (its pages show a draft as published) nor under serve.
        self.files = Reuse(Path(config.site_dir), None if self.preview else previous,
                           cache_root(self.root))
        self.linked = set()
        self.written = []
        templates.clear_cache()  # serve: pick up edited templates on every rebuild
        self.model = SiteModel(ctx)
        self._theme_overrides(config, templates.project_dir(self.root))
        organisation = result.content.organisation
        # The theme prints site_name unescaped in places, escaped (| e) in others: Markup is
        # escaped exactly once in both.
        config.site_name = escape(organisation.name)
        if not config.site_url:
            config.site_url = organisation.base_url
        # Sitemaps carry a build date: make it the build's instant, so builds are reproducible.
        os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
        config.extra["publisher"] = {"now": now.isoformat(), "timezone": organisation.timezone}
        # Another plugin may change pages after they are drawn (search reads their content):
        # then every page is drawn, as a stored page would skip what that plugin does.
        # A preview's pages show a draft as published: they must never enter the cache.
        alone = set(config.plugins) <= {"publisher"} and not self.preview
        # a page that says when its status was taken also names the next planned change
        instant = json.dumps([now.isoformat(), self.model.next_change])
        self.pagecache = PageCache(self.root, config, self.model.env, instant
                                   ) if alone else None
        self.reused = set()
        return config

    def _stage(self, config: MkDocsConfig) -> Path | None:
        """Under ``mkdocs build``, the same output guard and atomic swap as ``publisher
        build``: build into a staging folder, swap it in after the build (``on_post_build``).
        Returns the output folder the staged site will replace (None under serve)."""
        staged = os.environ.get(STAGED_ENV)
        if staged:  # ``publisher build`` stages itself and names the output folder
            return Path(staged) if os.path.isabs(staged) else None
        if self.command not in ("build", "gh-deploy"):
            return None
        assert self.root is not None
        problem = output_problem(Path(config.site_dir), self.root)
        if problem:
            raise PluginError(f"publisher: {problem}")
        self.staging = Staging(Path(config.site_dir))
        config.site_dir = str(self.staging.path)
        return self.staging.out

    def _publish_staged(self, config: MkDocsConfig) -> None:
        if self.staging is not None:
            self.staging.publish()
            config.site_dir = str(self.staging.out)
            self.staging = None

    def on_build_error(self, *, error: Exception) -> None:
        if self.outputs is not None:
            self.outputs.abandon()
            self.outputs = None
        if self.staging is not None:
            self.staging.abandon()
            self.staging = None

    def on_shutdown(self) -> None:
        self.on_build_error(error=Exception("shutdown"))

    @staticmethod
    def _theme_overrides(config: MkDocsConfig, project: Path) -> None:
        """Organisation overrides, then ours, then the theme's own templates."""
        dirs = config.theme.dirs
        wanted = [str(p) for p in templates.search_path("overrides", project)]
        for folder in reversed(wanted):
            if folder not in dirs:
                # after a custom_dir the organisation set in mkdocs.yml, before the theme
                dirs.insert(1 if config.theme.custom_dir else 0, folder)

    # -- files: every page and every other output is generated in memory

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.model is not None and self.result is not None
        # Logged here, not in on_config: mkdocs counts warnings (for --strict) only from now.
        for held, why in self.result.held.items():
            log.warning("held (left out of the site): %s: %s", held, why[0])
        self.pages = {}
        if self.preview:  # one page, and none of the site-wide outputs
            content = self.model.ctx.content
            thread = content.threads[content.messages[self.preview].thread_id]
            state = self.model.report.threads[thread.id]
            page = self.model.thread_page(state)
            self._add(files, File.generated(config, page.src_uri, content=""))
            self.pages[page.src_uri] = page
            return files
        self.dates = {}
        kept = self.model.keep(self._kept_thread_page)
        # Once the bodies are converted, the other outputs are written while the pages are
        # made and drawn: in a worker process where that is safe (``outputs``). Each is
        # written as it is made (thousands of feeds never all in memory), straight into the
        # site folder; a file unchanged since the previous site is linked from it.
        assert self.files is not None
        reuse = self.files

        def link(path: str, key: str) -> bool:
            self._refuse(files, path)
            return reuse.link(path, key)

        self.model.ctx.extras["reuse"] = link
        self.outputs = Outputs(self.model.ctx, reuse, lambda path: self._refuse(files, path))
        self.outputs.start()
        for page in self.model.pages(kept):
            self._add(files, File.generated(config, page.src_uri, content=""))
            self.pages[page.src_uri] = page
        self._link_pages(files)
        project = templates.project_dir(self.model.ctx.content.root)
        for name in ASSETS:
            if files.get_file_from_path(f"assets/{name}") is None:  # docs_dir's copy wins
                data = templates.read_bytes("assets", name, project)
                files.append(File.generated(config, f"assets/{name}", content=data))
        return files

    @classmethod
    def _add(cls, files: Files, file: File) -> None:
        cls._refuse(files, file.src_uri)
        files.append(file)

    @staticmethod
    def _refuse(files: Files, path: str) -> None:
        if files.get_file_from_path(path) is not None:
            raise PluginError(f"publisher: {path} is generated; remove it from docs_dir")

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        # Within one build the theme's templates cannot change; without this jinja stats
        # every included partial on every page (thousands of pages, dozens of partials).
        # ``mkdocs serve`` makes a new environment for each rebuild, so edits still show.
        env.auto_reload = False
        env.loader = jinja2.ChoiceLoader([
            jinja2.DictLoader({CACHED_TEMPLATE: "{{ publisher_cached_html }}"}), env.loader])
        self.env = env
        return env

    # -- pages: title and metadata first, then the rendered content

    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page | None:
        if page.file.src_uri in self.pages:
            # Our pages have no Markdown (their content comes from the page templates), yet
            # mkdocs builds a Markdown parser with every extension for each page to convert
            # the empty text: about a millisecond a page, thousands of pages a build.
            page.render = types.MethodType(_render_nothing, page)  # type: ignore[method-assign]
        return page

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str | None:
        spec = self.pages.get(page.file.src_uri)
        if spec is None:
            return markdown
        shown = self._shown(spec)
        title, meta, lastmod = shown
        page.title = title
        page.meta.update(meta)
        if lastmod:
            page.update_date = lastmod
        if self.pagecache is not None and self.model is not None:
            key = self.pagecache.keys.get(spec.src_uri) or self._key(spec, shown)
            if key and self.files is not None and self.files.link(page.file.dest_uri, key):
                # the previous site's file is this very page: linked, nothing to draw
                self.linked.add(spec.src_uri)
                self.pagecache.keep(spec.src_uri)
                page.meta["template"] = CACHED_TEMPLATE
            elif self.pagecache.has(spec.src_uri):
                self.reused.add(spec.src_uri)
                page.meta["template"] = CACHED_TEMPLATE
        return ""  # the content comes from the page template, not from Markdown

    def _shown(self, spec: SitePage) -> tuple[str, dict[str, Any], str]:
        """What the theme is given of a page besides its data: its title, its meta and its
        sitemap date ("" keeps the build's)."""
        assert self.model is not None
        # mkdocs themes print titles and meta without autoescaping: escape here (XSS corpus).
        meta: dict[str, Any] = {
            "description": escape(spec.description),
            # Each feed by its own title ("…: all updates", "…: Email"), never the page's,
            # so two links on one page never share a name.
            "publisher_feeds": [
                {"type": link["type"], "title": link["title"], "path": link["href"]}
                for link in alternate_links(self.model.ctx, spec.feeds)],
            # Thread, archive and newsroom pages are not in the nav: hide the empty sidebars.
            "hide": ["toc"] if spec.path in NAV_PATHS else ["navigation", "toc"],
        }
        # The sitemap's lastmod: this page's latest message (a page with none keeps the
        # build's date: mkdocs also takes the newest of these as the sitemap's own date).
        return escape(spec.title), meta, self.model.lastmod(spec)

    def _key(self, spec: SitePage, shown: tuple[str, dict[str, Any], str] | None = None
             ) -> str | None:
        """The page's cache key: everything the theme is given of it, and the fingerprint."""
        assert self.model is not None and self.pagecache is not None
        title, meta, lastmod = shown or self._shown(spec)
        return self.pagecache.key(spec, {
            "timezone": self.model.ctx.content.organisation.timezone,
            "title": str(title), "meta": meta, "update_date": lastmod or get_build_date()})

    def _kept_thread_page(self, state: ThreadState) -> SitePage | None:
        """Under a dirty build, link a thread's page from the previous site by its thread key
        (``PageCache.thread_page_key``), before its data is made; a stand-in page for it."""
        if not self.dirty or self.pagecache is None or self.files is None:
            return None
        assert self.model is not None
        path = urls.thread_path(state.thread)
        uri = f"{path}index.md"
        date = self.model.thread_lastmod(state) or get_build_date()
        key = self.pagecache.thread_page_key(uri, state, date)
        if key is None or not self.files.link(f"{path}index.html", key):
            return None
        self.linked.add(uri)
        self.pagecache.adopt(uri, key)
        self.dates[uri] = date
        return SitePage(path, "", "thread.html")  # never drawn: mkdocs is told so below

    def _link_pages(self, files: Files) -> None:
        """Under a dirty build, link every page outside the nav that the previous site holds
        under its key, and tell mkdocs it is unmodified: then mkdocs skips reading and
        drawing it (``--dirty``), which was a third of a warm build."""
        if not self.dirty or self.pagecache is None or self.files is None:
            return
        assert self.model is not None
        for uri, spec in self.pages.items():
            if spec.path in NAV_PATHS:
                continue  # the nav's own pages: drawn by mkdocs as always
            file = files.get_file_from_path(uri)
            if uri in self.linked and file is not None:  # by its thread key, just now
                file.is_modified = _unmodified  # type: ignore[method-assign]
                continue
            shown = self._shown(spec)
            key = self._key(spec, shown)
            if file is None or not key or not self.files.link(file.dest_uri, key):
                continue
            self.linked.add(uri)
            self.pagecache.keep(uri)
            self.dates[uri] = shown[2] or get_build_date()
            file.is_modified = _unmodified  # type: ignore[method-assign]
            self.pages[uri] = dataclasses.replace(spec, data={})  # never drawn: let go

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        # mkdocs made a page for every file; the sitemap still lists the skipped ones
        for uri, date in self.dates.items():
            file = files.get_file_from_path(uri)
            if file is not None and file.page is not None:
                file.page.update_date = date
        return nav

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str | None:
        spec = self.pages.get(page.file.src_uri)
        if spec is None or self.model is None or self.pagecache is not None:
            return html  # with the page cache: drawn (or reused) page by page, see below
        return self.model.render(spec)

    def on_page_context(self, context: TemplateContext, *, page: Page, config: MkDocsConfig,
                        nav: Navigation) -> TemplateContext:
        spec = self.pages.get(page.file.src_uri)
        if spec is not None:
            depth = spec.path.count("/")
            # our own key: the overrides link to the site root relative to the page
            context["publisher_root"] = "../" * depth or "./"  # type: ignore[typeddict-unknown-key]
            if self.pagecache is not None:
                # Only now, one page at a time: thousands of pages' HTML never all in memory.
                self._content(spec, page, context)
        return context

    def _content(self, spec: SitePage, page: Page, context: TemplateContext) -> None:
        """The page's stored HTML for the one-line template, else its content drawn now."""
        assert self.model is not None and self.pagecache is not None
        if spec.src_uri in self.linked:
            context["publisher_cached_html"] = Markup("")  # type: ignore[typeddict-unknown-key]
            return
        stored = self.pagecache.get(spec.src_uri) if spec.src_uri in self.reused else None
        if stored is None:
            page.content = self.model.render(spec)
        if stored is None and spec.src_uri in self.reused:
            # stored but unreadable now (damaged, deleted): draw it as mkdocs would have
            self.reused.discard(spec.src_uri)
            assert self.env is not None
            stored = self.env.get_template("main.html").render(context)
        if stored is not None:
            context["publisher_cached_html"] = Markup(stored)  # type: ignore[typeddict-unknown-key]

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        if self.outputs is not None:
            self.outputs.tick()  # between two pages drawn: the outputs left, once they can go
        uri = page.file.src_uri
        spec = self.pages.get(uri)
        if spec is not None and spec.data:  # drawn: its data need not stay to the end
            self.pages[uri] = dataclasses.replace(spec, data={})
        if uri in self.linked:
            return ""  # already in the site folder: mkdocs writes nothing (and logs it)
        if self.pagecache is not None and uri in self.pages:
            key = self.pagecache.keys.get(uri)
            if key:
                self.written.append((page.file.dest_uri, key))
            if uri not in self.reused:
                self.pagecache.put(uri, output, page.file.dest_uri)
            page.content = ""  # written next: its HTML need not stay in memory to the end
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.outputs is not None:
            outputs, self.outputs = self.outputs, None
            try:
                outputs.finish()
            except OutputsError as exc:
                raise PluginError(f"publisher: {exc}") from exc
        # Only a build that got this far tidies the cache: pages not drawn or reused in it
        # (changed or gone) are deleted; new Markdown conversions are kept.
        if self.pagecache is not None:
            self.pagecache.store(Path(config.site_dir))  # the pages written, as mkdocs wrote them
            self.pagecache.blobs.prune()
            self.pagecache.threads.save()
            if self.files is not None:  # the pages mkdocs wrote, for the next build to link
                for dest, key in self.written:
                    self.files.remember(dest, key)
        if self.files is not None:
            self.files.save()
        markup.save()
        self._publish_staged(config)  # last: the site is complete

    # -- serve: rebuild when the content or the templates change

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.root is not None:
            server.watch(str(self.root))
            overrides = templates.project_dir(self.root) / templates.OVERRIDES_FOLDER
            if overrides.is_dir():
                server.watch(str(overrides))
        return server


class _QuietLinked(logging.Filter):
    """mkdocs logs "Page skipped" for each page it did not write: a linked page is there."""

    def __init__(self, plugin: PublisherPlugin) -> None:
        super().__init__()
        self.plugin = plugin

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if self.plugin.dirty and message.startswith("A 'dirty' build is being performed"):
            return False  # mkdocs' warning for people; ours skips only pages it linked
        return not (message.startswith("Page skipped: '") and bool(self.plugin.linked)
                    and message.split("'")[1] in self.plugin.linked)


def _unmodified() -> bool:
    """``File.is_modified`` of a page linked from the previous site."""
    return False


def _render_nothing(page: Page, config: MkDocsConfig, files: Files) -> None:
    """What ``Page.render`` leaves for an empty Markdown text: no content, toc or anchors."""
    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    page.links_to_anchors = {}


ASSETS = ("status.css", "status.js")
"""The site's own stylesheet and script, referenced by ``extra_css``/``extra_javascript``."""
NAV_PATHS = frozenset({"", "services/", urls.history_path(), urls.newsroom_path()})

