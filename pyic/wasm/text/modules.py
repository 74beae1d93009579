"""Modules in the text format (spec text/modules.rst).

A module is read in three passes over its fields, which is what the spec's
identifier context amounts to (every identifier of the module is in scope in
every field):

1. bind the identifiers of all definitions and imports, in order, and check
   that no import follows a definition of a function, table, memory, global
   or tag;
2. read all type definitions, so that type uses can be checked and matched;
3. read every other field, in order, desugaring the abbreviations:

   * inline ``(export "n")`` becomes an export of the entity, at the field's
     place in the export list; inline ``(import "m" "n")`` becomes an import;
   * ``(table ... reftype (elem ...))`` becomes a table of exactly that size plus
     an active element segment at offset 0; ``(memory (data ...))`` likewise
     becomes a memory of ceil(len/64Ki) pages plus an active data segment;
   * a type use without ``(type x)`` becomes the first plain function type
     equal to it, or a new one appended to the end of the type section, in
     the order in which such uses occur in the text;
   * element lists of function indices become ``(ref.func x)`` expressions
     of type ``(ref func)``; a lone folded instruction stands for
     ``(offset ...)`` or ``(item ...)``.
"""

from __future__ import annotations

from ..syntax.instructions import Instr, walk
from ..syntax.opcodes import ALL_OPCODES
from ..syntax.modules import (
    DECLARATIVE, PASSIVE, Active, Data, Elem, Export, Func, Global, Import, Mem, Module,
    BranchHint, Names, Start, Table, Tag,
)
from ..features import enabled
from ..syntax.types import Exact, Limits, MemType, RefType, TableType, TagType
from ..binary.names import decode_names
from .annotations import custom_section, misplaced, name_value
from .context import FuncContext, ModuleContext
from .instructions import const_expr, folded, index, instrs, is_instr_keyword
from .lexer import EOF, ID, KEYWORD, LPAR, NAT, RPAR, STRING
from .reader import Reader
from .types import (
    addrtype, functype_at, globaltype, limits, memtype, pagesize, rectype, reftype, resolve_typeuse,
    tabletype, typeuse, valtype,
)

_ENTITY_FIELDS = ("func", "table", "memory", "global", "tag")
_SPACE_OF = {"func": "funcs", "table": "tables", "memory": "mems", "global": "globals",
             "tag": "tags"}
_FIELDS = frozenset(("type", "rec", "import", "func", "table", "memory", "global", "tag",
                     "export", "start", "elem", "data"))
_DEFINITION_NAMES = {"func": "function", "table": "table", "memory": "memory",
                     "global": "global", "tag": "tag"}
_FUNCREF_NONNULL = RefType(False, "func")


def is_field_keyword(word: str | None) -> bool:
    return word in _FIELDS


def module(r: Reader, version: int = 3) -> tuple[str | None, Module]:
    """``(module $id? modulefield*)``: the module's id and the module."""
    at = r.i
    r.open("module")
    name = r.opt_id()
    m = module_fields(r, name, version, at)
    r.rpar()
    return name, m


def module_fields(r: Reader, name: str | None = None, version: int = 3,
                  parent: int | None = None) -> Module:
    """The fields of a module, up to the next ``)`` or the end of input;
    ``parent`` is the index of the module's ``(`` (``None`` when the fields
    stand alone), where its annotations (`annotations`) must stand."""
    return _ModuleParser(r, name, version, parent).parse()


