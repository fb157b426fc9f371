"""The rooms of the code and which may import which (DESIGN.md's table).

Imports are read from the source with :mod:`ast`, so the check needs no
service running and sees every module, whether or not a test loads it.
"""

import ast
import os
import subprocess
import sys

import consolehub

PACKAGE_DIR = os.path.dirname(consolehub.__file__)

#: Room -> the rooms it may import (besides itself and the shared leaves
#: ``exception``, ``context`` and ``conf``). Arrows point down the table.
ALLOWED = {
    'cmd': None,   # entry points: anything
    'wsgi': None,
    'api': {'compute.api', 'image', 'objects', 'policies', 'policy',
            'compute.rpcapi', 'rpc'},
    'console': {'objects', 'serialhub'},
    'compute': {'virt', 'objects', 'rpc', 'image', 'serialhub'},
    'image': {'objects'},
    'virt': set(),
    'serialhub': set(),
    'objects': {'db'},
    'db': set(),
    'policies': set(),
    'conf': set(),
    'policy': {'policies'},
    'rpc': set(),
    'process': {'rpc'},
    'exception': set(),
    'context': set(),
    'tls': set(),
}
SHARED = {'exception', 'context', 'conf', 'tls'}


def _modules():
    """``{dotted module name: path}`` of every consolehub module."""
    found = {}
    for directory, _dirs, files in os.walk(PACKAGE_DIR):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, os.path.dirname(PACKAGE_DIR))
            dotted = relative[:-3].replace(os.sep, '.')
            if dotted.endswith('.__init__'):
                dotted = dotted[:-len('.__init__')]
            found[dotted] = path
    return found


def _imports(path, modules):
    """The consolehub modules ``path`` imports, in functions too."""
    tree = ast.parse(open(path).read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                candidate = '%s.%s' % (node.module, alias.name)
                names.add(candidate if candidate in modules
                          else node.module)
    return {name for name in names
            if name.startswith('consolehub.') and name in modules}


def _room(module):
    parts = module.split('.')[1:]
    if parts[:2] in (['compute', 'api'], ['compute', 'rpcapi']):
        return '.'.join(parts[:2])
    return parts[0] if parts else ''


def _graph():
    modules = _modules()
    return {module: _imports(path, modules)
            for module, path in modules.items()
            if '.db.migrations.' not in module}


def test_no_import_cycles():
    graph = _graph()
    state = {}
    cycles = []

    def visit(module, stack):
        state[module] = 'open'
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 'open':
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[module] = 'done'

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert cycles == []


def test_no_import_against_the_layers():
    wrong = []
    for module, targets in _graph().items():
        room = _room(module)
        if not room:
            continue  # the package itself
        if room in ('compute.api', 'compute.rpcapi'):
            room = 'compute'
        allowed = ALLOWED[room]
        if allowed is None:
            continue
        for target in targets:
            target_room = _room(target)
            top = target_room.split('.')[0]
            if (target_room == room or top == room.split('.')[0] or
                    top in SHARED or target_room in allowed or
                    top in allowed):
                continue
            wrong.append('%s -> %s' % (module, target))
    assert wrong == []


def test_virt_knows_no_database():
    for module, targets in _graph().items():
        if _room(module) == 'virt':
            assert not any(_room(t) in ('db', 'objects') for t in targets)


def test_the_api_never_loads_libvirt():
    """On a fresh interpreter, the API's whole pipeline and everything
    its handlers import leave libvirt-python unloaded."""
    code = ('import sys\n'
            'import consolehub.api.deploy, consolehub.api.router\n'
            'import consolehub.api.middleware.discovery\n'
            'import consolehub.api.middleware.auth\n'
            'import consolehub.console.service\n'
            'print(sorted(m for m in sys.modules if m == "libvirt" or '
            'm.startswith("consolehub.virt")))\n')
    output = subprocess.run([sys.executable, '-c', code], check=True,
                            capture_output=True, text=True).stdout
    assert output.strip() == '[]'
