r"""Build addin/shinchoku.xlam from addin/vba/ and addin/customUI.xml, reproducibly.

    python addin/build.py                    # both add-ins (shinchoku.xlam, shinchoku-server.xlam)
    python addin/build.py OUT.xlam           # the RunPython add-in only
    python addin/build.py --server OUT.xlam  # the server variant only

The server variant (shinchoku-server.xlam) has the same ribbon (customUI.xml) but no
RunPython: its buttons (addin/vba-server/) post the workbook to ``shinchoku serve``
through xlwings' VBA remote client -- the modules ``xlwings quickstart --server`` adds to
the same template (Remote, WebClient, WebRequest, WebResponse, WebHelpers,
IWebAuthenticator), taken from the installed xlwings.  Its config name is "shinchoku",
so the server's address and the user's access key are read from
%USERPROFILE%\.shinchoku\shinchoku.conf (see addin/README.md).

Starts from xlwings' own ribbon add-in template (what `xlwings quickstart NAME --addin
--ribbon` copies), keeps its xlwings VBA modules (RunPython and its helpers), replaces the
template's ribbon module with ours from addin/vba/, its ribbon with addin/customUI.xml,
and writes a new vbaProject.bin (VBA project "shinchoku") whose modules are stored as
source only (Excel compiles them on open).  Zip entries, their dates and the document
properties are fixed and entries are stored uncompressed (deflate output varies with
the zlib build), so the same inputs give the same bytes.  The inputs are addin/
and the installed xlwings: its template carries xlwings' version (the DLL names in the
xlwings module), so rebuild after changing xlwings and commit the result.

xlwings' VBA reads its settings (the Python interpreter above all) from layers named
after its PROJECT_NAME constant: a "<name>.conf" sheet in the active workbook or in the
add-in, "<name>.conf" beside the active workbook, then %USERPROFILE%\.<name>\<name>.conf.
We set it to "xlwings", so the add-in finds the interpreter in the same user config file
xlwings itself uses -- the one `xlwings addin install` (or `xlwings config create`)
writes with the path of the Python that ran it.  The add-in's own settings sheet is kept
inactive as "_xlwings.conf" (a leading underscore switches a sheet config off).
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ovba  # noqa: E402

PROJECT_NAME = "shinchoku"            # the VBA project's name (VBE's Project Explorer)
CONFIG_NAME = "xlwings"               # xlwings' PROJECT_NAME constant: whose config files to read
PROJECT_ID = "{6B1F3A52-2C4D-4E8A-9F0B-5A7C1D3E9B24}"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
# [MS-OI29500] §3.4.1.3: a CustomUI part (root namespace 2006/01, customUI/customUI.xml) is
# the target of the 2006 relationship type.  The 2007 type, which xlwings' template uses,
# names a CustomUI2 part (Office 2010's customUI14.xml, another namespace).
CUSTOMUI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
CUSTOMUI2_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>shinchoku</dc:title><dc:creator>shinchoku</dc:creator><cp:lastModifiedBy>shinchoku</cp:lastModifiedBy>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)


def template_bytes() -> bytes:
    """xlwings' ribbon add-in template, obtained the way `xlwings quickstart` gives it."""
    with tempfile.TemporaryDirectory() as tmp:
        xlwings_cli = Path(sys.executable).with_name("xlwings")
        cmd = [str(xlwings_cli)] if xlwings_cli.exists() else [sys.executable, "-m", "xlwings.cli"]
        subprocess.run([*cmd, "quickstart", "template", "--addin", "--ribbon"], cwd=tmp, check=True,
                       capture_output=True)
        return (Path(tmp) / "template" / "template.xlam").read_bytes()


def _dir_records(data: bytes):
    """(id, raw bytes) of each record of a decompressed dir stream."""
    pos = 0
    while pos + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        length = 6 + (6 if rid == 0x0009 else size)   # PROJECTVERSION's size field says 4, holds 6
        yield rid, data[pos:pos + length]
        pos += length


def template_project(vba_bin: bytes) -> tuple[list[ovba.Module], bytes]:
    """The template's modules (source with Attribute lines, exactly as stored) and its references, raw."""
    import olefile
    from oletools.olevba import decompress_stream

    ole = olefile.OleFileIO(io.BytesIO(vba_bin))
    kinds = {}
    for line in ole.openstream("PROJECT").read().decode("latin-1").splitlines():
        key, _, value = line.partition("=")
        if key in ("Document", "Class", "Module"):
            name = value.split("/")[0]
            kinds[name] = {"Document": "document", "Class": "class", "Module": "standard"}[key]
    directory = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    refs = bytearray()
    in_refs = False
    codepage = None
    modules = []
    name = stream = None
    for rid, raw in _dir_records(bytes(directory)):
        if rid == 0x0003:                                   # PROJECTCODEPAGE
            codepage = struct.unpack_from("<H", raw, 6)[0]
        if rid == 0x0016 and not modules:
            in_refs = True
        if rid == 0x000F:
            in_refs = False
        if in_refs:
            refs += raw
        if rid == 0x0019:                                   # MODULENAME
            name = raw[6:].decode(f"cp{codepage}")
        if rid == 0x001A:                                   # MODULESTREAMNAME
            stream = raw[6:].decode(f"cp{codepage}")
        if rid == 0x0031:                                   # MODULEOFFSET: source follows the p-code
            offset = struct.unpack_from("<I", raw, 6)[0]
            packed = ole.openstream(f"VBA/{stream}").read()[offset:]
            source = bytes(decompress_stream(bytearray(packed))).decode(f"cp{codepage}")
            modules.append(ovba.Module(name, source.replace("\r\n", "\n"), kinds.get(name, "standard")))
    if codepage != 1252:
        raise SystemExit(f"xlwings' template uses code page {codepage}; build.py writes 1252")
    return modules, bytes(refs)


