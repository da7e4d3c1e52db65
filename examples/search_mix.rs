//! Search workload for issue 17, outside criterion so that callgrind can count it.
//!
//! - `search_mix golden`: dump the hits of ~250 queries (the 32 of `benches/load/search_mix.lua`
//!   and more typos, prefixes, abbreviations, codes, letters, phrases) on several dates at limit 20
//!   and 100, to compare a change against the unchanged code.
//! - `search_mix mix [rounds]`: the 32 mix queries, each over 28 dates of 2025 at limit 20, one
//!   call of `run_query` per query (for `callgrind --toggle-collect=*run_query*`), then the
//!   native time per query.

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use medbill::codesets::{CodeSystem, CodeTables};

#[path = "../benches/support/search_mix.rs"]
mod search_mix;

const MORE: &str =
    "diabtes|diabetis|hypertensoin|asthama|pnemonia|bronchitis|bronchitus|sinusitus|\
arthritus|osteoporsis|celulitis|gastroenteritus|apendicitis|hemorroids|migrane|schizophrenai|\
alzheimers|alzheimer disease|parkinsons|epilepsi|siezure|dementa|pancreatitus|diverticulitus|\
conjuctivitis|tonsilitis|hypothyroidsm|ostearthritis|fibromyalga|nueropathy|tachicardia|\
arrythmia|leukaemia|carcinoma lung|breast cancer|prostate cancer|colon cancer|hyp|diab|fract|\
pneum|card|neo|inf|pain|ost|gast|ren|hep|col|br|ab|ch|mal|acu|chron|sep|frac fem|fx|dm|htn|chf|\
mi|ckd|afib|a-fib|sob|n/v|uri|tia|cva|dvt|pe|aki|esrd|ibs|adhd|ptsd|ocd|hiv|hep c|std|cp|loc|lbp|\
oa|ra|sle|ms|als|E11.9|E119|I10|J45|J45.909|S72|Z00.00|A0|C50|O09|M54.5|R07.9|e11|i2|Z|1|99|\
F32.A|U07.1|a|s|e|z|x|q|type 2 diabetes with hyperglycemia|type 1 diabetes|\
diabetes mellitus without complications|essential hypertension|chronic kidney disease stage 3|\
acute myocardial infarction|congestive heart failure|chronic obstructive pulmonary disease|\
major depressive disorder recurrent|generalized anxiety disorder|urinary tract infection|\
acute sinusitis|streptococcal pharyngitis|otitis media acute|left knee pain|right shoulder pain|\
neck pain|abdominal pain|pain in right hip|fracture of neck of femur|closed fracture of radius|\
ankle sprain|laceration of hand|dog bite|fall from ladder|motor vehicle accident|\
encounter for immunization|routine child health exam|annual physical|well child visit|\
supervision of normal pregnancy|gestational diabetes|preeclampsia|pre-eclampsia|\
vitamin d deficiency|iron deficiency anemia|b12 deficiency|morbid obesity|bmi 40|\
nicotine dependence|alcohol abuse|opioid dependence|covid|covid-19|long covid|influenza|flu|\
strep throat|pink eye|ear infection|stomach flu|high blood pressure|high cholesterol|stroke|\
kidney failure|liver cirrhosis|fatty liver|gallstones|bladder infection|shingles|lyme disease|\
sepsis|septic shock|dehydration|hyponatremia|syncope|dizziness|vertigo|fatigue|weight loss|\
fever|nausea and vomiting|diarrhoea|constipation|insomnia|sleep apnea|carpal tunnel|\
plantar fasciitis|rotator cuff tear|herniated disc|sciatica|spinal stenosis|gout|lupus|\
psoriasis|eczema|acne|contact dermatitis|hives|cellulitis of leg|abscess|pressure ulcer|\
diabetic foot ulcer|glaucoma|cataract|macular degeneration|hearing loss|tinnitus|\
allergic rhinitis|nosebleed|shortness of breath|wheezing|pulmonary embolism|\
deep vein thrombosis|varicose veins|peripheral artery disease|aortic stenosis|palpitations|\
orthostatic hypotension|anxiety depression|bipolar disorder|autism|developmental delay|\
newborn jaundice|premature infant|down syndrome|cleft palate|contraception|infertility|\
menopause|endometriosis|pcos|ovarian cyst|uterine fibroids|erectile dysfunction|hematuria|\
incontinence|overactive bladder|personal history of|family history of breast cancer|\
long term use of insulin|long-term (current) use of anticoagulants|screening colonoscopy|\
hypertensive heart disease with heart failure|diab mel typ 1|typ 2 dm|hyperten|\
hypertens heart|chr kidney dis|ac resp fail|resp failure|cong heart fail|zzz|qwerty|asdfgh|\
the|of|with|and the|123456|e11.65x|!!!|  diabetes  |DIABETES|Diabetes Mellitus|\
crohn's disease|crohns|alzheimer's|diabetes mellitus type 2 with diabetic chronic kidney|\
pnuemonia due to covid|hypertenson with ckd|astma exacerbation|copd exac|vac|vaccine|\
fractur of femr|brest lump|sinusitis chronic maxillary|otitis externa|gastritis|ulcer|\
kidney|heart|lung|liver|brain|bone|skin|eye|ear|nose|throat|mouth|tooth|teeth|back|knee|hip";

