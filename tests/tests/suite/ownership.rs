//! Table ownership, checked on the source: a state is named as text only by the crate that owns
//! its table (docs/architecture.md, "Who owns which table"); every other crate names it through
//! the owner's enum (`OrderStatus`, `ProductStatus`, `ShopStatus`), so a renamed state cannot leave
//! a stale filter behind elsewhere.

use std::path::{Path, PathBuf};

/// (what is forbidden, the crate allowed to write it)
const RULES: &[(&str, &str)] = &[
    ("orders::status.eq(\"", "checkout"),
    ("orders::status.eq_any([\"", "checkout"),
    ("products::status.eq(\"", "catalog"),
    ("products::status.eq_any([\"", "catalog"),
    ("shops::status.eq(\"", "identity"),
    ("\"pending_payment\"", "checkout"),
    ("\"shipped\"", "checkout"),
    ("\"received\"", "checkout"),
    ("\"completed\"", "checkout"),
    ("\"cancelled\"", "checkout"),
    ("product_status != \"", "catalog"),
    ("shop_status != \"", "identity"),
    ("coupons::status.eq(\"", "promotions"),
    ("coupon_templates::status.eq(\"", "promotions"),
    ("\"unused\"", "promotions"),
    ("\"locked\"", "promotions"),
];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The code of a source file without its `#[cfg(test)]` module (tests may spell states out).
fn production_code(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

#[test]
fn states_are_named_as_text_only_by_their_owner() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut offences = Vec::new();
    for owner_dir in std::fs::read_dir(&crates).unwrap().flatten() {
        let name = owner_dir.file_name().to_string_lossy().to_string();
        let mut files = Vec::new();
        sources(&owner_dir.path().join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (pattern, owner) in RULES {
                if name != *owner && production_code(&text).contains(pattern) {
                    offences.push(format!("{}: {pattern} (owned by {owner})", file.display()));
                }
            }
        }
    }
    assert!(offences.is_empty(), "states named outside their owner: {offences:#?}");
}
