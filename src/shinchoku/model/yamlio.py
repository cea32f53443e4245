"""Safe, text-preserving YAML loading and canonical YAML writing.

Two promises live here and nowhere else:

* **Loading is safe and text stays text.**  Only integers are resolved implicitly
  (``No: 5``); ``yes``, ``1.10``, ``2020-04-01``, ``~`` and an empty value all load
  as the strings they look like.  Python tags are refused, duplicate keys are an
  error (PyYAML would silently keep the last one).
* **Writing is canonical.**  The same data always gives the same bytes: keys in
  the order the caller (usually :mod:`shinchoku.model.schema`) gives, UTF-8 without
  escapes, multi-line text as literal blocks, no line folding, a final newline.

Reading uses the libyaml C parser when PyYAML was built with it (the pure-Python one
otherwise); writing always uses the pure-Python emitter so that output never depends
on how PyYAML was built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.representer import SafeRepresenter
from yaml.resolver import BaseResolver

from shinchoku.errors import ShinchokuError

HAVE_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))

_INT_TAG = "tag:yaml.org,2002:int"
_STR_TAG = "tag:yaml.org,2002:str"


class _TextResolver(BaseResolver):
    """Resolve plain scalars to int when they are decimal integers, else to str."""


_TextResolver.add_implicit_resolver(_INT_TAG, re.compile(r"^(?:[-+]?[0-9]+)$"), list("-+0123456789"))


def _plain_unique(node: MappingNode) -> bool:
    """True when every key is a plain scalar and no two are alike (the common case)."""
    keys = []
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG and key_node.tag != _INT_TAG:
            return False
        keys.append(key_node.value)
    return len(set(keys)) == len(keys)


class _Constructor(SafeConstructor):
    def construct_mapping(self, node, deep=False):  # noqa: D401 - PyYAML hook
        if isinstance(node, MappingNode) and not _plain_unique(node):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in seen:
                        raise ConstructorError(
                            None, None, f"キー「{key}」が2回書かれています", key_node.start_mark
                        )
                except TypeError:  # unhashable key; SafeConstructor reports it
                    break
                seen[key] = True
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):
        value = self.construct_scalar(node)
        text = value.replace("_", "")
        return int(text, 10)


_Constructor.add_constructor(_INT_TAG, _Constructor.construct_yaml_int)


def _refuse_tag(self, node):
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise ConstructorError(None, None, f"使えないタグ {tag} があります", node.start_mark)


# Timestamps, floats, bools and nulls are never resolved implicitly; an explicit tag
# (``!!bool yes``, ``!!float 5.0``, ``!!binary``) is refused too, or ``fmt`` would
# write a value that reads back as different text (``No: !!float 5`` -> ``No: 5.0``).
for _tag in ("null", "bool", "float", "binary", "timestamp", "omap", "pairs", "set"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)

if HAVE_LIBYAML:
    from yaml._yaml import CParser as _Parser  # type: ignore[import-not-found]

    class _Loader(_Parser, _Constructor, _TextResolver):
        def __init__(self, stream):
            _Parser.__init__(self, stream)
            _Constructor.__init__(self)
            _TextResolver.__init__(self)

else:  # pragma: no cover - exercised only where PyYAML lacks libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, Composer, _Constructor, _TextResolver):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _Constructor.__init__(self)
            _TextResolver.__init__(self)


@dataclass
class YamlError(ShinchokuError):
    """A YAML document that cannot be read; ``line`` is 1-based (0 if unknown)."""

    line: int
    message: str

    def __str__(self) -> str:  # pragma: no cover - convenience
        return f"{self.line}: {self.message}"


# The parser's own (English) words for the mistakes people make, in Japanese.
_PROBLEMS = {
    "found character that cannot start any token":
        "使えない文字で始まっています（字下げにタブを使っていませんか。字下げは半角スペースです）",
    "could not find expected ':'": "「項目名: 値」の「:」が見つかりません",
    "did not find expected key": "字下げがずれているか、「項目名: 値」の形になっていません",
    "mapping values are not allowed":
        "ここに「: 」は書けません（値の中に「: 」があるときは値を引用符で囲んでください）",
    "did not find expected '-' indicator": "字下げがずれています（「- 」で始まる行の並びが崩れています）",
    "did not find expected <document start>": "YAMLの記録として読めません",
    "but found another document": "1つのファイルに書けるのは1つの記録だけです（「---」があります）",
    "found unhashable key": "項目名に一覧や対応表は使えません",
    "exceeded maximum nesting depth": "入れ子が深すぎます",
    "found undefined alias": "定義されていない別名（*）があります",
    "found duplicate anchor; first occurrence": "同じアンカー名（&）が2回使われています",
    "second occurrence": "同じアンカー名（&）が2回使われています",
    "found unexpected end of stream": "引用符か括弧が閉じられないまま、ファイルが終わっています",
    "found unknown escape character": "引用符の中に使えない「\\」の書き方があります",
    "found invalid Unicode character escape code": "引用符の中に使えない「\\u」の書き方があります",
    "found unexpected ':'": "ここに「:」は書けません（値を引用符で囲んでください）",
    "found a tab character that violates indentation": "字下げにタブが使われています（半角スペースにしてください）",
    "found a tab character where an indentation space is expected":
        "字下げにタブが使われています（半角スペースにしてください）",
    "did not find expected node content": "値が書かれていないか、記号の使い方が違います",
    "expected <block end>": "字下げがずれています（同じ並びの項目は同じ位置から書き始めてください）",
    "did not find expected ',' or ']'": "「[」が「]」で閉じられていません",
    "did not find expected ',' or '}'": "「{」が「}」で閉じられていません",
    "found undefined tag handle": "使えないタグがあります",
}


def _describe(exc: yaml.YAMLError, encoded: bytes | None = None) -> YamlError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 0
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml gives a byte offset into the UTF-8 text, not a mark.
        if encoded is not None and isinstance(exc.position, int):
            line = encoded[: exc.position].count(b"\n") + 1
        char = exc.character
        code = f"U+{ord(char) if isinstance(char, str) else char:04X}"
        return YamlError(line, f"使えない制御文字（{code}）が入っています。消してください")
    if isinstance(exc, ConstructorError):
        problem = exc.problem or ""
        if "could not determine a constructor" in problem:
            tag = problem.split("tag ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
            return YamlError(line, f"YAMLの書き方に誤りがあります：使えないタグ {tag} があります")
        if problem.startswith(("キー", "使えない", "アンカー")):
            return YamlError(line, f"YAMLの書き方に誤りがあります：{problem}")
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    said = problem.strip()
    words = _PROBLEMS.get(said) or next((w for k, w in _PROBLEMS.items() if said.startswith(k)), None)
    if words is not None:
        return YamlError(line, f"YAMLの書き方に誤りがあります：{words}")
    return YamlError(line, f"YAMLの書き方に誤りがあります（{problem}）")


def _refuse_aliases(root: Any) -> None:
    """Refuse a node reached twice (an alias ``*name``): records never need them, and
    a few nested aliases ("billion laughs") expand to billions of values when written."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise ConstructorError(None, None, "アンカーと別名（& と *）は使えません。値をそのまま書いてください",
                                   node.start_mark)
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                stack.append(key_node)
                stack.append(value_node)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


