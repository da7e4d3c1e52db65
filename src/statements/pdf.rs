//! A statement as PDF (US Letter): the practice and the statement facts at the top, the
//! address block where a window envelope shows it, the visits and their lines, the totals and
//! aging, and a remittance slip to detach at the bottom of the last page. Built with
//! pdf-writer and the standard Helvetica fonts (nothing embedded), so rendering is a few
//! hundred microseconds.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use super::model::{LineMoney, Statement};

const WIDTH: f32 = 612.0;
const HEIGHT: f32 = 792.0;
const LEFT: f32 = 54.0;
const RIGHT: f32 = 558.0;
const ROW: f32 = 13.0;
/// Where the table starts on the first page and on the pages after it.
const FIRST_TOP: f32 = 530.0;
const NEXT_TOP: f32 = 730.0;
/// The last page keeps everything below this for the totals, aging and the slip.
const LAST_FLOOR: f32 = 330.0;
/// Other pages fill down to here.
const FLOOR: f32 = 60.0;
/// Right edges of the money columns: charges, insurance paid, adjusted, you paid, you owe.
const MONEY_COLS: [f32; 5] = [318.0, 378.0, 438.0, 498.0, RIGHT];

/// Helvetica advance widths (1/1000 em) of ASCII 32..=126, from the standard AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Text in the fonts' WinAnsi encoding: Latin-1 letters as themselves, anything else as '?'.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match u32::from(c) {
            n @ 0x20..=0x7e | n @ 0xa0..=0xff => n as u8,
            _ => b'?',
        })
        .collect()
}

