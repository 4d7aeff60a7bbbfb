"""The built documentation site read as a reader reads it: served over http (the search runs in a web worker, which
file:// forbids) and opened in headless Chromium. Every notebook has a page, no page shows Quarto's attribute
markup, every library notebook with a figure cell shows a picture, the internal links and images load, the API
entries link to their source, and the search box finds `render_edited`. Screenshots of the landing page and
the editing page are kept in outputs/docs_site/.

Needs Debian's Chromium and the `playwright` package (tests/browser_setup.sh installs both); skips, saying why,
when either is missing. The site is the one tests/test_site.py builds (run once per process)."""
import functools, http.server, json, os, re, shutil, socketserver, threading
from pathlib import Path
import pytest
from npr_lib.site import doc_notebooks, page_name
from test_site import built_site, figure_notebooks

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
CHROMIUM = os.environ.get('NPR_CHROMIUM') or shutil.which('chromium') or '/usr/bin/chromium'
CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
pytestmark = pytest.mark.xdist_group("site")  # the worker that builds the site for tests/test_site.py


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

@pytest.fixture(scope="module")
def served():
    "The built site on a local http server: (base url, site folder)."
    if not Path(CHROMIUM).exists(): pytest.skip(f"no Chromium at {CHROMIUM}: run tests/browser_setup.sh (apt-get install chromium)")
    try: import playwright.sync_api  # noqa: F401
    except ImportError: pytest.skip("the `playwright` package is not installed: run tests/browser_setup.sh (pip install playwright)")
    site = built_site()
    srv = socketserver.ThreadingTCPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try: yield f'http://127.0.0.1:{srv.server_address[1]}', site
    finally: srv.shutdown(); srv.server_close()

@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright
    base, _ = served
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
        ctx = b.new_context(viewport={'width': 1400, 'height': 1000})
        # offline, as the site must work: anything not from the local server is refused at once
        ctx.route('**/*', lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
        try: yield ctx
        finally: b.close()

# In the page: the notebook's text, its pictures that loaded, its links and images within the site.
READ_PAGE = """() => {
  const art = document.querySelector('article.md-content__inner');
  const imgs = [...art.querySelectorAll('img')];
  const local = u => u.startsWith(location.origin);
  const prose = art.cloneNode(true);   // the text a reader sees as text: code may quote markup on purpose
  prose.querySelectorAll('pre, code, script, style, .clipboard-copy-txt').forEach(e => e.remove());
  return {text: art.innerText, prose: prose.textContent,
          images: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
          broken_images: imgs.filter(i => i.complete && i.naturalWidth === 0).map(i => i.src.slice(0, 80)),
          links: [...document.querySelectorAll('a[href]')].map(a => a.href).filter(local),
          srcs: [...document.querySelectorAll('[src]')].map(e => e.src).filter(local),
          sources: [...art.querySelectorAll('a.npr-source')].map(a => a.getAttribute('href')),
          title: document.title};
}"""

def test_site_in_chromium(served, browser):
    base, site = served
    page = browser.new_page()
    seen, pages = {}, {page_name(p, NBS): p for p in doc_notebooks(NBS)}
    for name in pages:
        resp = page.goto(f'{base}/{name}', wait_until='load')
        assert resp.status == 200, f"{name}: HTTP {resp.status}"
        seen[name] = page.evaluate(READ_PAGE)
    # every notebook has a page, with its title
    assert set(seen) == set(pages) and len(pages) == len(doc_notebooks(NBS))
    # no Quarto attribute markup, on any page, as text a reader sees
    leaks = {n: m.group(0) for n, r in seen.items() if (m := re.search(r'\{(?:target|style)=[^}]*\}|\{[.#][A-Za-z][\w-]*[ }]', r['prose']))}
    assert not leaks, f"attribute markup shown as text: {leaks}"
    # every library notebook with a figure cell shows at least one picture, and every picture loads
    no_figure = [pages_ for pages_ in (page_name(p, NBS) for p in figure_notebooks()) if seen[pages_]['images'] == 0]
    assert not no_figure, f"pages of notebooks with figure cells that show no picture: {no_figure}"
    assert not {n: r['broken_images'] for n, r in seen.items() if r['broken_images']}
    # internal links and images load (fragments are checked on the files: test_site.py::test_links_resolve)
    urls = sorted({u.split('#')[0] for r in seen.values() for u in r['links'] + r['srcs']})
    status = page.evaluate("async urls => Promise.all(urls.map(u => fetch(u, {method: 'HEAD'}).then(r => r.status, e => 0)))", urls)
    bad = [u for u, s in zip(urls, status) if s != 200]
    assert not bad, f"{len(bad)} of {len(urls)} internal links fail: {bad[:10]}"
    # each API entry links to its source: on the editing page, render_edited's link opens the line of its def
    edit = seen['edit.html']
    link = next(h for h in edit['sources'] if re.search(r'source/edit\.html#L-\d+$', h) and 'render_edited' in
                (site/'source'/'edit.html').read_text().split(f'id="{h.split("#")[1]}"')[1][:400])
    page.goto(f'{base}/{link}')
    assert page.locator(f'#{link.split("#")[1]}').count() == 1
    page.close()

def test_search_finds_render_edited(served, browser):
    base, _ = served
    page = browser.new_page()
    page.goto(f'{base}/index.html', wait_until='load')
    page.locator('label.md-search__icon, .md-search__input').first.click()
    box = page.locator('input.md-search__input')
    box.fill('render_edited')
    page.wait_for_selector('.md-search-result__item a[href*="edit.html"]', timeout=20_000)
    hits = page.locator('.md-search-result__item').all_inner_texts()
    assert any('render_edited' in h for h in hits), hits[:5]
    first = page.locator('.md-search-result__item a[href*="edit.html"]').first.get_attribute('href')
    assert 'edit.html' in first
    page.close()

def test_next_previous_and_screenshots(served, browser):
    "Material's footer links each page to the next and previous in the sidebar; the two screenshots for the record."
    base, _ = served
    out = ROOT/'outputs'/'docs_site'; out.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    page.set_viewport_size({'width': 1400, 'height': 2600})   # the editing page down to its first API entries and figure
    page.goto(f'{base}/edit.html', wait_until='load')
    prev, nxt = page.locator('a.md-footer__link--prev'), page.locator('a.md-footer__link--next')
    assert prev.count() == 1 and nxt.count() == 1
    page.wait_for_timeout(300)
    page.screenshot(path=str(out/'edit.png'))
    nxt.click(); page.wait_for_load_state('load')
    assert not page.url.endswith('edit.html')
    page.set_viewport_size({'width': 1400, 'height': 1800})   # the landing page down to the real clip's picture
    page.goto(f'{base}/index.html', wait_until='load')
    page.wait_for_timeout(300)
    page.screenshot(path=str(out/'index.png'))
    assert (out/'index.png').stat().st_size > 30_000 and (out/'edit.png').stat().st_size > 30_000
    page.close()
