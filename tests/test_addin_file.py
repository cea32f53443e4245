"""The add-in file addin/shinchoku.xlam, read back with readers we did not write.

- oletools/olefile (olevba's strict VBA_Project parser, and its MS-OVBA decompressor)
  decode the VBA project our own writer (addin/ovba.py) produced;
- LibreOffice, where installed, opens the .xlam and imports its VBA;
- the package parts (content types, relationships, customUI) are checked as XML.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import io
import random
import re
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import olefile
import pytest
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from shinchoku.publish import export

ADDIN = Path(__file__).resolve().parents[1] / "addin"
XLAM = ADDIN / "shinchoku.xlam"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
CUSTOMUI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
XLWINGS_MODULES = {"xlwings", "Dictionary", "ThisWorkbook", "Sheet2"}
RIBBON_CALLBACK = re.compile(
    r"^[ \t]*(?:Public[ \t]+)?Sub[ \t]+(\w+)[ \t]*\([ \t]*(?:ByRef[ \t]+|ByVal[ \t]+)?\w+[ \t]+As[ \t]+IRibbonControl[ \t]*\)",
    re.IGNORECASE | re.MULTILINE)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"shinchoku_addin_{name}", ADDIN / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


ovba = _load("ovba")
build = _load("build")


@pytest.fixture(scope="module")
def built() -> bytes:
    """The add-in as build.py makes it now from addin/ and the installed xlwings."""
    return build.build()


def _vba_bin(xlam: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(xlam)).read("xl/vbaProject.bin")


def _project(xlam: bytes) -> VBA_Project:
    """olevba's own parser of the dir and PROJECT streams, strict: any value off the spec raises."""
    ole = olefile.OleFileIO(io.BytesIO(_vba_bin(xlam)))
    project = VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)
    project.parse_project_stream()
    list(project.parse_modules())
    return project


def _modules(xlam: bytes) -> dict[str, str]:
    """Module name -> source as olevba's VBA_Parser reads it back (CRLF line ends)."""
    parser = VBA_Parser("shinchoku.xlam", data=xlam, relaxed=False)
    return {stream.split("/")[-1]: code for _f, stream, _name, code in parser.extract_macros()}


def _xlwings_version_in(xlam: bytes) -> str:
    found = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', _modules(xlam)["xlwings"])
    assert found, "no XLWINGS_VERSION in the xlwings module"
    return found.group(1)


def _installed_xlwings() -> str:
    from importlib.metadata import version
    return version("xlwings")


# ------------------------------------------------------------------ MS-OVBA compression


def _roundtrip(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(ovba.compress(data))))


@pytest.mark.parametrize("difference, bit_count, maximum_length", [
    (1, 4, 4098), (16, 4, 4098), (17, 5, 2050), (32, 5, 2050), (33, 6, 1026), (64, 6, 1026),
    (65, 7, 514), (128, 7, 514), (256, 8, 258), (257, 9, 130), (512, 9, 130),
    (1024, 10, 66), (2048, 11, 34), (2049, 12, 18), (4095, 12, 18),
])
def test_copy_token_help_matches_the_spec(difference, bit_count, maximum_length):
    length_mask, offset_mask, got_bits, got_max = ovba.copy_token_help(difference)
    assert (got_bits, got_max) == (bit_count, maximum_length)
    assert length_mask == 0xFFFF >> bit_count
    assert offset_mask == ~length_mask & 0xFFFF
    assert offset_mask >> (16 - bit_count) == (1 << bit_count) - 1


def test_copy_tokens_unpack_with_the_spec_masks():
    # §2.4.1.3.19.2 Unpack CopyToken, written out here as the decompressor reads it.
    for difference in (1, 17, 300, 2049, 4095):
        length_mask, offset_mask, bit_count, maximum_length = ovba.copy_token_help(difference)
        for offset, length in ((1, 3), (min(difference, 1 << bit_count), maximum_length), (1, maximum_length)):
            token = ovba.pack_copy_token(offset, length, difference)
            assert 0 <= token <= 0xFFFF
            assert (token & length_mask) + 3 == length
            assert ((token & offset_mask) >> (16 - bit_count)) + 1 == offset
        with pytest.raises(ValueError):
            ovba.pack_copy_token(1, maximum_length + 1, difference)


