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

/// Who may write each table: its owner (docs/architecture.md, "Tables"). `shops` has two: identity
/// creates the row and sets its status, catalog keeps its page columns and follower count.
/// `outbox_events` is appended by every crate through `bazaar_db::outbox`, and in bulk by the demo
/// seeder.
const WRITERS: &[(&str, &[&str])] = &[
    ("users", &["identity"]),
    ("sessions", &["identity"]),
    ("refresh_tokens", &["identity"]),
    ("addresses", &["identity"]),
    ("shop_applications", &["identity"]),
    ("shop_members", &["identity"]),
    ("shops", &["identity", "catalog"]),
    ("shop_follows", &["catalog"]),
    ("categories", &["catalog"]),
    ("products", &["catalog"]),
    ("skus", &["catalog"]),
    ("inventory_ledger", &["catalog"]),
    ("product_views", &["catalog"]),
    ("cart_items", &["checkout"]),
    ("checkouts", &["checkout"]),
    ("orders", &["checkout"]),
    ("order_items", &["checkout"]),
    ("order_events", &["checkout"]),
    ("refund_requests", &["checkout"]),
    ("order_adjustments", &["checkout"]),
    ("coupon_templates", &["promotions"]),
    ("coupon_claim_counts", &["promotions"]),
    ("coupons", &["promotions"]),
    ("shop_promotions", &["promotions"]),
    ("point_balances", &["promotions"]),
    ("point_entries", &["promotions"]),
    ("check_ins", &["promotions"]),
    ("shop_customers", &["promotions"]),
    ("flash_sales", &["promotions"]),
    ("flash_buyers", &["promotions"]),
    ("flash_reservations", &["promotions"]),
    ("payments", &["payments"]),
    ("payment_orders", &["payments"]),
    ("payment_notifications", &["payments"]),
    ("payment_refunds", &["payments"]),
    ("payment_shares", &["payments"]),
    ("in_store_payments", &["payments"]),
    ("chat_conversations", &["chat"]),
    ("chat_messages", &["chat"]),
    ("chat_reports", &["chat"]),
    ("chat_sensitive_words", &["chat"]),
    ("chat_shop_settings", &["chat"]),
    ("campaigns", &["campaigns"]),
    ("campaign_placements", &["campaigns"]),
    ("campaign_events", &["campaigns"]),
    ("short_links", &["campaigns"]),
    ("link_visits", &["campaigns"]),
    ("order_attributions", &["campaigns"]),
    ("draws", &["campaigns"]),
    ("draw_prizes", &["campaigns"]),
    ("draw_chances", &["campaigns"]),
    ("draw_plays", &["campaigns"]),
    ("search_synonyms", &["search"]),
    ("sms_messages", &["sms"]),
    ("outbox_events", &["db", "catalog"]),
    ("outbox_positions", &["db"]),
];

/// Crates that only measure (their scratch tables are their own) and are never deployed.
const NOT_DOMAIN: &[&str] = &["search-bench", "chat-load", "baseline"];

/// The identifier that starts `text` (`[a-z_]+`).
fn ident(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())).unwrap_or(text.len());
    &text[..end]
}

/// `use …::{orders as o, …}` renames, so a write through an alias is still seen.
fn aliases(code: &str) -> Vec<(String, String)> {
    code.match_indices(" as ")
        .filter_map(|(at, _)| {
            let before = code[..at].rsplit(|c: char| !(c.is_ascii_lowercase() || c == '_')).next()?;
            let after = ident(&code[at + 4..]);
            (!before.is_empty() && !after.is_empty()).then(|| (after.to_string(), before.to_string()))
        })
        .collect()
}

/// Every table a piece of code writes: diesel's `insert_into(x::table`, `update(x::table`,
/// `delete(x::table`, and SQL text's `INSERT INTO x`, `UPDATE x`, `DELETE FROM x`.
fn written_tables(code: &str) -> Vec<String> {
    let renames = aliases(code);
    let mut written = Vec::new();
    for call in ["insert_into(", "update(", "delete("] {
        for (at, _) in code.match_indices(call) {
            let rest = code[at + call.len()..].trim_start();
            let name = ident(rest);
            if !name.is_empty() && rest[name.len()..].starts_with("::table") {
                let table = renames.iter().find(|(alias, _)| alias == name).map_or(name, |(_, table)| table.as_str());
                written.push(table.to_string());
            }
        }
    }
    for statement in ["INSERT INTO ", "UPDATE ", "DELETE FROM "] {
        for (at, _) in code.match_indices(statement) {
            let name = ident(&code[at + statement.len()..]);
            if !name.is_empty() {
                written.push(name.to_string());
            }
        }
    }
    written
}