_GIT_MARKER = re.compile(r"^(?:<{7}|>{7})(?: |$)", re.M)


def _git_conflict_line(text: str) -> int:
    """1-based line of a conflict marker git left in the file (0 if none)."""
    m = _GIT_MARKER.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def load(text: str | bytes) -> Any:
    """Load one YAML document; raise :class:`YamlError` with a line number on failure."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            raise YamlError(line, "文字コードがUTF-8ではありません") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    loader = _Loader(text)
    try:
        if "&" not in text:                 # no anchor, so no alias (the common case)
            return loader.get_single_data()
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_aliases(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        marker = _git_conflict_line(text)
        if marker:
            raise YamlError(marker, "git の競合の印（<<<<<<< ／ ======= ／ >>>>>>>）が残っています。"
                                    "どちらの内容にするか決めて、印の行を消してください") from None
        raise _describe(exc, text.encode("utf-8", "surrogatepass")) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise YamlError(0, f"YAMLの書き方に誤りがあります（{exc}）") from None
    finally:
        loader.dispose()


def compose(text: str) -> Any:
    """The node tree of a document (for locating lines), or None when it cannot be read."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def line_of(root: Any, path: tuple[Any, ...]) -> int:
    """1-based line of the node at ``path`` (keys and indices); the nearest parent if absent."""
    node = root
    line = node.start_mark.line + 1 if node is not None else 0
    for step in path:
        found = None
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == str(step):
                    found = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            found = node.value[step]
            line = found.start_mark.line + 1
        if found is None:
            return line
        node = found
    return line


# --------------------------------------------------------------------------- writing


_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")


