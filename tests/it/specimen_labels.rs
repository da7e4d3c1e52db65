//! Specimen labels in ZPL, SVG and PNG: the Code 128 barcode is decoded back from the SVG's
//! bar geometry and from the PNG's pixels (widths -> symbols -> mod 103 check -> digits), and
//! label reads are audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::specimen_support;

use common::TestApp;
use medbill::auth::roles::Role;
use medbill::specimens::label::code128::{PATTERNS, STOP};
use specimen_support::{audited, body, create, records};

/// Decodes Code 128 from element widths (bar, space, ...; in modules, quiet zones removed):
/// checks the stop pattern and the mod 103 check symbol, and returns the text.
fn try_decode(widths: &[usize]) -> Result<String, String> {
    if widths.len() < 13 || (widths.len() - 7) % 6 != 0 {
        return Err(format!("{} elements", widths.len()));
    }
    let as_text = |w: &[usize]| w.iter().map(|d| d.to_string()).collect::<String>();
    let stop = as_text(&widths[widths.len() - 7..]);
    if stop != STOP {
        return Err(format!("stop {stop}"));
    }
    let mut values = Vec::new();
    for c in widths[..widths.len() - 7].chunks(6) {
        let p = as_text(c);
        values.push(
            PATTERNS
                .iter()
                .position(|q| *q == p)
                .ok_or(format!("no symbol {p}"))?,
        );
    }
    let (check, data) = values.split_last().ok_or("empty")?;
    let sum: usize = data.iter().enumerate().map(|(i, v)| v * i.max(1)).sum();
    if sum % 103 != *check {
        return Err("check symbol".into());
    }
    let mut out = String::new();
    let mut set_c = match data[0] {
        105 => true,
        104 => false,
        other => return Err(format!("start {other}")),
    };
    for v in &data[1..] {
        match (set_c, *v) {
            (true, 100) => set_c = false,
            (true, v) => out.push_str(&format!("{v:02}")),
            (false, v) => out.push(char::from(u8::try_from(v + 32).unwrap())),
        }
    }
    Ok(out)
}

fn decode(widths: &[usize]) -> String {
    try_decode(widths).unwrap()
}

/// Run lengths of dark/light along a row of booleans (dark = true), from the first dark.
fn runs(row: &[bool]) -> Vec<usize> {
    let start = row.iter().position(|d| *d).unwrap();
    let end = row.iter().rposition(|d| *d).unwrap();
    let mut out = Vec::new();
    let mut cur = row[start];
    let mut n = 0;
    for d in &row[start..=end] {
        if *d == cur {
            n += 1;
        } else {
            out.push(n);
            cur = *d;
            n = 1;
        }
    }
    out.push(n);
    out
}

fn attr(tag: &str, name: &str) -> usize {
    let key = format!(" {name}=\"");
    let i = tag.find(&key).unwrap() + key.len();
    tag[i..].split('"').next().unwrap().parse().unwrap()
}

fn decode_svg(svg: &str) -> String {
    let barcode = svg.split("<g class=\"barcode\"").nth(1).unwrap();
    let bars: Vec<(usize, usize)> = barcode
        .split("<rect ")
        .skip(1)
        .map(|t| (attr(&format!(" {t}"), "x"), attr(t, "width")))
        .collect();
    let mut widths = Vec::new();
    for (i, (x, w)) in bars.iter().enumerate() {
        widths.push(*w);
        if let Some((nx, _)) = bars.get(i + 1) {
            widths.push(nx - x - w);
        }
    }
    let module = *widths.iter().min().unwrap();
    decode(&widths.iter().map(|w| w / module).collect::<Vec<_>>())
}

fn decode_png(bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    // Scan the rows: the first one that decodes (check symbol and all) crosses the barcode.
    (0..h)
        .find_map(|y| {
            let row: Vec<bool> = buf[y * w..(y + 1) * w].iter().map(|p| *p < 128).collect();
            if !row.iter().any(|d| *d) {
                return None;
            }
            let r = runs(&row);
            let module = *r.iter().min().unwrap();
            try_decode(&r.iter().map(|x| x / module).collect::<Vec<_>>()).ok()
        })
        .expect("a row of the PNG decodes as Code 128")
}

async fn labels_in_three_formats(app: TestApp) {
    let fx = records(&app, "L1").await;
    let mut b = body(&fx);
    b["priority"] = serde_json::json!("stat");
    let r = create(&app, Role::FrontDesk, &b).await;
    let id = r.body["id"].as_str().unwrap();
    let acc = r.body["accession_number"].as_str().unwrap();
    let path = format!("/v1/specimens/{id}/label");

    let zpl = app.get(&path, Role::Lab).await;
    assert_eq!(zpl.status, 200);
    assert!(zpl
        .header("content-type")
        .unwrap()
        .starts_with("application/zpl"));
    let text = String::from_utf8(zpl.raw.clone()).unwrap();
    assert!(text.starts_with("^XA") && text.trim_end().ends_with("^XZ"));
    assert!(
        text.contains(&format!("^BCN,70,Y,N,N,A^FD{acc}^FS")),
        "{text}"
    );
    assert!(text.contains("LEE, ANN"));
    assert!(text.contains("DOB 1980-02-03"));
    assert!(text.contains("SER Serum"));
    assert!(text.contains("STAT"));

    let svg = app.get(&format!("{path}?format=svg"), Role::Billing).await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type").unwrap(), "image/svg+xml");
    let text = String::from_utf8(svg.raw.clone()).unwrap();
    assert!(text.contains("LEE, ANN") && text.contains("COLL "));
    assert_eq!(decode_svg(&text), acc);

    let png = app
        .get(&format!("{path}?format=PNG"), Role::FrontDesk)
        .await;
    assert_eq!(png.status, 200);
    assert_eq!(png.header("content-type").unwrap(), "image/png");
    assert_eq!(decode_png(&png.raw), acc);

    let r = app.get(&format!("{path}?format=pdf"), Role::Lab).await;
    assert_eq!(r.status, 422);
    let r = app
        .get(
            &format!("/v1/specimens/{}/label", uuid::Uuid::now_v7()),
            Role::Lab,
        )
        .await;
    assert_eq!(r.status, 404);
    // Label reads show patient identity: audited.
    assert_eq!(audited(&app, "label"), 3);
}

#[test]
fn decoder_reads_subset_b() {
    let (bars, _) = medbill::specimens::label::code128::bars("Lab-7").unwrap();
    let mut widths = Vec::new();
    for (i, (x, w)) in bars.iter().enumerate() {
        widths.push(*w);
        if let Some((nx, _)) = bars.get(i + 1) {
            widths.push(nx - x - w);
        }
    }
    assert_eq!(decode(&widths), "Lab-7");
    let (bars, _) = medbill::specimens::label::code128::bars("12345").unwrap();
    let mut widths = Vec::new();
    for (i, (x, w)) in bars.iter().enumerate() {
        widths.push(*w);
        if let Some((nx, _)) = bars.get(i + 1) {
            widths.push(nx - x - w);
        }
    }
    assert_eq!(decode(&widths), "12345");
}

on_both_backends!(labels_in_three_formats);
