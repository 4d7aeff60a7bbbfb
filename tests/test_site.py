"""The documentation site and the README, built offline from the notebooks (npr_lib.site): the built files.
tests/test_site_browser.py reads the same site in Chromium."""
import atexit, functools, html, io, json, re, shutil, tempfile, tokenize
from html.parser import HTMLParser
from pathlib import Path
import pytest
from npr_lib.site import anchor, build_docs, check_links, doc_notebooks, page_name, readme_is_current, source_lines

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
pytestmark = pytest.mark.xdist_group("site")  # one worker builds the site once, for this module and the browser test

@functools.lru_cache(None)
def built_site()->Path:
    "The whole site, built once per process. The notebooks' runs come from the project's .cache/npr-docs when current."
    d = Path(tempfile.mkdtemp(prefix='npr-site-'))
    atexit.register(shutil.rmtree, d, True)
    return build_docs(d/"_docs", quarto=False)

_FIGURE = re.compile(r'plt\.|\bfig\b|imshow\(|\bshow_(?!doc\b)\w+\(|Image\(|savefig\(|_figure\(')

def _code(src:str)->str:
    "A cell's source without its strings and comments (a figure call written in a test's string is no figure)."
    try: toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, SyntaxError): return src
    return ' '.join(t.string for t in toks if t.type not in (tokenize.STRING, tokenize.COMMENT)).replace(' . ', '.').replace(' (', '(')

def figure_notebooks()->list[Path]:
    "The notebooks with a figure cell: a code cell, not exported, that draws with matplotlib or shows a picture."
    def fig(c):
        src = ''.join(c['source'])
        return c['cell_type'] == 'code' and not re.match(r'\s*#\|\s*export', src) and _FIGURE.search(_code(src))
    return [p for p in doc_notebooks(NBS) if any(fig(c) for c in json.loads(p.read_text(encoding='utf-8'))['cells'])]

@pytest.fixture(scope="module")
def site(): return built_site()

def _text(page):
    "A page's visible text: tags removed, entities decoded."
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))

class _Prose(HTMLParser):
    "Collects the text of a page outside code, scripts, styles and mkdocs-jupyter's hidden copies of the code cells."
    skip = {"pre", "code", "script", "style"}
    def __init__(self): super().__init__(); self.depth, self.copy, self.parts = 0, False, []
    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.skip
        self.copy = self.copy or (tag == "div" and "clipboard-copy-txt" in (dict(attrs).get("class") or ""))
    def handle_endtag(self, tag):
        self.depth -= tag in self.skip and self.depth > 0
        if tag == "div": self.copy = False
    def handle_data(self, data):
        if not self.depth and not self.copy: self.parts.append(data)

def _prose(page):
    "A page's text outside code, as a reader sees it rendered (code may quote markup on purpose)."
    p = _Prose(); p.feed(page.read_text(encoding="utf-8"))
    return "".join(p.parts)

def _article(page):
    "The part of a page that is the notebook (not the sidebar, header or footer)."
    return page.read_text(encoding="utf-8").split('<article', 1)[1].split('</article>', 1)[0]


def test_one_page_per_notebook(site):
    expected = {page_name(p, NBS) for p in doc_notebooks(NBS)}
    assert "index.html" in expected and len(expected) == len(doc_notebooks(NBS))
    have = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert expected <= have
    assert have - expected <= {"404.html"} | {p for p in have if p.startswith("source/")}, have - expected
    assert (site/"search"/"search_index.json").is_file() and (site/"assets"/"npr.css").is_file()


def test_links_resolve(site):
    assert check_links(site) == []


def test_sidebar_lists_every_page_and_footer_links_next(site):
    pages = {page_name(p, NBS) for p in doc_notebooks(NBS)}
    for p in pages:
        text = (site/p).read_text(encoding="utf-8")
        nav = set(re.findall(r'<a href="([^"#]+)" class="md-nav__link', text))
        assert nav == pages, (p, sorted(pages - nav), sorted(nav - pages))
        if p != "index.html": assert "md-footer__link--prev" in text, p


def test_api_entries_documented_with_source_links(site):
    import npr_lib.geometry as geometry
    geo = (site/"geometry.html").read_text(encoding="utf-8")
    missing = [n for n in geometry.__all__ if callable(getattr(geometry, n)) and f'id="{anchor(n)}"' not in geo]
    assert not missing, f"exported but not documented on geometry.html: {missing}"
    edit = _article(site/"edit.html")
    m = re.search(r'<a class="npr-source" href="source/edit\.html#L-(\d+)"[^>]*>source</a>\s*</p>\s*<h3 id="render_edited"', edit)
    assert m, "render_edited has no source link"
    line = int(m.group(1))
    assert line == source_lines(ROOT/"npr_lib"/"edit.py")["render_edited"]
    assert (ROOT/"npr_lib"/"edit.py").read_text().splitlines()[line - 1].startswith("def render_edited(")
    assert f'id="L-{line}"' in (site/"source"/"edit.html").read_text(encoding="utf-8")
    for p in site.glob("*.html"):
        text = _text(p)
        assert "nbdev.nbdev_export()" not in text, f"{p.name} shows the hidden export cell"
        assert not re.search(r"^#\| *(export|hide|default_exp)\b", text, re.M), f"{p.name} shows nbdev directives"


def test_no_quarto_markup_and_whole_subtitles(site):
    for p in site.glob("*.html"):
        assert "{target=" not in _prose(p), f"{p.name} shows Quarto's attribute markup"
    assert "a recolour — and every frame of the 360° video shows it, moving with the camera and the objects." in _text(site/"edit.html")


def test_figures_on_their_pages(site):
    figs = figure_notebooks()
    assert len(figs) >= 15, [p.name for p in figs]
    none = [page_name(p, NBS) for p in figs if "<img" not in _article(site/page_name(p, NBS))]
    assert not none, f"notebooks with figure cells whose pages show no picture: {none}"
    edit = _article(site/"edit.html")
    assert edit.count('src="data:image/png') >= 5, "the editing notebook's figures are not on its page"
    assert 'images/walking_boy_edit.jpg' in _article(site/"index.html") and (site/"images"/"walking_boy_edit.jpg").is_file()


def test_pipeline_page_is_an_executed_run(site):
    page = _article(site/"pipeline.html")
    text = _text(site/"pipeline.html")
    assert '"ws_psnr"' in text and "steps = 150" in text and 'src="data:image/png' in page   # the docs' parameters, the run's metrics and figures
    videos = re.findall(r'<video [^>]*src="([^"]+\.mp4)"', page)
    assert {Path(v).name for v in videos} >= {"input_360.mp4", "reconstruction.mp4", "input_vs_reconstruction.mp4"}, videos
    assert all((site/v).stat().st_size > 1000 for v in videos)


def test_search_index_has_the_api(site):
    docs = json.loads((site/"search"/"search_index.json").read_text(encoding="utf-8"))["docs"]
    assert any(d["location"] == "edit.html#render_edited" for d in docs), "render_edited is not in the search index"
    assert not any(d["location"].startswith("source/") for d in docs), "source pages should stay out of the search"


def test_readme_up_to_date():
    assert readme_is_current(ROOT), "README.md is out of date with nbs/index.ipynb: run `npr readme` (make readme) and commit"


def test_cli_readme_check(capsys):
    from npr_lib.cli import main
    assert main(["readme", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
