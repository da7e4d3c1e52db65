//! PNG label (8-bit grayscale): text in an 8x8 bitmap font scaled twice, and a Code 128
//! barcode at 3 pixels per module.

use font8x8::legacy::BASIC_LEGACY;

use super::LabelData;

/// Pixels per barcode module.
pub const MODULE: usize = 3;
const SCALE: usize = 2;
const MARGIN: usize = 12;
const LINE: usize = 8 * SCALE + 6;
const BAR_HEIGHT: usize = 90;

struct Canvas {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for row in y..(y + h).min(self.h) {
            let start = row * self.w;
            for col in x..(x + w).min(self.w) {
                self.px[start + col] = 0;
            }
        }
    }

    fn text(&mut self, x: usize, y: usize, s: &str) {
        for (i, ch) in s.chars().enumerate() {
            let glyph = BASIC_LEGACY
                .get(ch as usize)
                .copied()
                .unwrap_or(BASIC_LEGACY[usize::from(b'?')]);
            let gx = x + i * 8 * SCALE;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        self.fill(gx + col * SCALE, y + row * SCALE, SCALE, SCALE);
                    }
                }
            }
        }
    }
}

/// The PNG bytes of the label.
pub fn render(
    d: &LabelData,
    bars: &[(usize, usize)],
    modules: usize,
) -> Result<Vec<u8>, ::png::EncodingError> {
    let lines = d.lines();
    let text_w = lines
        .iter()
        .map(|l| l.chars().count() * 8 * SCALE + 2 * MARGIN)
        .max()
        .unwrap_or(0);
    let w = (modules * MODULE).max(text_w);
    let bar_top = MARGIN + 3 * LINE + 4;
    let h = bar_top + BAR_HEIGHT + 4 + LINE + MARGIN;
    let mut c = Canvas {
        w,
        h,
        px: vec![255; w * h],
    };
    for (i, l) in lines.iter().enumerate() {
        c.text(MARGIN, MARGIN + i * LINE, l);
    }
    for (x, bw) in bars {
        c.fill(x * MODULE, bar_top, bw * MODULE, BAR_HEIGHT);
    }
    let acc_w = d.accession.len() * 8 * SCALE;
    c.text(
        (modules * MODULE).saturating_sub(acc_w) / 2,
        bar_top + BAR_HEIGHT + 4,
        &d.accession,
    );
    let mut out = Vec::new();
    {
        let mut enc = ::png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(::png::ColorType::Grayscale);
        enc.set_depth(::png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(&c.px)?;
        writer.finish()?;
    }
    Ok(out)
}
