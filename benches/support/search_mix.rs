//! The uncached-search workload of `benches/load/search_mix.lua` for the in-process bench and
//! example (issue 17): its queries are read from the load script itself, so the three measure
//! the same list.

use chrono::NaiveDate;

/// The load script's queries, URL-decoded.
pub fn queries() -> Vec<String> {
    let script = include_str!("../load/search_mix.lua");
    let list = script
        .split_once("local queries = {")
        .and_then(|(_, rest)| rest.split_once('}'))
        .map_or("", |(list, _)| list);
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(|q| q.replace("%20", " "))
        .collect()
}

/// 28 of the script's 336 dates of service (every 12th), all in 2025.
pub fn dates() -> Vec<NaiveDate> {
    (0..336u32)
        .step_by(12)
        .filter_map(|n| NaiveDate::from_ymd_opt(2025, n / 28 + 1, n % 28 + 1))
        .collect()
}
