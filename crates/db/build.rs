//! `embed_migrations!` reads the migration folders when this crate compiles, but cargo does not
//! know about them: without this a new migration folder was left out of an incremental build.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
