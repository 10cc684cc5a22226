//! `docs/columns.md` documents the accepted columns of every entity; it must match the code.
//! Run with `CHIIKI_BLESS=1` to rewrite it.

#[test]
fn columns_doc_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/columns.md");
    let expected = format!(
        "# Columns of import and export files\n\n\
         Generated from the code (`chiiki_tabular::columns_markdown`); a test keeps it current.\n\
         Headers are matched after NFKC normalisation, ignoring case and spaces.\n\n{}",
        chiiki_tabular::columns_markdown()
    );
    if std::env::var("CHIIKI_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/columns.md is out of date: run CHIIKI_BLESS=1 cargo test -p chiiki-tabular --test docs"
    );
}
