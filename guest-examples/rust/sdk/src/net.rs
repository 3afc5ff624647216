//! Network access through the host's capabilities (`wit/capabilities.wit`):
//! [`http`] sends HTTP requests, [`postgres`] runs SQL. The host checks every
//! destination against the connector's `permissions.allowed_hosts`; a guest
//! that never calls these functions does not import them.

pub mod http;
pub mod postgres;

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "iggy:connector/capabilities@0.1.0",
        runtime_path: "iggy_connector_sdk::__private::wit_bindgen::rt",
    });
}