def _represent_str(dumper: SafeRepresenter, value: str):
    style = "|" if "\n" in value else None
    if _OTHER_BREAKS.search(value):
        # NEL and the Unicode line/paragraph separators are line breaks to YAML: plain,
        # single-quoted or literal, a reader folds them away.  Escaped, they stay.
        style = '"'
    return dumper.represent_scalar(_STR_TAG, value, style=style)


def _represent_dict(dumper: SafeRepresenter, value: dict):
    # Keep the caller's order: ordering is decided by the schema, not alphabetically.
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items())


class _Dumper(yaml.SafeDumper):
    """The one emitter used for writing (pure Python, so every machine writes the same
    bytes; libyaml's emitter cannot indent a sequence inside a mapping)."""

    def increase_indent(self, flow=False, indentless=False):
        # `報告:` followed by an indented `  - 主管課: …`, as the sheet's records are shown.
        return super().increase_indent(flow, False)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
# Resolve as the loader does, so that the emitter quotes exactly the plain scalars
# that would otherwise read back as something other than text...
_Dumper.yaml_implicit_resolvers = {}
_Dumper.add_implicit_resolver(_INT_TAG, re.compile(r"^(?:[-+]?[0-9]+)$"), list("-+0123456789"))
# ...and still quote what *other* YAML readers (PyYAML's default, yq, editors) would
# take for a bool, null, float or date, so the files read the same everywhere.
_YAML11 = yaml.resolver.Resolver.yaml_implicit_resolvers
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", _YAML11["y"][0][1], list("yYnNtTfFoO")),
    ("tag:yaml.org,2002:null", re.compile(r"^(?: ~ |null|Null|NULL | )$", re.X), ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:float", _YAML11["."][0][1], list("-+0123456789.")),
    ("tag:yaml.org,2002:timestamp", _YAML11["2"][-1][1], list("0123456789")),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"]),
    ("tag:yaml.org,2002:value", re.compile(r"^(?:=)$"), ["="]),
):
    _Dumper.add_implicit_resolver(_tag, _regexp, _first)


_YAML11_RESOLVER = yaml.resolver.Resolver()


def _resolve(self, kind, value, implicit):
    # A plain scalar is written plain only when shinchoku's loader *and* a YAML 1.1
    # reader (PyYAML's safe_load, most editors and tools) both read it as the same type:
    # ``No`` (false in YAML 1.1), ``12:30`` (750), ``0x1F``, ``0b101``, ``1_000``, ``08``
    # are quoted, keys as well as values, so the files read the same everywhere.
    if kind is ScalarNode and implicit[0]:
        ours = BaseResolver.resolve(self, kind, value, implicit)
        theirs = _YAML11_RESOLVER.resolve(kind, value, implicit)
        if ours == theirs and (ours != _INT_TAG or _yaml11_int_agrees(value)):
            return ours
        return "tag:shinchoku,2025:ambiguous"      # matches no value's tag: never plain
    return BaseResolver.resolve(self, kind, value, implicit)


def _yaml11_int_agrees(value: str) -> bool:
    """True when YAML 1.1 reads the plain integer ``value`` as the same number we do
    (``010`` is 8 there, 10 here)."""
    digits = value.lstrip("+-")
    return digits == "0" or not digits.startswith("0")


_Dumper.resolve = _resolve

_DUMP_OPTIONS = dict(
    allow_unicode=True,
    default_flow_style=False,
    sort_keys=False,
    width=2**30,
    indent=2,
    line_break="\n",
    explicit_start=False,
    encoding=None,
)


def dump(data: Any) -> str:
    """Canonical YAML text of ``data`` (mappings keep their insertion order)."""
    text = yaml.dump(data, Dumper=_Dumper, **_DUMP_OPTIONS)
    return text if text.endswith("\n") else text + "\n"


# --------------------------------------------------------------------------- fast path
#
# Checking canonical form means comparing a file's bytes with what :func:`dump` writes,
# and PyYAML's pure-Python writer costs more than reading the file.  :func:`fast_dump`
# writes the same bytes for the shapes records and plans have (mappings of text and
# integers, lists of such mappings or of text), deciding each scalar's style with
# regular expressions; for anything else (a float, an empty list, a text with a tab,
# a leading space or a trailing blank line ...) it answers None and the caller asks
# :func:`dump`.  tests/test_yamlio.py holds it to :func:`dump` on every bundled record
# and on generated ones.

class _StyleResolver(BaseResolver):
    yaml_implicit_resolvers = _Dumper.yaml_implicit_resolvers