const HCPCS: [&str; 16] = [
    "influenza vaccine administration",
    "glucose test strips",
    "wheelchair",
    "oxygen",
    "injection",
    "medroxyprogesterone injection",
    "walker",
    "flu vac",
    "covid vaccine",
    "ambulance",
    "J1100",
    "G0008",
    "hospital bed",
    "catheter",
    "nebulizer",
    "cpap",
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// One mix query over the dates; never inlined so callgrind can count it alone.
#[inline(never)]
fn run_query(t: &CodeTables, q: &str, dates: &[NaiveDate]) -> usize {
    dates
        .iter()
        .map(|&d| black_box(t.search(CodeSystem::Icd10cm, q, d, 20)).len())
        .sum()
}

fn golden(t: &CodeTables) {
    let dates = [
        day(2025, 1, 15),
        day(2025, 6, 30),
        day(2025, 10, 1),
        day(2025, 12, 28),
        day(2019, 12, 1),
        day(2026, 5, 1),
    ];
    let mix = search_mix::queries();
    let icd = mix.iter().map(String::as_str).chain(MORE.split('|'));
    let all = icd
        .map(|q| (CodeSystem::Icd10cm, q))
        .chain(HCPCS.iter().map(|&q| (CodeSystem::Hcpcs, q)));
    for (system, q) in all {
        for d in dates {
            for limit in [20, 100] {
                let hits: Vec<String> = t
                    .search(system, q, d, limit)
                    .iter()
                    .map(|h| {
                        format!(
                            "{}{} [{}]",
                            h.code.display(system),
                            if h.billable { "" } else { "*" },
                            h.matched.describe(system)
                        )
                    })
                    .collect();
                println!("{system}|{q}|{d}|{limit}|{}", hits.join("; "));
            }
        }
    }
}

fn mix(t: &CodeTables, rounds: usize) {
    let (queries, dates) = (search_mix::queries(), search_mix::dates());
    let mut total = 0usize;
    for q in &queries {
        total += run_query(t, q, &dates);
    }
    println!("hits {total}");
    if rounds == 0 {
        return;
    }
    let mut sum = 0.0;
    for q in &queries {
        let t0 = Instant::now();
        for _ in 0..rounds {
            run_query(t, q, &dates);
        }
        let us = t0.elapsed().as_secs_f64() * 1e6 / (rounds * dates.len()) as f64;
        sum += us;
        println!("{q:>24} {us:8.1} us");
    }
    println!("{:>24} {:8.1} us", "average", sum / queries.len() as f64);
}

fn main() {
    let tables = match CodeTables::load_embedded() {
        Ok(t) => t,
        Err(e) => panic!("load failed: {e}"),
    };
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("golden") => golden(&tables),
        Some("mix") => mix(
            &tables,
            args.next().and_then(|r| r.parse().ok()).unwrap_or(0),
        ),
        _ => eprintln!("usage: search_mix golden | mix [rounds]"),
    }
}