def _template_module(name: str) -> bytes:
    vba = zipfile.ZipFile(io.BytesIO(build.template_bytes())).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(vba))
    return bytes(decompress_stream(bytearray(ole.openstream(f"VBA/{name}").read())))


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(b"A", id="one-byte"),
    pytest.param(b"abc" * 2, id="tiny-repeat"),
    pytest.param(b"x" * 4096, id="one-run-of-a-chunk"),          # one token at difference 1: length up to 4095
    pytest.param(b"x" * 20000, id="runs-over-chunks"),
    pytest.param(b"ab" * 9000 + b"c", id="period-2"),
    pytest.param((b"Sub Foo()\r\n    RunPython \"import x\"\r\nEnd Sub\r\n" * 300), id="repeated-lines"),
    pytest.param(bytes(range(256)) * 40, id="period-256"),           # matches only at offsets >= 256
    pytest.param(random.Random(1).randbytes(8192), id="random-two-chunks"),
    pytest.param(bytes(random.Random(2).choice(b"ACGT") for _ in range(30000)), id="random-4-letters"),
    pytest.param(b"".join(random.Random(3).choice([b"If ", b"Then", b"\r\n", b"End If", b"x = x + 1", b"'"])
                          for _ in range(9000)), id="random-tokens-long"),
])
def test_compress_round_trips_through_oletools(data):
    assert _roundtrip(data) == data


