//! The IANA -> Windows zone table Belfry ships is exactly what its generator makes from the
//! CLDR and tz database files on this machine (Debian packages unicode-cldr-core, tzdata).

use std::path::PathBuf;
use std::process::Command;

#[test]
#[ignore = "needs unicode-cldr-core and tzdata (installed by scripts/setup): run scripts/test"]
fn the_shipped_table_is_what_cldr_says() {
    let data = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("data");
    let out = Command::new("python3")
        .arg(data.join("windows-zones.py"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the generator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shipped = std::fs::read_to_string(data.join("windows-zones.tsv")).unwrap();
    let generated = String::from_utf8(out.stdout).unwrap();
    assert!(
        generated.lines().count() > 500,
        "the CLDR files gave too few zones"
    );
    assert_eq!(
        shipped, generated,
        "data/windows-zones.tsv is stale: regenerate it with data/windows-zones.py"
    );
}
