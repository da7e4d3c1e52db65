//! ZPL II for a 2 x 1 inch label at 203 dpi: three text lines and a Code 128 barcode with the
//! accession number printed under it.

use super::LabelData;

/// Field data safe for ZPL: no `^` or `~` (command prefixes), no control, bidi or zero-width
/// characters.
fn field(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '^' || c == '~' || !super::printable(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The ZPL program of the label.
pub fn render(d: &LabelData) -> String {
    let [l1, l2, l3] = d.lines();
    // ^CI28: UTF-8 text; ^BY2: 2-dot modules; ^BC mode A: the printer picks subsets (C here).
    format!(
        "^XA\n^CI28\n^PW406\n^LL203\n\
         ^FO16,12^A0N,26,26^FD{}^FS\n\
         ^FO16,42^A0N,20,20^FD{}^FS\n\
         ^FO16,66^A0N,20,20^FD{}^FS\n\
         ^FO16,94^BY2^BCN,70,Y,N,N,A^FD{}^FS\n\
         ^XZ\n",
        field(&l1),
        field(&l2),
        field(&l3),
        field(&d.accession)
    )
}
