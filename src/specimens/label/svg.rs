//! SVG label: text lines above a Code 128 barcode drawn as one rect per bar, 2 user units per
//! module, with the accession number under it.

use std::fmt::Write;

use super::LabelData;

/// User units per module.
pub const MODULE: usize = 2;
const BAR_TOP: usize = 78;
const BAR_HEIGHT: usize = 70;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if !super::printable(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The SVG document of the label.
pub fn render(d: &LabelData, bars: &[(usize, usize)], modules: usize) -> String {
    let width = (modules * MODULE).max(400);
    let height = BAR_TOP + BAR_HEIGHT + 26;
    let mut s = String::with_capacity(4096);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\">\n\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\n\
         <g font-family=\"monospace\" fill=\"#000\">\n"
    );
    for (i, line) in d.lines().iter().enumerate() {
        let size = if i == 0 { 18 } else { 14 };
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"{size}\">{}</text>",
            super::code128::QUIET * MODULE,
            20 + i * 20,
            escape(line)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"14\" text-anchor=\"middle\">{}</text>",
        modules * MODULE / 2,
        BAR_TOP + BAR_HEIGHT + 18,
        escape(&d.accession)
    );
    s.push_str("</g>\n<g class=\"barcode\" fill=\"#000\">\n");
    for (x, w) in bars {
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"{BAR_TOP}\" width=\"{}\" height=\"{BAR_HEIGHT}\"/>",
            x * MODULE,
            w * MODULE
        );
    }
    s.push_str("</g>\n</svg>\n");
    s
}
