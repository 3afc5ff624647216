//! Bindings generated from `wit/` for both worlds. The exports of a world only
//! reach a component when a guest expands its export macro, so one crate can
//! hold both worlds and a guest still implements exactly one.

/// World `sink-connector`. Also owns the shared `types` and `host` interfaces.
pub mod sink {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "iggy:connector/sink-connector@0.1.0",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "iggy_connector_sdk::bindings::sink",
        runtime_path: "iggy_connector_sdk::__private::wit_bindgen::rt",
    });
}

/// World `source-connector`; reuses the sink world's `types` and `host`.
pub mod source {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "iggy:connector/source-connector@0.1.0",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "iggy_connector_sdk::bindings::source",
        runtime_path: "iggy_connector_sdk::__private::wit_bindgen::rt",
        with: {
            "iggy:connector/types@0.1.0": crate::bindings::sink::iggy::connector::types,
            "iggy:connector/host@0.1.0": crate::bindings::sink::iggy::connector::host,
        },
    });
}
