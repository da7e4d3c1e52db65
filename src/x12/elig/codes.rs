//! Code meanings of the 271, in short words of our own (the common subset; an unknown code
//! reads "unknown code" and keeps its value).

/// EB01: eligibility or benefit information.
pub fn benefit_info(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "active coverage",
        "2" => "active: full risk capitation",
        "3" => "active: services capitated",
        "4" => "active: services capitated to primary care physician",
        "5" => "active: pending investigation",
        "6" => "inactive",
        "7" => "inactive: pending eligibility update",
        "8" => "inactive: pending investigation",
        "A" => "co-insurance",
        "B" => "co-payment",
        "C" => "deductible",
        "CB" => "coverage basis",
        "D" => "benefit description",
        "E" => "exclusions",
        "F" => "limitations",
        "G" => "out of pocket (stop loss)",
        "H" => "unlimited",
        "I" => "non-covered",
        "J" => "cost containment",
        "K" => "reserve",
        "L" => "primary care provider",
        "M" => "pre-existing condition",
        "MC" => "managed care coordinator",
        "N" => "services restricted to following provider",
        "O" => "not deemed a medical necessity",
        "P" => "benefit disclaimer",
        "Q" => "second surgical opinion required",
        "R" => "other or additional payer",
        "S" => "prior year(s) history",
        "T" => "card(s) reported lost/stolen",
        "U" => "contact following entity for eligibility or benefit information",
        "V" => "cannot process",
        "W" => "other source of data",
        "X" => "health care facility",
        "Y" => "spend down",
        _ => return None,
    })
}

/// EB01 codes that mean the coverage is active.
pub const ACTIVE: [&str; 5] = ["1", "2", "3", "4", "5"];
/// EB01 codes that mean the coverage is inactive.
pub const INACTIVE: [&str; 3] = ["6", "7", "8"];

/// EB02: coverage level.
pub fn coverage_level(code: &str) -> Option<&'static str> {
    Some(match code {
        "CHD" => "children only",
        "DEP" => "dependents only",
        "ECH" => "employee and children",
        "EMP" => "employee only",
        "ESP" => "employee and spouse",
        "FAM" => "family",
        "IND" => "individual",
        "SPC" => "spouse and children",
        "SPO" => "spouse only",
        _ => return None,
    })
}

/// EB03 / EQ01: service types (the ones a medical office asks about most).
pub fn service_type(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "medical care",
        "2" => "surgical",
        "3" => "consultation",
        "4" => "diagnostic x-ray",
        "5" => "diagnostic lab",
        "33" => "chiropractic",
        "35" => "dental care",
        "47" => "hospital",
        "48" => "hospital - inpatient",
        "50" => "hospital - outpatient",
        "86" => "emergency services",
        "88" => "pharmacy",
        "98" => "professional (physician) visit - office",
        "AL" => "vision (optometry)",
        "MH" => "mental health",
        "UC" => "urgent care",
        "30" => "health benefit plan coverage",
        "BZ" => "physician visit - office: sick",
        "BY" => "physician visit - office: well",
        "81" => "routine physical",
        "A6" => "psychotherapy",
        "AE" => "physical medicine",
        "PT" => "physical therapy",
        _ => return None,
    })
}

/// EB06: time period qualifier.
pub fn time_period(code: &str) -> Option<&'static str> {
    Some(match code {
        "6" => "hour",
        "7" => "day",
        "13" => "24 hours",
        "21" => "years",
        "22" => "service year",
        "23" => "calendar year",
        "24" => "year to date",
        "25" => "contract",
        "26" => "episode",
        "27" => "visit",
        "28" => "outlier",
        "29" => "remaining",
        "30" => "exceeded",
        "31" => "not exceeded",
        "32" => "lifetime",
        "33" => "lifetime remaining",
        "34" => "month",
        "35" => "week",
        "36" => "admission",
        _ => return None,
    })
}