_STYLE = _StyleResolver()
# Characters PyYAML's emitter writes as they are (printable, not a line break other than
# "\n", not a BOM); anything else sends the document to the reference writer.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff\U0010ffff]")
# What stops a one-line text from being written plain in block context.
_NOT_PLAIN = re.compile(r"""^(?:[\#,\[\]{}&*!|>'"%@`]|[?:\-](?: |$)|---|\.\.\.)| $|^ |: |:$| \#""")
_PLAIN_CACHE: dict[str, bool] = {}


def _plain_ok(value: str) -> bool:
    ok = _PLAIN_CACHE.get(value)
    if ok is None:
        ok = (_NOT_PLAIN.search(value) is None
              and _resolve(_STYLE, ScalarNode, value, (True, False)) == _STR_TAG)
        if len(_PLAIN_CACHE) < 100_000:
            _PLAIN_CACHE[value] = ok
    return ok


def _scalar(value: Any, indent: int, out: list[str], key: bool = False) -> bool:
    """Append `` value`` as the emitter writes it after ``key:`` (or the key itself).
    Characters the emitter would escape are looked for once in the whole output
    (:func:`fast_dump`), not here."""
    t = type(value)
    if t is int:
        out.append(str(value))
        return True
    if t is not str:
        return False
    if "\n" not in value:
        if key and (not value or len(value) >= 128):
            return False
        if _plain_ok(value):
            out.append(value)
        else:
            out.append("'" + value.replace("'", "''") + "'")
        return True
    if key or value[0] in " \n" or value[-1] == " " or " \n" in value or value.endswith("\n\n"):
        return False
    pad = "\n" + " " * indent
    if value.endswith("\n"):
        out.append("|")
        value = value[:-1]
    else:
        out.append("|-")
    # every line on its own, indented; an empty line is a bare line break
    out.append(pad + pad.join(value.split("\n")) if "\n\n" not in value else
               "".join(pad + line if line else "\n" for line in value.split("\n")))
    return True


_KEYS: dict[Any, str | None] = {}


def _key(k: Any) -> str | None:
    """A mapping key as the emitter writes it (None: the reference writer decides); the
    few keys records have are worked out once."""
    text = _KEYS.get(k)
    if text is None and k not in _KEYS:
        out: list[str] = []
        text = "".join(out) if _scalar(k, 0, out, key=True) else None
        if len(_KEYS) < 10_000:
            _KEYS[k] = text
    return text


def _mapping(data: dict, indent: int, out: list[str], first_inline: bool) -> bool:
    pad = " " * indent
    first = True
    for k, v in data.items():
        if not (first and first_inline):
            out.append(pad)
        first = False
        rendered = _key(k) if type(k) is str or type(k) is int else None
        if rendered is None:
            return False
        out.append(rendered)
        t = type(v)
        if t is dict or t is list:
            if not v:
                out.append(": {}\n" if t is dict else ": []\n")
                continue
            out.append(":\n")
            if t is dict:
                if not _mapping(v, indent + 2, out, False):
                    return False
            elif not _sequence(v, indent + 2, out):
                return False
        elif t is str and "\n" not in v:            # the common case, inline: a one-line text
            ok = _PLAIN_CACHE.get(v)
            if ok is None:
                ok = _plain_ok(v)
            out.append(": " + v + "\n" if ok else ": '" + v.replace("'", "''") + "'\n")
        else:
            out.append(": ")
            if not _scalar(v, indent + 2, out):
                return False
            out.append("\n")
    return True


def _sequence(items: list, indent: int, out: list[str]) -> bool:
    pad = " " * indent + "- "
    for item in items:
        out.append(pad)
        t = type(item)
        if t is dict:
            if not item or not _mapping(item, indent + 2, out, True):
                return False
        elif t is list:
            return False
        else:
            if not _scalar(item, indent + 2, out):
                return False
            out.append("\n")
    return True


def fast_dump(data: Any) -> str | None:
    """What :func:`dump` writes for ``data``, or None for shapes it leaves to :func:`dump`."""
    if type(data) is not dict or not data:
        return None
    out: list[str] = []
    if not _mapping(data, 0, out, False):
        return None
    text = "".join(out)
    # a character the emitter would escape, anywhere (keys, values): the reference writer decides
    return None if _UNSAFE.search(text) is not None else text


def is_canonical(text: str, data: Any) -> bool:
    """True when ``text`` is exactly what :func:`dump` writes for ``data`` (already in
    schema order), without running PyYAML's writer in the common case."""
    want = fast_dump(data)
    if want is None:
        want = dump(data)
    return text == want
