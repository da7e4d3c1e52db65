//! 835 reader and line matching benchmark: one payment of 10,000 claims with 3 lines each
//! (REF*6R on every line), read with its balance checks, then every claim's lines matched
//! against our 3 lines. This is the pure part of the import; the database part (claims
//! loaded, 30,000 lines posted) is not in this benchmark (see docs/remittance.md).

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use criterion::Criterion;
use medbill::remits::matching::{match_lines, OurLine};
use medbill::x12::era::read_835;

fn big_835(n: usize) -> String {
    let mut segs = vec![
        "ST*835*0001".to_string(),
        format!("BPR*I*{}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*011000028*DA*987654321*20260401", 120 * n),
        "TRN*1*EFTBENCH*1512345678".into(),
        "N1*PR*AETNA".into(),
        "N3*1 PAYER WAY".into(),
        "N4*HARTFORD*CT*06101".into(),
        "PER*BL*EDI*TE*8005551212".into(),
        "N1*PE*MAPLE STREET FAMILY PRACTICE*XX*1234567893".into(),
        "LX*1".into(),
    ];
    for i in 0..n {
        segs.push(format!("CLP*PCN{i:08}*1*175*120*20*12*PAYER{i:08}*11*1"));
        segs.push(format!("NM1*QC*1*DOE*JANE****MI*M{i:08}"));
        segs.push("DTM*050*20260315".into());
        for (k, (code, charge, paid)) in [
            ("99213", "100", "70"),
            ("36415", "25", "25"),
            ("81002", "50", "25"),
        ]
        .iter()
        .enumerate()
        {
            segs.push(format!("SVC*HC:{code}*{charge}*{paid}**1"));
            segs.push("DTM*472*20260310".into());
            if k == 0 {
                segs.push("CAS*CO*45*10".into());
                segs.push("CAS*PR*2*20".into());
            } else if k == 2 {
                segs.push("CAS*CO*45*25".into());
            }
            segs.push(format!("REF*6R*{}", k + 1));
            segs.push(format!("AMT*B6*{paid}"));
        }
    }
    segs.push(format!("SE*{}*0001", segs.len() + 1));
    let mut out = vec![
        "ISA*00*          *00*          *ZZ*AETNA          *ZZ*MEDBILLSUB     *260401*0900*^*00501*000000900*0*T*:".to_string(),
        "GS*HP*AETNA*MEDBILLSUB*20260401*0900*900*X*005010X221A1".into(),
    ];
    out.extend(segs);
    out.push("GE*1*900".into());
    out.push("IEA*1*000000900".into());
    out.join("~\n") + "~\n"
}

fn ours() -> Vec<OurLine> {
    let d = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap_or_default();
    [("99213", 10_000), ("36415", 2_500), ("81002", 5_000)]
        .iter()
        .zip(1..)
        .map(|((code, charge), n)| OurLine {
            line_number: n,
            code: code.to_string(),
            modifiers: vec![],
            date: d,
            charge_cents: *charge,
        })
        .collect()
}

fn read_and_match(text: &str, ours: &[OurLine]) -> usize {
    let Ok(r) = read_835(text) else { return 0 };
    r.payments
        .iter()
        .flat_map(|p| p.claims.iter())
        .map(|c| match_lines(c, ours).paired.len())
        .sum()
}

fn main() {
    let text = big_835(10_000);
    let ours = ours();
    let start = Instant::now();
    let r = read_835(&text);
    let took = start.elapsed();
    match &r {
        Ok(r) => println!(
            "read 10,000 claims x 3 lines: {:.1} ms, {:.1} MB, balanced: {}",
            took.as_secs_f64() * 1e3,
            text.len() as f64 / 1e6,
            r.payments.iter().all(|p| p.balance.balanced)
        ),
        Err(e) => eprintln!("{e}"),
    }
    println!("lines matched: {}", read_and_match(&text, &ours));
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("835 read + match, 10,000 claims x 3 lines", |b| {
        b.iter(|| read_and_match(black_box(&text), black_box(&ours)))
    });
    c.final_summary();
}
