//! The layer map of the crate docs, checked: every module lives in a layer folder, and its
//! `crate::` paths name only its own layer or one below. A path through a re-export at the
//! crate root (`crate::JwtManager`) would hide the layer it reaches, so it is refused too.

use std::path::Path;

/// The layer folders, lowest first.
const LAYERS: [&str; 7] = [
    "foundation",
    "keys",
    "loaders",
    "tokens",
    "manager",
    "request",
    "doors",
];

/// The revocation stores sit beside the layers: they may use every layer but the doors, and
/// the manager (which keeps a store) and the request pipeline (which asks it) may use them.
const BESIDE: &str = "blocklist";
const BESIDE_USES_UP_TO: &str = "request";
const BESIDE_USED_BY: [&str; 2] = ["manager", "request"];

fn level(folder: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| *layer == folder)
}

fn may_use(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    if to == BESIDE {
        return BESIDE_USED_BY.contains(&from);
    }
    let from_level = if from == BESIDE {
        level(BESIDE_USES_UP_TO)
    } else {
        level(from)
    };
    matches!((from_level, level(to)), (Some(from), Some(to)) if to <= from)
}

/// The first segment of every `crate::` path in `source`, comments left out.
fn crate_paths(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `my_crate::` is another path; `$crate::` in our macros is this crate.
        if before.is_some_and(is_ident) {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c::{d, e}}`: the first segment of each top-level item.
            let (mut depth, mut item_start) = (0, 0);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    ',' | '}' if depth == 0 => {
                        let segment: String = group[item_start..i]
                            .trim_start()
                            .chars()
                            .take_while(|&c| is_ident(c))
                            .collect();
                        if !segment.is_empty() {
                            found.push(segment);
                        }
                        if c == '}' {
                            break;
                        }
                        item_start = i + 1;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
        } else {
            let segment: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            found.push(segment);
        }
    }
    found
}

/// Every upward or unlayered `crate::` path of a module in `folder`.
fn violations(folder: &str, file: &str, source: &str) -> Vec<String> {
    crate_paths(source)
        .into_iter()
        .filter(|to| !may_use(folder, to))
        .map(|to| match level(to.as_str()).is_some() || to == BESIDE {
            true => format!("{file}: `crate::{to}` is above `{folder}`"),
            false => format!(
                "{file}: `crate::{to}` names no layer; use the path of the layer it lives in"
            ),
        })
        .collect()
}

fn check_dir(dir: &Path, root: &Path, problems: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable source folder")
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            check_dir(&path, root, problems);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).expect("under src");
        let file = relative.display().to_string();
        let mut components = relative.components();
        let first = components.next().unwrap().as_os_str().to_string_lossy();
        if components.next().is_none() {
            if !matches!(&*first, "lib.rs" | "layers.rs") {
                problems.push(format!("{file}: every module lives in a layer folder"));
            }
            continue;
        }
        if level(&first).is_none() && first != BESIDE {
            problems.push(format!("{file}: `{first}/` is not a layer folder"));
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("readable source");
        problems.extend(violations(&first, &file, &source));
    }
}

#[test]
fn no_module_uses_a_layer_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    check_dir(&root, &root, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_upward_and_unlayered_paths() {
    let source = "use crate::foundation::error::JwtError;\n\
                  // use crate::doors::guard::JwtGuard;\n\
                  use crate::{tokens::cache::Checked, manager::JwtManager};\n\
                  let m = crate::JwtManager::current();\n\
                  $crate::request::x!();";
    assert_eq!(
        crate_paths(source),
        ["foundation", "tokens", "manager", "JwtManager", "request"]
    );
    assert_eq!(
        violations("keys", "keys/mod.rs", source),
        [
            "keys/mod.rs: `crate::tokens` is above `keys`",
            "keys/mod.rs: `crate::manager` is above `keys`",
            "keys/mod.rs: `crate::JwtManager` names no layer; use the path of the layer it lives in",
            "keys/mod.rs: `crate::request` is above `keys`",
        ]
    );
    assert!(may_use("manager", BESIDE) && may_use(BESIDE, "request"));
    assert!(!may_use(BESIDE, "doors") && !may_use("tokens", BESIDE));
}