@pytest.mark.parametrize("size", [4095, 4096, 4097, 8191, 8192, 8193, 12288 + 7])
def test_chunk_boundaries_round_trip(size):
    text = b"".join(b"Line %d of a module\r\n" % i for i in range(size // 10 + 1))[:size]
    assert _roundtrip(text) == text


def test_long_vba_module_round_trips_and_compresses():
    source = _template_module("xlwings")          # about 44 kB of real VBA
    assert len(source) > 40000
    packed = ovba.compress(source, allow_raw=False)
    assert bytes(decompress_stream(bytearray(packed))) == source
    assert len(packed) < len(source) * 0.6     # copy tokens are really used, not raw chunks


def test_long_matches_use_the_full_length_field():
    # A run is one literal and then copy tokens of up to (0xFFFF >> 4) + 3 bytes: a chunk of a
    # single byte value takes a handful of bytes, not hundreds.
    packed = ovba.compress(b"\x00" * 4096)
    assert len(packed) < 16
    assert _roundtrip(b"\x00" * 4096) == b"\x00" * 4096


def test_incompressible_chunks_are_raw_and_refused_for_source():
    noise = random.Random(4).randbytes(4096 * 2)
    packed = ovba.compress(noise)
    assert len(packed) == 1 + 2 * (2 + 4096)                    # two raw chunks
    assert _roundtrip(noise) == noise
    # A short raw last chunk decompresses padded to 4096 bytes, as §2.4.1.3.10 writes it.
    tail = random.Random(5).randbytes(4000)
    assert _roundtrip(tail) == tail + b"\x00" * 96
    with pytest.raises(ValueError):
        ovba.compress(tail, allow_raw=False)


# ------------------------------------------------------------------ MS-OVBA data encryption


def test_decrypt_reads_what_excel_wrote():
    # xlwings' template was saved by Excel: its CMG/DPB/GC say "not protected, no password, visible".
    vba = zipfile.ZipFile(io.BytesIO(build.template_bytes())).read("xl/vbaProject.bin")
    text = olefile.OleFileIO(io.BytesIO(vba)).openstream("PROJECT").read().decode("cp1252")
    values = dict(re.findall(r'^(ID|CMG|DPB|GC)="?([^"\r\n]*)"?\r?$', text, re.MULTILINE))
    assert ovba.decrypt(values["CMG"], values["ID"]) == b"\x00\x00\x00\x00"
    assert ovba.decrypt(values["DPB"], values["ID"]) == b"\x00"
    assert ovba.decrypt(values["GC"], values["ID"]) == b"\xff"


def test_our_project_is_unprotected_and_visible(built):
    text = olefile.OleFileIO(io.BytesIO(_vba_bin(built))).openstream("PROJECT").read().decode("cp1252")
    values = dict(re.findall(r'^(ID|CMG|DPB|GC|Name)="?([^"\r\n]*)"?\r?$', text, re.MULTILINE))
    assert values["ID"] == build.PROJECT_ID and values["Name"] == "shinchoku"
    assert ovba.decrypt(values["CMG"], values["ID"]) == b"\x00\x00\x00\x00"
    assert ovba.decrypt(values["DPB"], values["ID"]) == b"\x00"
    assert ovba.decrypt(values["GC"], values["ID"]) == b"\xff"
    for seed in (0x00, 0x5D, 0xFE):
        assert ovba.decrypt(ovba.encrypt(b"any data", build.PROJECT_ID, seed), build.PROJECT_ID) == b"any data"


# ------------------------------------------------------------------ the build


def test_build_is_byte_for_byte_reproducible(built, tmp_path):
    out = tmp_path / "again.xlam"
    subprocess.run([sys.executable, str(ADDIN / "build.py"), str(out)], check=True, capture_output=True)
    assert out.read_bytes() == built
    assert build.build() == built


def test_committed_xlam_is_what_build_py_makes(built):
    committed = XLAM.read_bytes()
    made_with = _xlwings_version_in(committed)
    assert made_with == _installed_xlwings(), (
        f"addin/shinchoku.xlam was built with xlwings {made_with}, but {_installed_xlwings()} is "
        "installed: the pin in pyproject.toml and the .xlam must agree (python addin/build.py)")
    assert hashlib.sha256(committed).hexdigest() == hashlib.sha256(built).hexdigest(), \
        "addin/shinchoku.xlam is stale: run python addin/build.py and commit it"


def test_zip_entries_are_fixed(built):
    infos = zipfile.ZipFile(io.BytesIO(built)).infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}    # no dependence on the zlib build
    core = zipfile.ZipFile(io.BytesIO(built)).read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core


# ------------------------------------------------------------------ the VBA project, read back


def _cfb_key(name: str) -> tuple[int, str]:
    return (len(name), name.upper())


def test_compound_file_is_valid(built):
    # olefile raising on every defect it knows, plus the MS-CFB 2.6.4 sibling order it does not check.
    ole = olefile.OleFileIO(io.BytesIO(_vba_bin(built)), raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.parsing_issues == []
    entries = ole.direntries

    def in_order(sid: int) -> list[str]:
        if sid == olefile.NOSTREAM:
            return []
        e = entries[sid]
        return in_order(e.sid_left) + [e.name] + in_order(e.sid_right)

    for e in entries:
        if e is not None and e.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            names = in_order(e.sid_child)
            assert names == sorted(names, key=_cfb_key), e.name
    assert sorted(ole.listdir()) == sorted(
        [["PROJECT"], ["PROJECTwm"], ["VBA", "_VBA_PROJECT"], ["VBA", "dir"]]
        + [["VBA", name] for name in _modules(built)])
    assert ole.openstream("VBA/_VBA_PROJECT").read()[:4] == b"\xcc\x61\xff\xff"   # no p-code: compile on open



def test_our_module_reads_back_as_written(built):
    modules = _modules(built)
    for bas in sorted((ADDIN / "vba").glob("*.bas")):
        # VBA stores CRLF; the .bas in git has LF.  Nothing else may differ, Attribute lines included.
        assert modules[bas.stem].replace("\r\n", "\n") == bas.read_text(encoding="utf-8").replace("\r\n", "\n")
        assert "\n" not in modules[bas.stem].replace("\r\n", "")


def test_project_name_modules_and_kinds(built):
    project = _project(built)
    assert project.projectname == "shinchoku"
    assert project.codepage == 1252
    kinds = {m.name: (m.type, project.module_ext[m.name.lower()]) for m in project.modules}
    ours = {p.stem for p in (ADDIN / "vba").glob("*.bas")}
    assert set(kinds) == XLWINGS_MODULES | ours
    assert kinds["xlwings"] == (0x21, "bas")
    assert kinds["Dictionary"] == (0x22, "cls")
    assert kinds["ThisWorkbook"][0] == 0x22 and kinds["Sheet2"][0] == 0x22
    for name in ours:
        assert kinds[name] == (0x21, "bas")
        assert name.lower() != project.projectname.lower()   # VBA refuses a module named like its project
    text = olefile.OleFileIO(io.BytesIO(_vba_bin(built))).openstream("PROJECT").read().decode("cp1252")
    assert "Document=ThisWorkbook/&H00000000" in text and "Document=Sheet2/&H00000000" in text
    assert "Class=Dictionary" in text and "RibbonMyAddin" not in text


def test_xlwings_modules_are_the_templates_own(built):
    modules = _modules(built)
    template = _modules(build.template_bytes())
    for name in XLWINGS_MODULES - {"xlwings"}:
        assert modules[name].replace("\r\n", "\n") == template[name].replace("\r\n", "\n")
    ours, theirs = modules["xlwings"].replace("\r\n", "\n"), template["xlwings"].replace("\r\n", "\n")
    assert "Public Function RunPython(PythonCommand As String)" in ours
    # The one line we change: xlwings' config files are looked up under PROJECT_NAME.
    assert [a for a, b in zip(ours.split("\n"), theirs.split("\n")) if a != b] == [
        'Public Const PROJECT_NAME As String = "xlwings"']
    assert len(ours.split("\n")) == len(theirs.split("\n"))


def _ribbon() -> ET.Element:
    return ET.parse(ADDIN / "customUI.xml").getroot()


def _q(tag: str) -> str:
    return f"{{{CUSTOMUI_NS}}}{tag}"


def test_every_onaction_names_a_ribbon_callback(built):
    code = "\n".join(_modules(built).values())
    callbacks = RIBBON_CALLBACK.findall(code)
    assert len(callbacks) == len({c.lower() for c in callbacks}), "a callback name in two modules is ambiguous"
    actions = {el.get("onAction") for el in _ribbon().iter() if el.get("onAction")}
    assert actions
    for action in actions:
        assert action.split(".")[-1].lower() in {c.lower() for c in callbacks}, action


def _vba_string(expression: str, control_id: str) -> str:
    """Evaluate a VBA string expression: "literals" and control.Id joined by &."""
    token = re.compile(r'[ \t]*(?:"((?:[^"]|"")*)"|(\w+)\.Id)[ \t]*(&|$)', re.IGNORECASE)
    value, pos = "", 0
    while True:
        m = token.match(expression, pos)
        assert m, f"not a string expression: {expression[pos:]!r}"
        if m.group(2) is not None:
            assert m.group(2) == "control", m.group(2)
            value += control_id
        else:
            value += m.group(1).replace('""', '"')
        pos = m.end()
        if m.group(3) == "":
            assert pos == len(expression)
            return value


def test_each_button_runs_on_button_with_its_id(built, monkeypatch):
    source = _modules(built)["ShinchokuRibbon"]
    body = re.search(r"Sub ShinchokuButton\(control As IRibbonControl\)\r\n(.*?)\r\nEnd Sub", source, re.S)
    assert body, "no ShinchokuButton callback"
    call = re.fullmatch(r"\s*RunPython (.+)", body.group(1))
    assert call, body.group(1)
    calls = []
    fake = types.ModuleType("shinchoku.addin")
    fake.on_button = calls.append
    monkeypatch.setitem(sys.modules, "shinchoku.addin", fake)
    import shinchoku
    monkeypatch.setattr(shinchoku, "addin", fake, raising=False)
    ids = [b.get("id") for b in _ribbon().iter(_q("button"))]
    for control_id in ids:
        command = _vba_string(call.group(1), control_id)
        assert command == f"import shinchoku.addin; shinchoku.addin.on_button('{control_id}')"
        exec(compile(command, "<RunPython>", "exec"), {})
    assert calls == ids


def test_ribbon_tab_and_buttons():
    root = _ribbon()
    assert root.tag == _q("customUI")
    tabs = list(root.iter(_q("tab")))
    assert [t.get("label") for t in tabs] == ["進捗管理"]
    groups = {g.get("id"): [b.get("label") for b in g.iter(_q("button"))] for g in tabs[0].iter(_q("group"))}
    assert groups == {"shinchoku_staff": ["取得", "チェック", "送信", "履歴", "提出"],
                      "shinchoku_coordinator": ["変更確認", "提出状況", "差戻し", "確認"]}
    from shinchoku import addin

    assert {b.get("id") for b in root.iter(_q("button"))} == set(addin.BUTTONS)
    buttons = list(root.iter(_q("button")))
    assert len({b.get("id") for b in buttons}) == len(buttons)
    for b in buttons:
        assert b.get("onAction") == "ShinchokuButton"
        assert re.fullmatch(r"shinchoku_[a-z]+", b.get("id"))
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", b.get("screentip") or ""), b.get("id")
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", b.get("supertip") or ""), b.get("id")


# ------------------------------------------------------------------ the package


def test_ribbon_is_wired_into_the_package(built):
    z = zipfile.ZipFile(io.BytesIO(built))
    assert z.read("customUI/customUI.xml") == (ADDIN / "customUI.xml").read_bytes()
    assert ET.fromstring(z.read("customUI/customUI.xml")).tag == _q("customUI")
    rels = ET.fromstring(z.read("_rels/.rels"))
    ui = [r for r in rels.iter(f"{{{REL_NS}}}Relationship") if "ui/extensibility" in r.get("Type")]
    assert [(r.get("Type"), r.get("Target").lstrip("/")) for r in ui] == [(CUSTOMUI_REL, "customUI/customUI.xml")]
    types_ = ET.fromstring(z.read("[Content_Types].xml"))
    defaults = {d.get("Extension"): d.get("ContentType") for d in types_.iter(f"{{{CT_NS}}}Default")}
    overrides = {o.get("PartName"): o.get("ContentType") for o in types_.iter(f"{{{CT_NS}}}Override")}
    assert overrides.get("/customUI/customUI.xml", defaults.get("xml")) == "application/xml"
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    for part in overrides:
        assert part.lstrip("/") in z.namelist(), part
    wb_rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    assert [r.get("Target") for r in wb_rels.iter(f"{{{REL_NS}}}Relationship") if r.get("Type") == VBA_REL] == [
        "vbaProject.bin"]


def test_workbook_keeps_an_inactive_config_sheet(built):
    workbook = zipfile.ZipFile(io.BytesIO(built)).read("xl/workbook.xml").decode()
    assert re.findall(r'<sheet name="([^"]+)"', workbook) == ["_xlwings.conf"]
    assert "absPath" not in workbook and "felix" not in workbook


# ------------------------------------------------------------------ LibreOffice


@pytest.mark.skipif(export.find_office() is None, reason="LibreOffice (soffice) がありません")
def test_libreoffice_opens_the_addin_and_imports_its_vba(built, tmp_path):
    xlam = tmp_path / "shinchoku.xlam"
    xlam.write_bytes(built)
    profile = tmp_path / "lo-profile"
    out = tmp_path / "out"
    # LibreOffice does not pick a filter for .xlam by itself; name the xlsm-with-VBA one.
    result = subprocess.run(
        [export.find_office(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(out), str(xlam)],
        capture_output=True, text=True, timeout=300)
    ods = out / "shinchoku.ods"
    assert ods.exists(), result.stdout + result.stderr
    z = zipfile.ZipFile(ods)
    assert '<table:table table:name="_xlwings.conf"' in z.read("content.xml").decode()
    library = z.read("Basic/shinchoku/script-lb.xml").decode()
    listed = set(re.findall(r'library:element library:name="([^"]+)"', library))
    ours = {p.stem for p in (ADDIN / "vba").glob("*.bas")}
    assert listed == XLWINGS_MODULES | ours
    kinds = {}
    for name in listed:
        module = z.read(f"Basic/shinchoku/{name}.xml").decode()
        kinds[name] = re.search(r'script:moduleType="(\w+)"', module).group(1)
        code = html.unescape(re.search(r"<script:module [^>]*>(.*)</script:module>", module, re.S).group(1))
        if name in ours:
            # LibreOffice turns Attribute lines into its own header; the rest is the .bas as written.
            bas = (ADDIN / "vba" / f"{name}.bas").read_text(encoding="utf-8").replace("\r\n", "\n")
            body = "".join(line for line in bas.splitlines(keepends=True) if not line.startswith("Attribute "))
            assert code.replace("\r\n", "\n").endswith(body + "\n") or code.replace("\r\n", "\n").endswith(body)
            assert code.startswith("Rem Attribute VBA_ModuleType=VBAModule\nOption VBASupport 1\n")
    assert kinds["Dictionary"] == "class" and kinds["xlwings"] == "normal"
    assert kinds["ThisWorkbook"] == "document" and kinds["Sheet2"] == "document"
    assert all(kinds[name] == "normal" for name in ours)


# ------------------------------------------------------------------ the server variant

SERVER_XLAM = ADDIN / "shinchoku-server.xlam"


@pytest.fixture(scope="module")
def server_built() -> bytes:
    return build.build(server=True)


def test_the_server_variant_is_committed_as_build_py_makes_it(server_built, tmp_path):
    out = tmp_path / "server.xlam"
    subprocess.run([sys.executable, str(ADDIN / "build.py"), "--server", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == server_built == build.build(server=True)
    assert SERVER_XLAM.read_bytes() == server_built, \
        "addin/shinchoku-server.xlam is stale: run python addin/build.py and commit it"


def test_the_server_variant_carries_xlwings_remote_client_and_posts_to_the_server(server_built):
    """Read back with olevba: the remote client modules are xlwings' own (as `xlwings
    quickstart --server` imports them), and the ribbon callback posts the workbook with
    RunServerPython to the configured URL -- it never calls RunPython (no child process)."""
    import xlwings

    project = _project(server_built)
    assert project.projectname == "shinchoku_server"
    modules = {k: v.replace("\r\n", "\n") for k, v in _modules(server_built).items()}
    for name in build.REMOTE_MODULES:
        stem = name.rsplit(".", 1)[0]
        theirs = (Path(xlwings.__file__).parent / "addin" / name).read_text(encoding="cp1252").replace("\r\n", "\n")
        body = theirs[theirs.index("Attribute VB_Name"):]
        body = "\n".join(line for line in body.split("\n") if not line.startswith("Attribute "))
        ours = "\n".join(line for line in modules[stem].split("\n") if not line.startswith("Attribute "))
        assert ours.strip() == body.strip(), stem
    ribbon = modules["ShinchokuServer"]
    callbacks = RIBBON_CALLBACK.findall(ribbon)
    assert callbacks == ["ShinchokuButton"]
    customui = ET.fromstring(zipfile.ZipFile(io.BytesIO(server_built)).read("customUI/customUI.xml"))
    assert {b.get("onAction") for b in customui.iter(f"{{{CUSTOMUI_NS}}}button")} == {"ShinchokuButton"}
    assert 'RunServerPython url & "/xlwings/custom-scripts-call/" & control.Id' in ribbon
    assert "RunPython " not in ribbon and "Shell" not in ribbon
    assert 'Public Const PROJECT_NAME As String = "shinchoku"' in modules["xlwings"]
    # the Japanese messages the VBA decodes with ChrW
    escaped = re.findall(r'Ja\("((?:[^"]|"")*)"\)', ribbon)           # a VBA literal doubles its quotes
    texts = [re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), e.replace('""', '"')) for e in escaped]
    assert "進捗管理" in texts
    assert any("サーバーのアドレスが設定されていません" in t and "shinchoku.conf" in t for t in texts)
    assert any("アクセスキーが設定されていません" in t and '"AUTH"' in t for t in texts)