/// Width of `s` in points at `size` (regular Helvetica; digits and money punctuation have the
/// same widths in the bold face).
fn text_width(s: &str, size: f32) -> f32 {
    let units: u32 = s
        .chars()
        .map(|c| match u32::from(c) {
            n @ 0x20..=0x7e => u32::from(HELVETICA[(n - 0x20) as usize]),
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// Cents as dollars: `$1,234.56`, a credit as `-$12.00`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", c % 100)
}

/// A page's drawing, with the two fonts.
struct Page {
    c: Content,
}

impl Page {
    fn new() -> Self {
        Page { c: Content::new() }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        let font = if bold { Name(b"F2") } else { Name(b"F1") };
        self.c.begin_text();
        self.c.set_font(font, size);
        self.c.next_line(x, y);
        self.c.show(Str(&win_ansi(s)));
        self.c.end_text();
    }

    fn right(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.text(x - text_width(s, size), y, size, bold, s);
    }

    fn rule(&mut self, y: f32, width: f32) {
        self.c.set_line_width(width);
        self.c.move_to(LEFT, y);
        self.c.line_to(RIGHT, y);
        self.c.stroke();
    }

    fn shade(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.c.set_fill_gray(0.88);
        self.c.rect(x, y, w, h);
        self.c.fill_nonzero();
        self.c.set_fill_gray(0.0);
    }

    fn money_row(&mut self, y: f32, m: &LineMoney, bold: bool) {
        let amounts = [
            m.charge_cents,
            m.insurance_paid_cents,
            m.adjusted_cents,
            m.patient_paid_cents,
            m.patient_owes_cents,
        ];
        for (x, a) in MONEY_COLS.into_iter().zip(amounts) {
            self.right(x, y, 9.0, bold, &dollars(a));
        }
    }
}

/// One row of the visits table.
enum Row<'a> {
    Visit(&'a super::model::Visit),
    Line(&'a super::model::StatementLine),
}

fn rows(s: &Statement) -> Vec<Row<'_>> {
    let mut v = Vec::new();
    for visit in &s.visits {
        v.push(Row::Visit(visit));
        v.extend(visit.lines.iter().map(Row::Line));
    }
    v
}

/// Splits the rows into pages: the last page must leave room for the totals and the slip.
fn paginate(n: usize) -> Vec<std::ops::Range<usize>> {
    let mut pages = Vec::new();
    let mut at = 0;
    loop {
        let top = if pages.is_empty() {
            FIRST_TOP
        } else {
            NEXT_TOP
        } - ROW;
        let fits_last = ((top - LAST_FLOOR) / ROW) as usize;
        let fits = ((top - FLOOR) / ROW) as usize;
        if n - at <= fits_last {
            pages.push(at..n);
            return pages;
        }
        let take = fits.min(n - at);
        pages.push(at..at + take);
        at += take;
    }
}

fn header(p: &mut Page, s: &Statement) {
    let mut y = 740.0;
    p.text(LEFT, y, 14.0, true, &s.practice.name);
    for l in &s.practice.address_lines {
        y -= 13.0;
        p.text(LEFT, y, 10.0, false, l);
    }
    if let Some(phone) = &s.practice.phone {
        y -= 13.0;
        p.text(LEFT, y, 10.0, false, &format!("Phone: {phone}"));
    }
    let x = 390.0;
    p.text(x, 740.0, 16.0, true, "STATEMENT");
    let facts = [
        ("Statement date", s.statement_date.to_string()),
        ("Account number", s.bill_to.account_number.clone()),
        ("Due date", s.due_date.to_string()),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        let y = 722.0 - 13.0 * i as f32;
        p.text(x, y, 9.0, false, k);
        p.right(RIGHT, y, 9.0, false, v);
    }
    p.shade(x - 4.0, 672.0, RIGHT - x + 8.0, 18.0);
    p.text(x, 677.0, 11.0, true, "Amount due");
    p.right(RIGHT, 677.0, 11.0, true, &dollars(s.amount_due_cents));
    // The address block sits where a #10 window envelope shows it.
    p.text(72.0, 640.0, 8.0, false, "STATEMENT FOR");
    p.text(72.0, 626.0, 11.0, true, &s.bill_to.name);
    for (i, l) in s.bill_to.address_lines.iter().enumerate() {
        p.text(72.0, 612.0 - 13.0 * i as f32, 10.0, false, l);
    }
}

fn table_head(p: &mut Page, y: f32) {
    p.shade(LEFT - 2.0, y - 3.0, RIGHT - LEFT + 4.0, ROW);
    p.text(LEFT, y, 8.0, true, "Date");
    p.text(112.0, y, 8.0, true, "Service");
    p.right(210.0, y, 8.0, true, "Units");
    let heads = ["Charges", "Ins. paid", "Adjusted", "You paid", "You owe"];
    for (x, h) in MONEY_COLS.into_iter().zip(heads) {
        p.right(x, y, 8.0, true, h);
    }
}

fn draw_rows(p: &mut Page, rows: &[Row<'_>], top: f32) {
    table_head(p, top);
    let mut y = top - ROW - 2.0;
    for r in rows {
        match r {
            Row::Visit(v) => p.text(
                LEFT,
                y,
                9.0,
                true,
                &format!("Visit of {}, billed to {}", v.date_of_service, v.payer_name),
            ),
            Row::Line(l) => {
                p.text(LEFT, y, 9.0, false, &l.date_of_service.to_string());
                let mut code = l.code.clone();
                for m in &l.modifiers {
                    code.push('-');
                    code.push_str(m);
                }
                p.text(112.0, y, 9.0, false, &code);
                p.right(210.0, y, 9.0, false, &l.units.to_string());
                p.money_row(y, &l.money, false);
            }
        }
        y -= ROW;
    }
}

fn summary(p: &mut Page, s: &Statement) {
    let mut y = LAST_FLOOR - 4.0;
    p.rule(y + 10.0, 0.8);
    p.text(LEFT, y, 9.0, true, "Totals");
    p.money_row(y, &s.totals, true);
    y -= 22.0;
    p.text(LEFT, y, 9.0, true, "Aging of your balance");
    let aging = [
        ("0-30 days", s.aging.current_cents),
        ("31-60 days", s.aging.days_31_60_cents),
        ("61-90 days", s.aging.days_61_90_cents),
        ("91-120 days", s.aging.days_91_120_cents),
        ("Over 120 days", s.aging.over_120_cents),
    ];
    for (i, (label, cents)) in aging.iter().enumerate() {
        let x = 150.0 + 82.0 * i as f32;
        p.right(x + 70.0, y, 8.0, false, label);
        p.right(x + 70.0, y - 11.0, 9.0, false, &dollars(*cents));
    }
    y -= 30.0;
    let lines = [
        ("Balance of the visits above", s.totals.patient_owes_cents),
        ("Credit on account", -s.unapplied_credit_cents),
        (
            "Awaiting insurance (not due yet)",
            s.awaiting_insurance_cents,
        ),
    ];
    for (label, cents) in lines {
        p.text(330.0, y, 9.0, false, label);
        p.right(RIGHT, y, 9.0, false, &dollars(cents));
        y -= 12.0;
    }
    p.text(330.0, y - 2.0, 10.0, true, "Amount due");
    p.right(RIGHT, y - 2.0, 10.0, true, &dollars(s.amount_due_cents));
}

fn slip(p: &mut Page, s: &Statement) {
    p.c.save_state();
    p.c.set_dash_pattern([4.0, 3.0], 0.0);
    p.rule(212.0, 0.6);
    p.c.restore_state();
    p.text(
        LEFT,
        202.0,
        7.0,
        false,
        "Please detach and return this portion with your payment.",
    );
    p.text(LEFT, 182.0, 9.0, true, "REMITTANCE SLIP");
    p.text(
        LEFT,
        166.0,
        8.0,
        false,
        "Make checks payable to and mail to:",
    );
    p.text(LEFT, 152.0, 10.0, true, &s.practice.name);
    for (i, l) in s.practice.address_lines.iter().enumerate() {
        p.text(LEFT, 139.0 - 12.0 * i as f32, 10.0, false, l);
    }
    let x = 330.0;
    let facts = [
        ("Account number", s.bill_to.account_number.clone()),
        ("Patient", s.bill_to.name.clone()),
        ("Statement date", s.statement_date.to_string()),
        ("Due date", s.due_date.to_string()),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        let y = 182.0 - 13.0 * i as f32;
        p.text(x, y, 9.0, false, k);
        p.right(RIGHT, y, 9.0, false, v);
    }
    p.shade(x - 4.0, 116.0, RIGHT - x + 8.0, 17.0);
    p.text(x, 121.0, 10.0, true, "Amount due");
    p.right(RIGHT, 121.0, 10.0, true, &dollars(s.amount_due_cents));
    p.text(x, 96.0, 10.0, false, "Amount enclosed: $");
    p.c.set_line_width(0.6);
    p.c.move_to(x + 92.0, 94.0);
    p.c.line_to(RIGHT, 94.0);
    p.c.stroke();
    p.text(
        LEFT,
        70.0,
        8.0,
        false,
        "Paying by card? Call us; never write a card number on this slip.",
    );
}

/// Renders `s` as a PDF document.
pub fn render(s: &Statement) -> Vec<u8> {
    let rows = rows(s);
    let pages = paginate(rows.len());
    let count = pages.len();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    // Each page takes two ids: the page and its content stream.
    let page_id = |i: usize| Ref::new(5 + 2 * i as i32);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..count).map(page_id))
        .count(count as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (i, range) in pages.iter().enumerate() {
        let id = page_id(i);
        let content_id = Ref::new(id.get() + 1);
        let mut page = pdf.page(id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        page.finish();

        let mut p = Page::new();
        let top = if i == 0 {
            header(&mut p, s);
            FIRST_TOP
        } else {
            p.text(
                LEFT,
                750.0,
                10.0,
                true,
                &format!(
                    "{}: statement of {} (continued)",
                    s.practice.name, s.statement_date
                ),
            );
            p.text(LEFT, 737.0, 9.0, false, &s.bill_to.name);
            NEXT_TOP - 14.0
        };
        draw_rows(&mut p, &rows[range.clone()], top);
        if i + 1 == count {
            summary(&mut p, s);
            slip(&mut p, s);
        }
        p.right(
            RIGHT,
            30.0,
            7.0,
            false,
            &format!("Page {} of {count}", i + 1),
        );
        let buf = p.c.finish();
        pdf.stream(content_id, &buf);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_group_thousands_and_show_credits() {
        assert_eq!(dollars(0), "$0.00");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(-1200), "-$12.00");
    }

    #[test]
    fn the_last_page_leaves_room_for_the_slip() {
        assert_eq!(paginate(0), vec![0..0]);
        assert_eq!(paginate(10), vec![0..10]);
        let pages = paginate(200);
        assert!(pages.len() > 2);
        assert_eq!(pages.last().map(|r| r.end), Some(200));
        let last = pages.last().map(|r| r.len()).unwrap_or_default();
        assert!(last as f32 * ROW <= NEXT_TOP - LAST_FLOOR);
    }

    #[test]
    fn text_outside_latin1_becomes_a_question_mark() {
        assert_eq!(win_ansi("Zoë 東"), b"Zo\xeb ?".to_vec());
        assert!((text_width("$1.00", 10.0) - 25.02).abs() < 0.01);
    }
}
