"""ICD-10-CM tabular list (CDC, April 1 2026) -> tree rows and notes where the tabular defines them."""
import os
import re
import xml.etree.ElementTree as ET

from common import clean

# Tabular note elements we keep, with the kind name written to notes.tsv.
NOTE_KINDS = {
    "includes": "includes",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
    "sevenChrNote": "seventh_note",
}
_CHAPTER_RANGE = re.compile(r"\(([A-Z0-9]{3}-[A-Z0-9]{3})\)\s*$")


def package_data_dir():
    import simple_icd_10_cm

    return os.path.join(os.path.dirname(simple_icd_10_cm.__file__), "data")


class Node:
    __slots__ = ("code", "kind", "title", "children", "notes", "seven")

    def __init__(self, code, kind, title):
        self.code, self.kind, self.title = code, kind, title
        self.children, self.notes, self.seven = [], [], []


def _notes_of(elem):
    notes, seven = [], []
    for sub in elem:
        if sub.tag in NOTE_KINDS:
            for note in sub.findall("note"):
                if clean(note.text):
                    notes.append((NOTE_KINDS[sub.tag], clean(note.text)))
        elif sub.tag == "sevenChrDef":
            last = None
            for ext in sub:
                if ext.tag == "extension":
                    last = ext.attrib["char"]
                    seven.append([last, clean(ext.text)])
                elif ext.tag == "note" and last is not None and clean(ext.text):
                    # Same joining as simple_icd_10_cm, so titles match the library's.
                    seven[-1][1] = seven[-1][1] + "/" + clean(ext.text)
    return notes, seven


def _diag(elem):
    code = elem.findtext("name").replace(".", "")
    node = Node(code, "category" if len(code) == 3 else "subcategory", clean(elem.findtext("desc")))
    node.notes, node.seven = _notes_of(elem)
    node.children = [_diag(d) for d in elem.findall("diag")]
    return node


def _section(elem):
    sid = elem.attrib["id"]
    diags = [_diag(d) for d in elem.findall("diag")]
    notes, seven = _notes_of(elem)
    if "-" not in sid:
        # A block of one category (B20, F99, ...): keep only the category, carrying the block's notes,
        # so the code is counted and looked up once.
        if len(diags) != 1 or diags[0].code != sid:
            raise ValueError(f"single-code block {sid} does not hold exactly that category")
        diags[0].notes = notes + diags[0].notes
        diags[0].seven = diags[0].seven or seven
        return diags[0]
    node = Node(sid, "block", clean(elem.findtext("desc")))
    node.notes, node.seven, node.children = notes, seven, diags
    return node


def _chapter(elem):
    desc = clean(elem.findtext("desc"))
    m = _CHAPTER_RANGE.search(desc)
    if not m:
        raise ValueError(f"chapter without a code range: {desc}")
    node = Node(m.group(1), "chapter", desc)
    node.notes, node.seven = _notes_of(elem)
    node.children = [_section(s) for s in elem.findall("section")]
    return node


def _add_seventh_char_codes(node, inherited, billable):
    """Attach the 7th-character codes that the code list holds below the leaf they extend."""
    seven = node.seven or inherited
    for child in node.children:
        _add_seventh_char_codes(child, seven, billable)
    if node.children or not seven or node.kind in ("chapter", "block"):
        return
    base = node.code.ljust(6, "X")
    for char, meaning in seven:
        code = base + char
        if code in billable:
            node.children.append(Node(code, "extension", f"{node.title}, {meaning}"))


def load(data_dir=None):
    """Parse the tabular XML and the code list; return (chapters, code_list_set)."""
    data_dir = data_dir or package_data_dir()
    root = ET.parse(os.path.join(data_dir, "icd10c-tabular-April-1-2026.xml")).getroot()
    with open(os.path.join(data_dir, "code-list-April-2026.txt"), encoding="utf-8") as f:
        code_list = {line.strip() for line in f if line.strip()}
    chapters = [_chapter(c) for c in root.findall("chapter")]
    for ch in chapters:
        _add_seventh_char_codes(ch, [], code_list)
    return chapters, code_list


def count_elements(tag, data_dir=None):
    """Number of `tag` elements in the tabular XML (a check against the source itself)."""
    data_dir = data_dir or package_data_dir()
    root = ET.parse(os.path.join(data_dir, "icd10c-tabular-April-1-2026.xml")).getroot()
    return sum(1 for _ in root.iter(tag))


def walk(nodes, depth=0):
    """Yield (depth, node) in tabular (pre-)order."""
    for n in nodes:
        yield depth, n
        yield from walk(n.children, depth + 1)


def tree_rows(chapters):
    """Rows for tabular.tsv: depth, code, kind, billable (1 = a leaf code), long title.

    Some blocks are headings with no codes of their own (C00-C96 "Malignant neoplasms"): they are
    leaves of the tree but not billable.
    """
    return [(d, n.code, n.kind, 0 if n.children or n.kind in ("chapter", "block") else 1, n.title)
            for d, n in walk(chapters)]


def note_rows(chapters):
    """Rows for notes.tsv: code, kind, text; 7th-character definitions as `seventh_char` `X=meaning`."""
    rows = []
    for _, n in walk(chapters):
        rows.extend((n.code, kind, text) for kind, text in n.notes)
        rows.extend((n.code, "seventh_char", f"{c}={m}") for c, m in n.seven)
    return rows
