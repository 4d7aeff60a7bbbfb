"The documentation site and the README, built offline from the notebooks (npr_lib.site)."
import html, re
from pathlib import Path
import pytest
from npr_lib.site import build_docs, check_links, doc_notebooks, page_name, readme_is_current

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
pytestmark = pytest.mark.xdist_group("site")  # one worker builds the site once for the whole module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_docs(tmp_path_factory.mktemp("site")/"_docs", quarto=False)


def _text(page):
    "A page's visible text: tags removed, entities decoded."
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_one_page_per_notebook(site):
    expected = {page_name(p, NBS) for p in doc_notebooks(NBS)}
    assert "index.html" in expected and len(expected) == len(doc_notebooks(NBS))
    assert {p.relative_to(site).as_posix() for p in site.rglob("*.html")} == expected
    assert (site/"style.css").is_file()


def test_links_resolve(site):
    assert check_links(site) == []


def test_sidebar_lists_every_page(site):
    pages = sorted(p.name for p in site.glob("*.html"))
    for p in site.glob("*.html"):
        nav = p.read_text(encoding="utf-8").split('<nav class="sidebar">')[1].split("</nav>")[0]
        assert sorted(set(re.findall(r'href="([^"]+)"', nav))) == pages, p.name


def test_exports_documented_and_hidden_cells_dropped(site):
    import npr_lib.geometry as geometry
    geo = (site/"geometry.html").read_text(encoding="utf-8")
    missing = [n for n in geometry.__all__ if callable(getattr(geometry, n)) and f'id="{n.lower()}"' not in geo]
    assert not missing, f"exported but not documented on geometry.html: {missing}"
    for p in site.glob("*.html"):
        text = _text(p)
        assert "nbdev.nbdev_export()" not in text, f"{p.name} shows the hidden export cell"
        assert not re.search(r"^#\| *(export|hide|default_exp)\b", text, re.M), f"{p.name} shows nbdev directives"


def test_readme_up_to_date():
    assert readme_is_current(ROOT), "README.md is out of date with nbs/index.ipynb: run `npr readme` (make readme) and commit"


def test_cli_readme_check(capsys):
    from npr_lib.cli import main
    assert main(["readme", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
