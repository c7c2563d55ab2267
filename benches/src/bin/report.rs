//! Prints the criterion results of `benches/verify.rs` as a table with ratios.
//!
//! Reads `<target>/criterion/<group>/<bench>/new/estimates.json` (target: `CARGO_TARGET_DIR`,
//! else `benches/target`). Ratios use medians, which resist the noise of a shared machine.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

struct Estimate {
    mean: f64,
    median: f64,
}

fn read(dir: &std::path::Path) -> BTreeMap<String, BTreeMap<String, Estimate>> {
    let mut groups = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return groups;
    };
    for group in entries.flatten().filter(|e| e.path().is_dir()) {
        let group_name = group.file_name().to_string_lossy().into_owned();
        let Ok(benches) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for bench in benches.flatten() {
            let file = bench.path().join("new").join("estimates.json");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let point = |key: &str| json[key]["point_estimate"].as_f64().unwrap_or(f64::NAN);
            groups
                .entry(group_name.clone())
                .or_insert_with(BTreeMap::new)
                .insert(
                    bench.file_name().to_string_lossy().into_owned(),
                    Estimate {
                        mean: point("mean"),
                        median: point("median"),
                    },
                );
        }
    }
    groups
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn main() {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("criterion");
    let groups = read(&dir);
    if groups.is_empty() {
        eprintln!(
            "no criterion results under {}: run `cargo bench -j2 --bench verify` first",
            dir.display()
        );
        std::process::exit(1);
    }

    println!("| group | bench | mean | median | ÷ baseline (median) |");
    println!("|---|---|---:|---:|---:|");
    for (group, benches) in &groups {
        let baseline = ["bare_decode", "bare_encode"]
            .iter()
            .find_map(|name| benches.get(*name));
        for (bench, est) in benches {
            let ratio =
                baseline.map_or(String::new(), |b| format!("{:.2}×", est.median / b.median));
            println!(
                "| {group} | {bench} | {} | {} | {ratio} |",
                fmt_ns(est.mean),
                fmt_ns(est.median)
            );
        }
    }

    println!();
    println!("| ratio (medians) | value | target |");
    println!("|---|---:|---|");
    let ratio = |group: &str, a: &str, b: &str| -> Option<f64> {
        let g = groups.get(group)?;
        Some(g.get(a)?.median / g.get(b)?.median)
    };
    let rows: [(&str, &str, &str, Option<f64>); 10] = [
        ("verify_hs256", "pipeline", "bare_decode", Some(1.25)),
        ("verify_hs256", "pipeline", "hand_header", None),
        ("verify_hs256", "decode_token", "bare_decode", None),
        ("verify_hs256", "pipeline", "bare_decode_value", None),
        ("verify_hs256", "pipeline_user", "pipeline", None),
        ("verify_rs256", "pipeline", "bare_decode", None),
        ("verify_rs256", "decode_token", "bare_decode", None),
        ("verify_rs256", "pipeline_cached", "bare_decode", None),
        ("create_hs256", "create_access_token", "bare_encode", None),
        ("create_rs256", "create_access_token", "bare_encode", None),
    ];
    for (group, a, b, target) in rows {
        let Some(value) = ratio(group, a, b) else {
            continue;
        };
        let verdict = match target {
            Some(max) if value <= max => format!("≤ {max} met"),
            Some(max) => format!("≤ {max} MISSED"),
            None => String::new(),
        };
        println!("| {group}: {a} ÷ {b} | {value:.2} | {verdict} |");
    }
}
