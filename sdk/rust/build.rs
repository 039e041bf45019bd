//! Generates the clients from the committed specs at build time. progenitor cannot represent two
//! things the contracts require, so it is handed a copy without them (the committed specs stay
//! as they are): operations with `multipart/form-data` bodies (company create and update), and
//! the plain-text 401 of the session login beside its JSON errors (one error type per operation).
use std::path::Path;

fn generator_input(spec: &str) -> openapiv3::OpenAPI {
    let mut spec: serde_json::Value = serde_json::from_str(spec).expect("the committed spec is JSON");
    for methods in spec["paths"].as_object_mut().expect("paths").values_mut() {
        let methods = methods.as_object_mut().expect("methods");
        let multipart = |op: &serde_json::Value| {
            op.pointer("/requestBody/content")
                .and_then(|c| c.as_object())
                .is_some_and(|c| c.keys().any(|k| k.starts_with("multipart/")))
        };
        methods.retain(|_, op| !multipart(op));
        for op in methods.values_mut() {
            if let Some(responses) = op["responses"].as_object_mut() {
                let plain = |r: &serde_json::Value| {
                    r["content"].as_object().is_some_and(|c| c.keys().any(|k| k.starts_with("text/plain")))
                };
                responses.retain(|_, r| !plain(r));
            }
        }
    }
    serde_json::from_value(spec).expect("still an OpenAPI document")
}

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in ["reseller", "session"] {
        let path = format!("../../openapi/{name}.json");
        println!("cargo:rerun-if-changed={path}");
        let spec = generator_input(&std::fs::read_to_string(&path).expect("spec readable"));
        let tokens = progenitor::Generator::default().generate_tokens(&spec).expect("progenitor accepts the spec");
        let code = prettyplease::unparse(&syn::parse2(tokens).expect("generated code parses"));
        std::fs::write(Path::new(&out).join(format!("{name}.rs")), code).expect("OUT_DIR writable");
    }
}
