//! The two OpenAPI documents, served and exported.
use std::path::Path;

/// Writes `reseller.{json,yaml}` and `session.{json,yaml}` into `dir`.
pub fn export(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let reseller = companygate_reseller_api::service();
    let session = companygate_session_api::service();
    for (name, json, yaml) in
        [("reseller", reseller.spec(), reseller.spec_yaml()), ("session", session.spec(), session.spec_yaml())]
    {
        std::fs::write(dir.join(format!("{name}.json")), ensure_newline(json))?;
        std::fs::write(dir.join(format!("{name}.yaml")), ensure_newline(yaml))?;
    }
    Ok(())
}

fn ensure_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
