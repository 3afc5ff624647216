//! Connector config arrives as a JSON object (the `config` table of the
//! runtime's TOML); this turns it into the connector's own typed struct.

use crate::Error;
use serde::de::DeserializeOwned;

/// Parses `config` into `T`. An empty string counts as `{}`. Any problem
/// (not an object, unknown key with `#[serde(deny_unknown_fields)]`, wrong
/// type, bad JSON) becomes `Error::InvalidConfig` naming what is wrong.
pub fn parse_config<T: DeserializeOwned>(config: &str) -> Result<T, Error> {
    let text = if config.trim().is_empty() { "{}" } else { config };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::invalid_config(format!("config is not valid JSON: {e}")))?;
    // serde would also fill a struct from a JSON array, by position.
    if !value.is_object() {
        return Err(Error::invalid_config(format!("config must be a JSON object, got {value}")));
    }
    serde_json::from_value(value).map_err(|e| Error::invalid_config(format!("config: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct C {
        #[serde(default)]
        flag: bool,
    }

    #[test]
    fn accepts_objects_only_and_names_the_problem() {
        assert!(parse_config::<C>("").unwrap().flag == false);
        assert!(parse_config::<C>(r#"{"flag":true}"#).unwrap().flag);
        for bad in ["[true]", r#"{"Flag":true}"#, r#"{"flag":"yes"}"#, "{"] {
            match parse_config::<C>(bad) {
                Err(Error::InvalidConfig(_)) => {}
                other => panic!("{bad} gave {other:?}"),
            }
        }
    }
}