SERVER = {  # what differs in the server variant
    "project_name": "shinchoku_server",
    "config_name": "shinchoku",
    "project_id": "{9D4E2B17-5C3A-4F68-B1E0-7A2C6D8F3E51}",
    "vba_dir": "vba-server",
    "out": "shinchoku-server.xlam",
}
# xlwings' VBA remote client, as `xlwings quickstart --server` imports it (xlwings/cli.py)
REMOTE_MODULES = ("Remote.bas", "IWebAuthenticator.cls", "WebClient.cls", "WebRequest.cls",
                  "WebResponse.cls", "WebHelpers.bas")
CLASS_ATTRIBUTES = ('Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',)


def remote_modules() -> list[ovba.Module]:
    """xlwings' VBA remote client from the installed xlwings, stored as VBA stores them
    (a class module's exported VERSION/BEGIN block dropped, its VB_Base added)."""
    import xlwings

    modules = []
    for name in REMOTE_MODULES:
        path = Path(xlwings.__file__).parent / "addin" / name
        source = path.read_text(encoding="cp1252").replace("\r\n", "\n")
        kind = "class" if name.endswith(".cls") else "standard"
        if kind == "class":
            source = source[source.index("Attribute VB_Name"):]
            first, rest = source.split("\n", 1)
            source = "\n".join([first, *CLASS_ATTRIBUTES, rest])
        modules.append(ovba.Module(path.stem, source, kind))
    return modules


def our_modules(folder: str = "vba") -> list[ovba.Module]:
    """addin/<folder>/*.bas as standard modules; each file's VB_Name must be its file name."""
    modules = []
    for path in sorted((HERE / folder).glob("*.bas")):
        source = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        first = source.split("\n", 1)[0]
        if first != f'Attribute VB_Name = "{path.stem}"':
            raise SystemExit(f'{path}: the first line must be Attribute VB_Name = "{path.stem}"')
        try:
            source.encode("cp1252")
        except UnicodeEncodeError as e:
            raise SystemExit(f"{path}: VBA source is stored as cp1252; keep it ASCII ({e})") from None
        modules.append(ovba.Module(path.stem, source, "standard"))
    return modules


def build(out: Path | None = None, *, server: bool = False) -> bytes:
    project_name = SERVER["project_name"] if server else PROJECT_NAME
    config_name = SERVER["config_name"] if server else CONFIG_NAME
    project_id = SERVER["project_id"] if server else PROJECT_ID
    template = zipfile.ZipFile(io.BytesIO(template_bytes()))
    modules, references = template_project(template.read("xl/vbaProject.bin"))
    ours = (remote_modules() + our_modules(SERVER["vba_dir"])) if server else our_modules()
    result: list[ovba.Module] = []
    for m in modules:
        if m.name == TEMPLATE_RIBBON_MODULE:
            continue
        if m.name == "xlwings":
            m.source, n = re.subn(r'(?m)^(Public Const PROJECT_NAME As String = )"[^"]*"',
                                  rf'\1"{config_name}"', m.source)
            if n != 1:
                raise SystemExit("xlwings' template module has no PROJECT_NAME constant; check the template")
        result.append(m)
    names = [m.name.lower() for m in result] + [project_name.lower()]
    for m in ours:
        if m.name.lower() in names:
            raise SystemExit(f"module {m.name}: the name is taken by the project or a template module")
        names.append(m.name.lower())
        result.append(m)
    vba_bin = ovba.vba_project(project_name, project_id, result, references)

    parts: dict[str, bytes] = {}
    for name in template.namelist():
        parts[name] = template.read(name)
    parts["xl/vbaProject.bin"] = vba_bin
    parts["customUI/customUI.xml"] = (HERE / "customUI.xml").read_bytes()
    rels = parts["_rels/.rels"].decode("utf-8")
    wired = f'Type="{CUSTOMUI2_REL}" Target="customUI/customUI.xml"'
    if rels.count(wired) != 1:
        raise SystemExit("xlwings' template does not wire customUI/customUI.xml as expected; check the template")
    parts["_rels/.rels"] = rels.replace(wired, f'Type="{CUSTOMUI_REL}" Target="customUI/customUI.xml"').encode("utf-8")
    parts["docProps/core.xml"] = CORE_XML.encode("utf-8")
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    workbook = re.sub(r"<mc:AlternateContent.*?</mc:AlternateContent>", "", workbook)   # the template author's path
    if 'name="_myaddin.conf"' not in workbook:
        raise SystemExit("xlwings' template has no _myaddin.conf sheet; check the template")
    workbook = workbook.replace('name="_myaddin.conf"', f'name="_{config_name}.conf"')
    parts["xl/workbook.xml"] = workbook.encode("utf-8")

    buf = io.BytesIO()
    names = ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            # Stored, not deflated: deflate output differs between zlib builds (zlib-ng,
            # other versions), which would make the bytes depend on the machine.
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, parts[name])
    data = buf.getvalue()
    if out is not None:
        out.write_bytes(data)
    return data


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--server":
        targets = [(Path(args[1]) if len(args) > 1 else HERE / SERVER["out"], True)]
    elif args:
        targets = [(Path(args[0]), False)]
    else:
        targets = [(HERE / "shinchoku.xlam", False), (HERE / SERVER["out"], True)]
    for target, server in targets:
        build(target, server=server)
        print(f"{target}: {target.stat().st_size:,} bytes")
