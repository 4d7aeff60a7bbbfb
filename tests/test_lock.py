"""The locked environment (requirements-lock.txt, made by `make lock` with pip-tools): it names every third-party
package npr_lib imports, and an environment made by `make setup` has exactly the locked versions."""
import ast, hashlib, re, sys
from importlib import metadata
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT/'requirements-lock.txt'
OPTIONAL = {'tinycudann', 'torchvision'}   # used when present (GPU encoder, RAFT flow), never required

def norm(name:str)->str: return re.sub(r'[-_.]+', '-', name).lower()

def locked()->dict[str,str]:
    "Package → version, from the lock's `name==version` lines."
    out = {}
    for line in LOCK.read_text().splitlines():
        m = re.match(r'^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)', line)
        if m: out[norm(m[1])] = m[2]
    return out

def imported_modules()->set[str]:
    "Top-level modules imported anywhere in npr_lib (lazy imports inside functions too)."
    mods = set()
    for f in (ROOT/'npr_lib').glob('*.py'):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import): mods |= {a.name.split('.')[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module: mods.add(node.module.split('.')[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m not in ('npr_lib', '__future__')}

def test_lock_names_every_import():
    lock, dists = locked(), metadata.packages_distributions()
    assert 'torch' in lock and lock['torch'].endswith('+cpu'), "the lock is made for the CPU build of torch (make lock)"
    missing = {}
    for mod in sorted(imported_modules() - OPTIONAL):
        names = [norm(d) for d in dists.get(mod, [])]
        if not names: missing[mod] = 'not installed here'
        elif not any(n in lock for n in names): missing[mod] = f"its distribution {names} is not in the lock"
    assert not missing, f"{LOCK.name}: {missing}; add the dependency to pyproject.toml and run `make lock`"

def test_setup_installed_the_locked_versions():
    stamp = Path(sys.prefix)/'.installed'
    digest = hashlib.sha1(LOCK.read_bytes()).hexdigest()
    if not stamp.is_file() or digest not in stamp.read_text():
        pytest.skip(f"this environment ({sys.prefix}) was not made by `make setup` from the current {LOCK.name}")
    wrong = {}
    for name, version in locked().items():
        if name == 'torch': continue            # `make setup` keeps a torch already installed (a CUDA build, say)
        try: have = metadata.version(name)
        except metadata.PackageNotFoundError: wrong[name] = (version, None); continue
        if have != version: wrong[name] = (version, have)
    assert not wrong, f"installed versions differ from {LOCK.name} (locked, installed): {wrong}; run `make setup`"