/// Walks every deployed crate's production code (but the crates in `skip`) and hands each table
/// that `tables` finds in a file to `visit`, with the crate's name and the file.
fn each_table(skip: &[&str], tables: fn(&str) -> Vec<String>, mut visit: impl FnMut(&str, &Path, String)) {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    for crate_dir in std::fs::read_dir(&crates).unwrap().flatten() {
        let name = crate_dir.file_name().to_string_lossy().to_string();
        if NOT_DOMAIN.contains(&name.as_str()) || skip.contains(&name.as_str()) {
            continue;
        }
        let mut files = Vec::new();
        sources(&crate_dir.path().join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for table in tables(production_code(&text)) {
                visit(&name, &file, table);
            }
        }
    }
}

#[test]
fn tables_are_written_only_by_their_owner() {
    let (mut offences, mut seen) = (Vec::new(), 0);
    each_table(&[], written_tables, |name, file, table| {
        seen += 1;
        match WRITERS.iter().find(|(owned, _)| *owned == table) {
            Some((_, writers)) if writers.contains(&name) => {}
            Some((_, writers)) => offences.push(format!("{}: writes {table} (owned by {writers:?})", file.display())),
            None => offences.push(format!("{}: writes {table}, which has no owner in WRITERS", file.display())),
        }
    });
    assert!(seen > 50, "the scan found only {seen} writes; it has stopped seeing them");
    assert!(offences.is_empty(), "tables written outside their owner: {offences:#?}");
}

#[test]
fn the_write_scan_sees_aliases_and_sql() {
    let code = "use schema::{flash_sales as fs};\n diesel::update(fs::table.find(1)); \"INSERT INTO skus (a)\"";
    assert_eq!(written_tables(code), ["flash_sales", "skus"]);
}

/// Every table a piece of code names through the schema — `use bazaar_db::schema::{x, y as z}`,
/// a `bazaar_db::schema::x` path — or in SQL text after `FROM` or `JOIN`. Diesel reaches a table
/// only through its schema module, so these are every table the code reads or writes.
fn named_tables(code: &str) -> Vec<String> {
    const SCHEMA: &str = "bazaar_db::schema::";
    let mut named = Vec::new();
    for (at, _) in code.match_indices(SCHEMA) {
        let rest = &code[at + SCHEMA.len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap_or(list.len())];
            named.extend(list.split(',').map(|item| ident(item.trim()).to_string()).filter(|name| !name.is_empty()));
        } else {
            let name = ident(rest);
            if !name.is_empty() && name != "self" {
                named.push(name.to_string());
            }
        }
    }
    for keyword in ["FROM ", "JOIN "] {
        for (at, _) in code.match_indices(keyword) {
            let name = ident(&code[at + keyword.len()..]);
            if !name.is_empty() {
                named.push(name.to_string());
            }
        }
    }
    named
}

#[test]
fn tables_are_read_only_by_their_owner() {
    let (mut offences, mut seen) = (Vec::new(), 0);
    // The database crate holds the schema itself.
    each_table(&["db"], named_tables, |name, file, table| {
        let Some((_, owners)) = WRITERS.iter().find(|(owned, _)| *owned == table) else { return };
        seen += 1;
        // The outbox is every crate's to append to and to follow, through `bazaar_db::outbox`.
        if !owners.contains(&name) && !table.starts_with("outbox_") {
            offences.push(format!("{}: reads {table} (owned by {owners:?})", file.display()));
        }
    });
    assert!(seen > 50, "the scan found only {seen} tables named; it has stopped seeing them");
    assert!(offences.is_empty(), "tables read outside their owner: {offences:#?}");
}

#[test]
fn the_read_scan_sees_imports_paths_and_sql() {
    let code = "use bazaar_db::schema::{orders, skus as s};\n bazaar_db::schema::shops::table; \"SELECT 1 FROM users JOIN addresses\"";
    assert_eq!(named_tables(code), ["orders", "skus", "shops", "users", "addresses"]);
}