/// AAA03: why a request could not be answered.
pub fn reject_reason(code: &str) -> Option<&'static str> {
    Some(match code {
        "04" => "authorized quantity exceeded",
        "15" => "required application data missing",
        "41" => "authorization/access restrictions",
        "42" => "unable to respond at current time",
        "43" => "invalid/missing provider identification",
        "44" => "invalid/missing provider name",
        "45" => "invalid/missing provider specialty",
        "46" => "invalid/missing provider phone number",
        "47" => "invalid/missing provider state",
        "48" => "invalid/missing referring provider identification number",
        "49" => "provider is not primary care physician",
        "50" => "provider ineligible for inquiries",
        "51" => "provider not on file",
        "52" => "service dates not within provider plan enrollment",
        "53" => "inquired benefit inconsistent with provider type",
        "54" => "inappropriate product/service id qualifier",
        "55" => "inappropriate product/service id",
        "56" => "inappropriate date",
        "57" => "invalid/missing date(s) of service",
        "58" => "invalid/missing date of birth",
        "60" => "date of birth follows date(s) of service",
        "61" => "date of death precedes date(s) of service",
        "62" => "date of service not within allowable inquiry period",
        "63" => "date of service in future",
        "64" => "invalid/missing patient id",
        "65" => "invalid/missing patient name",
        "66" => "invalid/missing patient gender code",
        "67" => "patient not found",
        "68" => "duplicate patient id number",
        "69" => "inconsistent with patient's age",
        "70" => "inconsistent with patient's gender",
        "71" => "patient birth date does not match that for the patient on the database",
        "72" => "invalid/missing subscriber/insured id",
        "73" => "invalid/missing subscriber/insured name",
        "74" => "invalid/missing subscriber/insured gender code",
        "75" => "subscriber/insured not found",
        "76" => "duplicate subscriber/insured id number",
        "77" => "subscriber found, patient not found",
        "78" => "subscriber/insured not in group/plan identified",
        "79" => "invalid participant identification",
        "80" => "no response received - transaction terminated",
        "97" => "invalid or missing provider address",
        "T4" => "payer name or identifier missing",
        _ => return None,
    })
}

/// AAA04: what to do after a rejection.
pub fn follow_up(code: &str) -> Option<&'static str> {
    Some(match code {
        "C" => "please correct and resubmit",
        "N" => "resubmission not allowed",
        "P" => "please resubmit original transaction",
        "R" => "resubmission allowed",
        "S" => "do not resubmit; inquiry initiated to a third party",
        "W" => "please wait 30 days and resubmit",
        "X" => "please wait 10 days and resubmit",
        "Y" => "do not resubmit; we will hand deliver to you",
        _ => return None,
    })
}

/// DTP01 of the 271.
pub fn date_qualifier(code: &str) -> Option<&'static str> {
    Some(match code {
        "096" => "discharge",
        "193" => "period start",
        "194" => "period end",
        "198" => "completion",
        "290" => "coordination of benefits",
        "291" => "plan",
        "292" => "benefit",
        "295" => "primary care provider",
        "304" => "latest visit or consultation",
        "307" => "eligibility",
        "318" => "added",
        "340" => "COBRA begin",
        "341" => "COBRA end",
        "342" => "premium paid to date begin",
        "343" => "premium paid to date end",
        "346" => "plan begin",
        "347" => "plan end",
        "348" => "benefit begin",
        "349" => "benefit end",
        "356" => "eligibility begin",
        "357" => "eligibility end",
        "382" => "enrollment",
        "435" => "admission",
        "442" => "date of death",
        "458" => "certification",
        "472" => "service",
        "539" => "policy effective",
        "540" => "policy expiration",
        "636" => "date of last update",
        "771" => "status",
        _ => return None,
    })
}

/// NM101 of the 271 (2100A/B/C/D and 2120).
pub fn entity(code: &str) -> Option<&'static str> {
    Some(match code {
        "PR" => "payer",
        "2B" => "third-party administrator",
        "36" => "employer",
        "GP" => "gateway provider",
        "P5" => "plan sponsor",
        "1P" => "provider",
        "80" => "hospital",
        "FA" => "facility",
        "IL" => "insured or subscriber",
        "03" => "dependent",
        "13" => "contracted service provider",
        "1I" => "preferred provider organization",
        "7X" => "insurance company",
        "P3" => "primary care provider",
        "PRP" => "primary payer",
        "SEP" => "secondary payer",
        "TTP" => "tertiary payer",
        "VN" => "vendor",
        "X3" => "utilization management organization",
        "Y2" => "managed care organization",
        _ => return None,
    })
}