class _ModuleParser:
    def __init__(self, r: Reader, name: str | None, version: int,
                 parent: int | None = None) -> None:
        self.r = r
        self.c = ModuleContext(version)
        self.name = name
        self.parent = parent
        self.start = r.i
        self.imports: list = []
        self.funcs: list = []
        self.tables: list = []
        self.mems: list = []
        self.globals: list = []
        self.tags: list = []
        self.elems: list = []
        self.datas: list = []
        self.exports: list = []
        self.start_func: Start | None = None
        self.local_names: list = []

    # ------------------------------------------------------------ pass 1

    def _bind(self) -> list:
        """Bind all identifiers; the fields as (keyword, token index, entity index)."""
        r, c = self.r, self.c
        kinds, vals, match = r.kinds, r.vals, r.match
        fields = []
        last_definition = None      # (keyword, token index) of the latest definition
        misplaced_import = None     # (definition keyword, import token index)
        i = r.i
        while kinds[i] == LPAR:
            if kinds[i + 1] != KEYWORD or vals[i + 1] not in _FIELDS:
                raise r.unexpected(i + 1)
            word = vals[i + 1]
            entity = None
            if word == "type":
                name = vals[i + 2] if kinds[i + 2] == ID else None
                c.types.bind(name, r, i + 2)
            elif word == "rec":
                j = i + 2
                while kinds[j] == LPAR and kinds[j + 1] == KEYWORD and vals[j + 1] == "type":
                    name = vals[j + 2] if kinds[j + 2] == ID else None
                    c.types.bind(name, r, j + 2)
                    if j not in match:
                        break
                    j = match[j] + 1
            elif word in _ENTITY_FIELDS:
                name = vals[i + 2] if kinds[i + 2] == ID else None
                entity = getattr(c, _SPACE_OF[word]).bind(name, r, i + 2)
                j = i + 3 if name is not None else i + 2
                while (kinds[j] == LPAR and kinds[j + 1] == KEYWORD and vals[j + 1] == "export"
                       and j in match):
                    j = match[j] + 1
                if kinds[j] == LPAR and kinds[j + 1] == KEYWORD and vals[j + 1] == "import":
                    if last_definition is not None and misplaced_import is None:
                        misplaced_import = (last_definition, i)
                else:
                    last_definition = word
            elif word == "import":
                j = i + 4
                if (kinds[i + 2] == STRING and kinds[i + 3] == STRING and kinds[j] == LPAR
                        and kinds[j + 1] == KEYWORD and vals[j + 1] in _ENTITY_FIELDS):
                    kind = vals[j + 1]
                    name = vals[j + 2] if kinds[j + 2] == ID else None
                    entity = getattr(c, _SPACE_OF[kind]).bind(name, r, j + 2)
                if last_definition is not None and misplaced_import is None:
                    misplaced_import = (last_definition, i)
            elif word == "elem":
                entity = c.elems.bind(vals[i + 2] if kinds[i + 2] == ID else None, r, i + 2)
            elif word == "data":
                entity = c.datas.bind(vals[i + 2] if kinds[i + 2] == ID else None, r, i + 2)
            fields.append((word, i, entity))
            if i not in match:
                raise r.error("unexpected token", len(kinds) - 1)
            i = match[i] + 1
        if kinds[i] != RPAR and kinds[i] != EOF:
            raise r.unexpected(i)
        self.end = i
        if misplaced_import is not None:
            # The reference interpreter names the latest definition an import follows.
            last_import = max(k for w, k, _ in fields if w == "import" or self._inline_import(k))
            latest = None
            for w, k, _ in fields:
                if k > last_import:
                    break
                if w in _ENTITY_FIELDS and not self._inline_import(k):
                    latest = w
            raise r.error(f"import after {_DEFINITION_NAMES[latest]} definition", last_import)
        return fields

    def _inline_import(self, i: int) -> bool:
        r = self.r
        kinds, vals, match = r.kinds, r.vals, r.match
        if vals[i + 1] not in _ENTITY_FIELDS:
            return False
        j = i + 3 if kinds[i + 2] == ID else i + 2
        while (kinds[j] == LPAR and kinds[j + 1] == KEYWORD and vals[j + 1] == "export"
               and j in match):
            j = match[j] + 1
        return kinds[j] == LPAR and kinds[j + 1] == KEYWORD and vals[j + 1] == "import"

    # ------------------------------------------------------------ passes 2 and 3

    def parse(self) -> Module:
        r, c = self.r, self.c
        fields = self._bind()
        # where branch hints stand (token indices), and the instruction each is for
        self.hint_tokens = frozenset(
            a.index for a in r.toks.annots
            if a.id == "metadata.code.branch_hint" and self.start <= a.index <= self.end)
        self.hint_index: dict = {}
        for word, i, _ in fields:
            if word == "type" or word == "rec":
                r.i = i
                c.add_rectype(rectype(r, c))
        for word, i, entity in fields:
            if word == "type" or word == "rec":
                continue
            r.i = i + 2
            getattr(self, "_" + word)(entity)
            r.rpar()
        r.i = self.end
        customs, module_name, debug_names, hints = self._annotations(fields)
        funcs = {i: n for n, i in c.funcs.names.items()}
        funcs.update(debug_names)
        func_names = tuple(sorted(funcs.items()))
        names = None
        explicit = [cs for cs in customs if cs.name == "name"]
        if explicit:
            # an explicit name section (``(@custom "name" ...)``) stands for itself
            names = decode_names(explicit[0].data)
        elif module_name is not None or func_names or self.local_names:
            names = Names(module=module_name, funcs=func_names, locals=tuple(self.local_names))
        return Module(
            types=tuple(c.rectypes), imports=tuple(self.imports), funcs=tuple(self.funcs),
            tables=tuple(self.tables), mems=tuple(self.mems), globals=tuple(self.globals),
            tags=tuple(self.tags), elems=tuple(self.elems), datas=tuple(self.datas),
            start=self.start_func, exports=tuple(self.exports),
            customs=tuple(customs), names=names, hints=tuple(hints),
        )

    def _annotations(self, fields: list) -> tuple[list, str | None, dict, list]:
        """The module's ``@custom`` sections, its name, its functions' ``@name``s
        (funcidx -> name) and its branch hints, from the annotations among its tokens."""
        r = self.r
        toks = r.toks
        kinds = r.kinds
        customs: list = []
        module_name = self.name
        named_module = False
        debug_names: dict = {}
        hints: list = []
        hinted: set = set()
        heads = {}      # "(" of a field (or an import's inner field) -> (keyword, entity)
        for word, i, entity in fields:
            if word == "import":
                heads[i + 4] = (r.vals[i + 5], entity)
            else:
                heads[i] = (word, entity)
        for a in toks.annots:
            if not self.start <= a.index <= self.end:
                continue
            if a.id == "metadata.code.branch_hint":
                hints.append(self._branch_hint(a, fields, hinted))
            elif a.id == "custom":
                if a.parent != self.parent:
                    raise misplaced(toks, a)
                customs.append(custom_section(toks, a))
            elif a.id == "name":
                if a.parent == self.parent:
                    if a.index != self.start:
                        raise misplaced(toks, a)
                    if named_module:
                        raise toks.error("@name annotation: multiple module", a.start)
                    named_module = True
                    module_name = name_value(toks, a)
                    continue
                head = heads.get(a.parent)
                j = None if a.parent is None else a.parent + 2
                if j is not None and kinds[j] == ID:
                    j += 1
                if head is None or head[0] not in _ENTITY_FIELDS or a.index != j:
                    raise misplaced(toks, a)
                value = name_value(toks, a)
                if head[0] == "func":
                    debug_names[head[1]] = value
                # names of other entities are checked, not kept: `Names` holds
                # the module, function and local names only
        return customs, module_name, debug_names, hints

    def _branch_hint(self, a, fields: list, hinted: set) -> BranchHint:
        """``(@metadata.code.branch_hint "\\00"|"\\01")`` before an instruction of a
        function (its target is checked by validation, `valid.modules`)."""
        r = self.r
        toks, kinds, vals = r.toks, r.kinds, r.vals
        message = "@metadata.code.branch_hint annotation: "
        func = None
        end = -1
        for word, i, entity in fields:
            if word == "func" and i < a.index <= r.match.get(i, -1):
                func, end = entity, r.match[i]
        if func is None:
            raise toks.error(message + "not in a function", a.start)
        if a.index in hinted:
            raise toks.error(message + "duplicate annotation", a.start)
        hinted.add(a.index)
        body = a.tokens(toks)
        if (body.kinds[0] != STRING or body.kinds[1] != EOF
                or body.vals[0] not in (b"\x00", b"\x01")):
            raise toks.error(message + "malformed hint", a.start)
        if not any(kinds[k] == KEYWORD and vals[k] in ALL_OPCODES for k in range(a.index, end)):
            # A hint is for the instruction written after it; with none left in the
            # function it stands nowhere (the reference interpreter's "invalid placement",
            # interpreter/custom/handler_branch_hint.ml), rather than before a wrong one.
            raise toks.error(message + "invalid placement", a.start)
        j = a.index + 1 if kinds[a.index] == LPAR else a.index
        target = vals[j] if kinds[j] == KEYWORD and vals[j] in ALL_OPCODES else None
        return BranchHint(func, target, body.vals[0][0], toks.position(a.start),
                          self.hint_index.get(a.index, -1))

    # Each field reader starts after ``(keyword`` and stops before ``)``.

    def _inline_exports(self, kind: str, entity: int) -> None:
        r = self.r
        while r.peek_field() == "export":
            r.i += 2
            self.exports.append(Export(r.name(), kind, entity))
            r.rpar()

    def _inline_import_names(self):
        r = self.r
        if r.peek_field() != "import":
            return None
        r.i += 2
        module_name = r.name()
        item_name = r.name()
        r.rpar()
        return module_name, item_name

    def _func(self, entity: int) -> None:
        r, c = self.r, self.c
        r.opt_id()
        self._inline_exports("func", entity)
        imported = self._inline_import_names()
        names: list = []
        if imported is not None:
            self.imports.append(Import(imported[0], imported[1], "func",
                                       self._exacttypeuse(names)))
            return
        x, params, results, at = typeuse(r, c, names)
        typeidx = resolve_typeuse(r, c, x, params, results, at)
        f = FuncContext()
        for name, pos in names:
            f.locals.bind(name, r, pos)
        need_params = x is not None and not params and not results
        locals_: list = []
        while r.peek_field() == "local":
            r.i += 2
            if r.kinds[r.i] == ID:
                if need_params:
                    # named locals come after the parameters of the explicit type
                    f.locals.count = len(functype_at(r, c, x, at).params) + len(locals_)
                    need_params = False
                f.locals.bind(r.vals[r.i], r, r.i)
                r.i += 1
                locals_.append(valtype(r, c))
            else:
                while r.kinds[r.i] != RPAR:
                    locals_.append(valtype(r, c))
                    f.locals.count += 1
            r.rpar()
        if f.locals.names:
            self.local_names.append(
                (entity, tuple(sorted((i, n) for n, i in f.locals.names.items()))))
        f.labels.append(None)   # the function body is a block
        f.hints = self.hint_tokens
        body = instrs(r, c, f)
        if f.hinted:
            # branch hints: the hinted instructions' numbers in the body
            for k, instr in enumerate(walk(body)):
                if id(instr) in f.hinted:
                    self.hint_index[f.hinted[id(instr)]] = k
        self.funcs.append(Func(typeidx, tuple(locals_), body))

    def _exacttypeuse(self, names: list):
        """A function import's type: ``typeuse``, or with custom-descriptors
        ``(exact typeuse)`` (an `Exact` type index; docs/proposals.md)."""
        r, c = self.r, self.c
        exact = r.peek_field() == "exact" and enabled("custom-descriptors")
        if exact:
            r.i += 2
        x, params, results, at = typeuse(r, c, names)
        typeidx = resolve_typeuse(r, c, x, params, results, at)
        if exact:
            r.rpar()
            return Exact(typeidx)
        return typeidx

    def _table(self, entity: int) -> None:
        r, c = self.r, self.c
        r.opt_id()
        self._inline_exports("table", entity)
        imported = self._inline_import_names()
        if imported is not None:
            self.imports.append(Import(imported[0], imported[1], "table", tabletype(r, c)))
            return
        at = addrtype(r)
        if r.kinds[r.i] == NAT:
            lim = limits(r, c, at)
            rt = reftype(r, c)
            init = None
            if not r.at_rpar():
                init = instrs(r, c, FuncContext())
                if not init:
                    raise r.unexpected()
            self.tables.append(Table(TableType(lim, rt), init))
            return
        # (table at? reftype (elem ...)): a table exactly as large as the segment
        rt = reftype(r, c)
        r.open("elem")
        if r.kinds[r.i] in (NAT, ID, RPAR):
            items = self._funcidx_items()
        else:
            items = self._elemexprs()
            if not items:
                raise r.unexpected()
        r.rpar()
        n = len(items)
        self.tables.append(Table(TableType(Limits(n, n, at), rt), None))
        self.elems.append(Elem(rt, items, Active(entity, (Instr(at + ".const", (0,)),))))

    def _memory(self, entity: int) -> None:
        r, c = self.r, self.c
        r.opt_id()
        self._inline_exports("memory", entity)
        imported = self._inline_import_names()
        if imported is not None:
            self.imports.append(Import(imported[0], imported[1], "memory", memtype(r, c)))
            return
        start = r.i
        at = addrtype(r)
        page_size = pagesize(r)
        if r.peek_field() == "data":
            # (memory at? (pagesize n)? (data ...)): a memory exactly as large as the
            # data, in pages
            r.i += 2
            data = r.strings()
            r.rpar()
            n = -(-len(data) // page_size)
            self.mems.append(Mem(MemType(Limits(n, n, at), page_size)))
            self.datas.append(Data(data, Active(entity, (Instr(at + ".const", (0,)),))))
            return
        r.i = start
        self.mems.append(Mem(memtype(r, c)))

    def _global(self, entity: int) -> None:
        r, c = self.r, self.c
        r.opt_id()
        self._inline_exports("global", entity)
        imported = self._inline_import_names()
        gt = globaltype(r, c)
        if imported is not None:
            self.imports.append(Import(imported[0], imported[1], "global", gt))
            return
        self.globals.append(Global(gt, const_expr(r, c)))

    def _tag(self, entity: int) -> None:
        r, c = self.r, self.c
        r.opt_id()
        self._inline_exports("tag", entity)
        imported = self._inline_import_names()
        x, params, results, at = typeuse(r, c, [])
        tt = TagType(resolve_typeuse(r, c, x, params, results, at))
        if imported is not None:
            self.imports.append(Import(imported[0], imported[1], "tag", tt))
            return
        self.tags.append(Tag(tt))

    def _import(self, entity) -> None:
        r, c = self.r, self.c
        module_name = r.name()
        item_name = r.name()
        r.lpar()
        kind = r.vals[r.i] if r.kinds[r.i] == KEYWORD else None
        if kind not in _ENTITY_FIELDS:
            raise r.unexpected()
        r.i += 1
        r.opt_id()
        if kind == "func":
            desc = self._exacttypeuse([])
        elif kind == "tag":
            x, params, results, at = typeuse(r, c, [])
            desc = TagType(resolve_typeuse(r, c, x, params, results, at))
        elif kind == "table":
            desc = tabletype(r, c)
        elif kind == "memory":
            desc = memtype(r, c)
        else:
            desc = globaltype(r, c)
        r.rpar()
        self.imports.append(Import(module_name, item_name, kind, desc))

    def _export(self, entity) -> None:
        r, c = self.r, self.c
        name = r.name()
        r.lpar()
        kind = r.vals[r.i] if r.kinds[r.i] == KEYWORD else None
        if kind not in _ENTITY_FIELDS:
            raise r.unexpected()
        r.i += 1
        x = index(r, getattr(c, _SPACE_OF[kind]))
        r.rpar()
        self.exports.append(Export(name, kind, x))

    def _start(self, entity) -> None:
        r = self.r
        at = r.i - 2
        x = index(r, self.c.funcs)
        if self.start_func is not None:
            raise r.error("multiple start sections", at)
        self.start_func = Start(x)

    def _offset(self) -> tuple:
        """``(offset expr)`` or one folded instruction."""
        r = self.r
        if r.peek_field() == "offset":
            r.i += 2
            e = const_expr(r, self.c)
            r.rpar()
            return e
        return folded(r, self.c, FuncContext())

    def _at_offset(self, at: int | None = None) -> bool:
        r = self.r
        i = r.i if at is None else at
        word = r.vals[i + 1] if r.kinds[i] == LPAR and r.kinds[i + 1] == KEYWORD else None
        return word == "offset" or is_instr_keyword(word)

    def _funcidx_items(self) -> tuple:
        r = self.r
        items = []
        while r.kinds[r.i] in (NAT, ID):
            items.append((Instr("ref.func", (index(r, self.c.funcs),)),))
        return tuple(items)

    def _elemexprs(self) -> tuple:
        """``(item expr)`` or one folded instruction, repeated."""
        r, c = self.r, self.c
        items = []
        while r.kinds[r.i] == LPAR:
            if r.peek_field() == "item":
                r.i += 2
                items.append(const_expr(r, c))
                r.rpar()
            else:
                items.append(folded(r, c, FuncContext()))
        return tuple(items)

    def _elemlist(self) -> tuple:
        """``func funcidx*`` or ``reftype elemexpr*``: (reftype, items)."""
        r = self.r
        if r.at_keyword("func"):
            r.i += 1
            return _FUNCREF_NONNULL, self._funcidx_items()
        rt = reftype(r, self.c)
        return rt, self._elemexprs()

    def _elem(self, entity) -> None:
        r = self.r
        r.opt_id()
        if r.at_keyword("declare"):
            r.i += 1
            rt, items = self._elemlist()
            mode = DECLARATIVE
        elif r.peek_field() == "table":
            r.i += 2
            table = index(r, self.c.tables)
            r.rpar()
            offset = self._offset()
            rt, items = self._elemlist()
            mode = Active(table, offset)
        elif r.kinds[r.i] in (NAT, ID) and r.kinds[r.i + 1] == LPAR and self._at_offset(r.i + 1):
            # (elem x (offset ...) funcidx*): the table index without (table ...),
            # the 1.0 form the reference interpreter still reads
            table = index(r, self.c.tables)
            offset = self._offset()
            rt, items = _FUNCREF_NONNULL, self._funcidx_items()
            mode = Active(table, offset)
        elif self._at_offset():
            offset = self._offset()
            if r.kinds[r.i] in (NAT, ID, RPAR):
                rt, items = _FUNCREF_NONNULL, self._funcidx_items()
            else:
                rt, items = self._elemlist()
            mode = Active(0, offset)
        else:
            rt, items = self._elemlist()
            mode = PASSIVE
        self.elems.append(Elem(rt, items, mode))

    def _data(self, entity) -> None:
        r = self.r
        r.opt_id()
        if r.peek_field() == "memory":
            r.i += 2
            mem = index(r, self.c.mems)
            r.rpar()
            mode = Active(mem, self._offset())
        elif r.kinds[r.i] in (NAT, ID) and r.kinds[r.i + 1] == LPAR and self._at_offset(r.i + 1):
            # (data x (offset ...) string*): the 1.0 form, as for elem
            mem = index(r, self.c.mems)
            mode = Active(mem, self._offset())
        elif self._at_offset():
            mode = Active(0, self._offset())
        else:
            mode = PASSIVE
        self.datas.append(Data(r.strings(), mode))
